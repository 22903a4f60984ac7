"""A test stand-in for Google's firmware launch endorsements (GCE Confidential VMs).

Google signs one ``VMLaunchEndorsement`` per firmware build: a serialised
``VMGoldenMeasurement`` (timestamp, changelist, commit, signing
certificate, firmware SHA-384, TDX MRTDs per launch configuration) and an
RSASSA-PSS SHA-256 signature over those bytes, by a key whose certificate
the root ``GCE-cc-tcb-root`` issued (github.com/google/gce-tcb-verifier:
proto/endorsement.proto, sign/ops/certificates.go, sign/ops/verify.go).
This module builds a PKI of that shape with ``cryptography`` (RSA 2048
for speed where Google uses 4096; the padding is the same) and serialises
the messages with the protobuf runtime, from a schema written here in
protobuf's text format: independent of the collection's own descriptor,
which it is used to test. It never imports plugins/.
"""

import datetime
import functools
from dataclasses import dataclass
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

UTC = datetime.timezone.utc
ROOT_NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=UTC)
ROOT_NOT_AFTER = datetime.datetime(2049, 1, 1, tzinfo=UTC)
SIGNER_NOT_BEFORE = datetime.datetime(2024, 6, 1, tzinfo=UTC)
SIGNER_NOT_AFTER = datetime.datetime(2034, 6, 1, tzinfo=UTC)
TEST_ROOT_NAME = "confidential.tdx Test GCE-cc-tcb-root"
TEST_SIGNER_NAME = "confidential.tdx Test gce-uefi-signer"
# Where Google keeps them (extract/extracttdx, verify.GCETcbURL, the README's root URL).
TDX_OBJECT = "/gce_tcb_integrity/ovmf_x64_csm/tdx/%s.binarypb"
ROOT_OBJECT = "/cloud_integrity/GCE-cc-tcb-root_1.crt"

# endorsement.proto's messages as a FileDescriptorProto in text format (field numbers from Google's file).
_SCHEMA = """
name: "tdx_pki/gce_endorsement_test.proto"
package: "cloud_vmm_proto"
dependency: "google/protobuf/timestamp.proto"
syntax: "proto3"
message_type {
  name: "VMLaunchEndorsement"
  field { name: "serialized_uefi_golden" number: 1 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "signature" number: 2 label: LABEL_OPTIONAL type: TYPE_BYTES }
}
message_type {
  name: "VMGoldenMeasurement"
  field { name: "timestamp" number: 1 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" }
  field { name: "cl_spec" number: 2 label: LABEL_OPTIONAL type: TYPE_UINT64 }
  field { name: "commit" number: 3 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "cert" number: 4 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "digest" number: 5 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "ca_bundle" number: 6 label: LABEL_OPTIONAL type: TYPE_BYTES }
  field { name: "tdx" number: 8 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".cloud_vmm_proto.VMTdx" }
}
message_type {
  name: "VMTdx"
  field { name: "svn" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT32 }
  field { name: "measurements" number: 2 label: LABEL_REPEATED type: TYPE_MESSAGE
          type_name: ".cloud_vmm_proto.VMTdx.Measurement" }
  nested_type {
    name: "Measurement"
    field { name: "ram_gib" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT32 }
    field { name: "early_accept" number: 2 label: LABEL_OPTIONAL type: TYPE_BOOL }
    field { name: "mrtd" number: 3 label: LABEL_OPTIONAL type: TYPE_BYTES }
  }
}
"""


@functools.lru_cache(maxsize=None)
def messages():
    """(VMLaunchEndorsement, VMGoldenMeasurement) classes, from _SCHEMA."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format, timestamp_pb2

    pool = descriptor_pool.DescriptorPool()
    timestamp = descriptor_pb2.FileDescriptorProto()
    timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp)
    pool.Add(timestamp)
    pool.Add(text_format.Parse(_SCHEMA, descriptor_pb2.FileDescriptorProto()))
    return tuple(message_factory.GetMessageClass(pool.FindMessageTypeByName("cloud_vmm_proto." + name))
                 for name in ("VMLaunchEndorsement", "VMGoldenMeasurement"))


def _pss():
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def _name(common_name):
    # Google's template: C, O, OU, L, ST, CN (sign/ops/certificates.go googleName), here with test values.
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "confidential.tdx test PKI (not Google)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def der(self):
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _certificate(subject, key, issuer_name, issuer_key, not_before, not_after, ca, serial):
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                                        critical=True)
    return builder.sign(issuer_key, hashes.SHA256(), rsa_padding=_pss())


@dataclass
class EndorsementPki:
    """Root -> signing certificate, both RSA with RSA-PSS SHA-256 signatures, as Google's."""

    root: Issued
    signer: Issued

    @classmethod
    def build(cls, *, root_name=TEST_ROOT_NAME, not_before=ROOT_NOT_BEFORE, not_after=ROOT_NOT_AFTER,
              signer_not_before=SIGNER_NOT_BEFORE, signer_not_after=SIGNER_NOT_AFTER, bits=2048):
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        root = Issued(_certificate(root_name, root_key, _name(root_name), root_key, not_before, not_after, True, 1),
                      root_key)
        return cls(root, cls._signer(root, signer_not_before, signer_not_after, bits))

    @staticmethod
    def _signer(root, not_before, not_after, bits=2048, serial=2):
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return Issued(_certificate(TEST_SIGNER_NAME, key, root.cert.subject, root.key, not_before, not_after,
                                   False, serial), key)

    def with_signer(self, *, not_before=SIGNER_NOT_BEFORE, not_after=SIGNER_NOT_AFTER):
        """The same root with another signing certificate (to date it otherwise)."""
        return EndorsementPki(self.root, self._signer(self.root, not_before, not_after, serial=3))

    @property
    def root_der(self):
        return self.root.der


@functools.lru_cache(maxsize=None)
def default_pki():
    """One endorsement PKI per process (RSA key generation costs ~0.1 s)."""
    return EndorsementPki.build()


@functools.lru_cache(maxsize=None)
def look_alike_pki():
    """Same names as default_pki(), other keys: what a verifier pinned to the default root must refuse."""
    return EndorsementPki.build()


@dataclass(frozen=True)
class Configuration:
    ram_gib: int
    mrtd: bytes
    early_accept: bool = False


def build_endorsement(configurations, *, pki: Optional[EndorsementPki] = None, svn=1, cl_spec=654321,
                      commit=bytes.fromhex("0123456789abcdef0123456789abcdef01234567"), digest=bytes(range(48)),
                      timestamp=datetime.datetime(2025, 3, 1, tzinfo=UTC), signing_key=None, cert_der=None,
                      ca_bundle=None, golden_hook=None):
    """A serialised VMLaunchEndorsement listing ``configurations`` (Configuration or (ram_gib, mrtd)).

    ``signing_key`` signs instead of the signer's key (a forged signature);
    ``cert_der`` is embedded instead of the signer's certificate;
    ``golden_hook(bytes) -> bytes`` alters the signed bytes after signing;
    ``ca_bundle`` is PEM, by default the root alone, as in Google's.
    """
    pki = pki or default_pki()
    ca_bundle = pki.root.pem if ca_bundle is None else ca_bundle
    launch, golden_class = messages()
    golden = golden_class(cl_spec=cl_spec, commit=commit, digest=digest, ca_bundle=ca_bundle,
                          cert=pki.signer.der if cert_der is None else cert_der)
    golden.timestamp.FromDatetime(timestamp)
    golden.tdx.svn = svn
    for item in configurations:
        item = item if isinstance(item, Configuration) else Configuration(*item)
        golden.tdx.measurements.add(ram_gib=item.ram_gib, early_accept=item.early_accept, mrtd=bytes(item.mrtd))
    signed = golden.SerializeToString()
    signature = (signing_key or pki.signer.key).sign(signed, _pss(), hashes.SHA256())
    if golden_hook is not None:
        signed = golden_hook(signed)
    return launch(serialized_uefi_golden=signed, signature=signature).SerializeToString()


def object_path(mrtd):
    """The path of an MRTD's endorsement in Google's bucket (after the storage host)."""
    return TDX_OBJECT % bytes(mrtd).hex()
