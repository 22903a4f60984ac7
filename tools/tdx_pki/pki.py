"""A test PKI shaped like Intel's SGX/TDX provisioning PKI.

Root CA -> PCK Platform CA (and PCK Processor CA) -> PCK leaf certificates,
and Root CA -> TCB Signing certificate, all ECDSA P-256 with SHA-256, with
the extensions Intel's certificates carry (read from the leaf certificates
embedded in real quotes): authority and subject key identifiers, a CRL
distribution point, critical key usage and basic constraints, and on PCK
leaves Intel's SGX extension (OID 1.2.840.113741.1.13.1) with PPID, TCB
(sgxtcbcomponents 1..16, pcesvn, cpusvn), PCE-ID, FMSPC, SGX Type and, for
the Platform CA, PlatformInstanceID and Configuration (DynamicPlatform,
CachedKeys, SMTEnabled).

The default names are the project's own ("confidential.tdx Test SGX Root
CA"); ``names=INTEL_NAMES`` builds a look-alike that copies Intel's names
exactly but has its own keys, which a verifier pinned to Intel's root must
refuse.
"""

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import der

SGX_EXTENSION_OID = "1.2.840.113741.1.13.1"
UTC = datetime.timezone.utc

# Intel's validity for its SGX Root CA (2018-05-21 .. 2049-12-31); the test
# root uses a window as long, so that only deliberately dated items expire.
ROOT_NOT_BEFORE = datetime.datetime(2018, 5, 21, 10, 45, 10, tzinfo=UTC)
ROOT_NOT_AFTER = datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class Names:
    """Subject common names and the rest of the distinguished name."""

    root: str
    platform_ca: str
    processor_ca: str
    pck: str
    tcb_signing: str
    organization: str
    locality: str = "Santa Clara"
    state: str = "CA"
    country: str = "US"
    # Where the certificates say their issuer's CRL is (CRL distribution point).
    root_crl_url: str = ""
    pck_crl_url: str = ""  # "{ca}" is replaced by platform or processor

    def name(self, common_name):
        # Intel's order, as in its DER: CN, O, L, ST, C.
        return x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organization),
            x509.NameAttribute(NameOID.LOCALITY_NAME, self.locality),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, self.state),
            x509.NameAttribute(NameOID.COUNTRY_NAME, self.country),
        ])


# "Platform"/"Processor" must stay in the intermediate names: verifiers
# (dcap-qvl among them) tell the PCK CA type, and so the PCK CRL to fetch,
# from the leaf's issuer name.
TEST_NAMES = Names(
    root="confidential.tdx Test SGX Root CA",
    platform_ca="confidential.tdx Test SGX PCK Platform CA",
    processor_ca="confidential.tdx Test SGX PCK Processor CA",
    pck="confidential.tdx Test SGX PCK Certificate",
    tcb_signing="confidential.tdx Test SGX TCB Signing",
    organization="confidential.tdx test PKI (not Intel)",
    root_crl_url="https://pcs.confidential-tdx.invalid/IntelSGXRootCA.der",
    pck_crl_url="https://pcs.confidential-tdx.invalid/sgx/certification/v4/pckcrl?ca={ca}&encoding=der",
)

# Intel's exact names (from the certificates in real quotes and collateral).
INTEL_NAMES = Names(
    root="Intel SGX Root CA",
    platform_ca="Intel SGX PCK Platform CA",
    processor_ca="Intel SGX PCK Processor CA",
    pck="Intel SGX PCK Certificate",
    tcb_signing="Intel SGX TCB Signing",
    organization="Intel Corporation",
    root_crl_url="https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
    pck_crl_url="https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca={ca}&encoding=der",
)


def _hex_or_bytes(value, size, what):
    if isinstance(value, str):
        value = bytes.fromhex(value)
    value = bytes(value)
    if len(value) != size:
        raise ValueError("%s must be %d bytes, got %d" % (what, size, len(value)))
    return value


@dataclass(frozen=True)
class Platform:
    """What a PCK leaf certificate says about its platform.

    ``cpusvn`` is the 16-byte CPUSVN; sgxtcbcomponents 1..16 of the SGX
    extension are its bytes, as on Intel's certificates. ``ca`` is
    "platform" (multi-package platforms, the cloud case: PlatformInstanceID
    and Configuration present) or "processor". A flag set to None is left
    out of the certificate.
    """

    fmspc: str = "B0C06F000000"
    pce_id: str = "0000"
    cpusvn: bytes = bytes([4, 4, 2, 2, 4, 1, 0, 5] + [0] * 8)
    pcesvn: int = 13
    ppid: bytes = bytes(range(0x10, 0x20))
    sgx_type: int = 1  # 0 Standard, 1 Scalable, 2 Scalable with integrity
    ca: str = "platform"
    platform_instance_id: Optional[bytes] = bytes(range(0xA0, 0xB0))
    dynamic_platform: Optional[bool] = True
    cached_keys: Optional[bool] = True
    smt_enabled: Optional[bool] = True

    def __post_init__(self):
        fmspc = _hex_or_bytes(self.fmspc, 6, "fmspc").hex().upper()
        pce_id = _hex_or_bytes(self.pce_id, 2, "pce_id").hex().upper()
        object.__setattr__(self, "fmspc", fmspc)
        object.__setattr__(self, "pce_id", pce_id)
        object.__setattr__(self, "cpusvn", _hex_or_bytes(self.cpusvn, 16, "cpusvn"))
        object.__setattr__(self, "ppid", _hex_or_bytes(self.ppid, 16, "ppid"))
        if self.platform_instance_id is not None:
            object.__setattr__(self, "platform_instance_id",
                               _hex_or_bytes(self.platform_instance_id, 16, "platform_instance_id"))
        if self.ca not in ("platform", "processor"):
            raise ValueError("ca must be 'platform' or 'processor', got %r" % (self.ca,))

    def with_(self, **changes):
        return replace(self, **changes)

    def to_json(self):
        data = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            data[name] = value.hex() if isinstance(value, bytes) else value
        return data

    @classmethod
    def from_json(cls, data):
        return cls(**data)


def sgx_extension_der(platform):
    """Intel's SGX extension value (SGX PCK Certificate and CRL Profile)."""
    arc = SGX_EXTENSION_OID
    tcb = [der.sequence(der.oid("%s.2.%d" % (arc, index + 1)), der.integer(svn))
           for index, svn in enumerate(platform.cpusvn)]
    tcb.append(der.sequence(der.oid(arc + ".2.17"), der.integer(platform.pcesvn)))
    tcb.append(der.sequence(der.oid(arc + ".2.18"), der.octet_string(platform.cpusvn)))
    items = [
        der.sequence(der.oid(arc + ".1"), der.octet_string(platform.ppid)),
        der.sequence(der.oid(arc + ".2"), der.sequence(*tcb)),
        der.sequence(der.oid(arc + ".3"), der.octet_string(bytes.fromhex(platform.pce_id))),
        der.sequence(der.oid(arc + ".4"), der.octet_string(bytes.fromhex(platform.fmspc))),
        der.sequence(der.oid(arc + ".5"), der.enumerated(platform.sgx_type)),
    ]
    if platform.ca == "platform":
        if platform.platform_instance_id is not None:
            items.append(der.sequence(der.oid(arc + ".6"), der.octet_string(platform.platform_instance_id)))
        flags = [(1, platform.dynamic_platform), (2, platform.cached_keys), (3, platform.smt_enabled)]
        configuration = [der.sequence(der.oid("%s.7.%d" % (arc, number)), der.boolean(value))
                         for number, value in flags if value is not None]
        if configuration:
            items.append(der.sequence(der.oid(arc + ".7"), der.sequence(*configuration)))
    return der.sequence(*items)


def _key_from_seed(seed, label):
    # Deterministic keys from a seed, so that a PKI can be rebuilt with the
    # same keys; the certificates still differ (ECDSA signatures are random).
    digest = hashlib.sha256(("%s/%s" % (seed, label)).encode()).digest()
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(int.from_bytes(digest, "big") % (order - 1) + 1, ec.SECP256R1())


def _new_key(seed, label):
    if seed is None:
        return ec.generate_private_key(ec.SECP256R1())
    return _key_from_seed(seed, label)


def _serial(seed, label):
    if seed is None:
        return x509.random_serial_number()
    return int.from_bytes(hashlib.sha256(("%s/serial/%s" % (seed, label)).encode()).digest()[:19], "big") | 1


def _key_usage(signing):
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=signing, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=not signing,
        crl_sign=not signing, encipher_only=False, decipher_only=False)


def _as_time(value):
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self):
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def serial(self):
        return self.cert.serial_number


@dataclass(frozen=True)
class PckLeaf(Issued):
    platform: Platform = field(default_factory=Platform)
    chain_pem: str = ""  # leaf, intermediate, root, as a quote carries it


def _issue(subject, subject_key, issuer, issuer_key, *, serial, not_before, not_after, ca, path_length,
           crl_url, extra=()):
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer)
               .public_key(subject_key.public_key())
               .serial_number(serial)
               .not_valid_before(_as_time(not_before)).not_valid_after(_as_time(not_after))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    builder = (builder
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
               .add_extension(_key_usage(signing=not ca), critical=True)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None),
                              critical=True))
    for extension in extra:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class TestPki:
    """Root CA, PCK Platform and Processor CAs, TCB signing certificate.

    Build with :meth:`build`; :func:`default_pki` caches one per process.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, names, root, platform_ca, processor_ca, tcb_signing, seed=None):
        self.names = names
        self.root = root
        self.platform_ca = platform_ca
        self.processor_ca = processor_ca
        self.tcb_signing = tcb_signing
        self.seed = seed
        self._leaves = {}
        self._attestation_key = None

    @classmethod
    def build(cls, *, names=TEST_NAMES, seed=None, not_before=ROOT_NOT_BEFORE, not_after=ROOT_NOT_AFTER,
              tcb_signing_not_before=None, tcb_signing_not_after=None):
        """A new PKI. ``seed`` makes its keys (and serials) reproducible."""
        root_key = _new_key(seed, "root")
        root_name = names.name(names.root)
        root_cert = _issue(root_name, root_key, root_name, root_key, serial=_serial(seed, "root"),
                           not_before=not_before, not_after=not_after, ca=True, path_length=1,
                           crl_url=names.root_crl_url)
        root = Issued(root_cert, root_key)

        def intermediate(common_name, label):
            key = _new_key(seed, label)
            cert = _issue(names.name(common_name), key, root_name, root_key, serial=_serial(seed, label),
                          not_before=not_before, not_after=not_after, ca=True, path_length=0,
                          crl_url=names.root_crl_url)
            return Issued(cert, key)

        tcb_key = _new_key(seed, "tcb-signing")
        tcb_cert = _issue(names.name(names.tcb_signing), tcb_key, root_name, root_key,
                          serial=_serial(seed, "tcb-signing"),
                          not_before=tcb_signing_not_before or not_before,
                          not_after=tcb_signing_not_after or not_after,
                          ca=False, path_length=None, crl_url=names.root_crl_url)
        return cls(names, root, intermediate(names.platform_ca, "platform-ca"),
                   intermediate(names.processor_ca, "processor-ca"), Issued(tcb_cert, tcb_key), seed=seed)

    # -- facts about the PKI -------------------------------------------------

    @property
    def root_der(self):
        return self.root.der

    @property
    def root_sha256(self):
        return hashlib.sha256(self.root.der).hexdigest()

    def pck_ca(self, ca="platform"):
        return self.platform_ca if ca == "platform" else self.processor_ca

    def pck_crl_issuer_chain_pem(self, ca="platform"):
        return self.pck_ca(ca).pem + self.root.pem

    def tcb_issuer_chain_pem(self):
        return self.tcb_signing.pem + self.root.pem

    # -- PCK leaves ------------------------------------------------------------

    def issue_pck(self, platform=None, *, not_before=None, not_after=None, serial=None, key=None):
        """A PCK leaf for ``platform``; without dates it is valid 2020..2045."""
        platform = platform or Platform()
        issuer = self.pck_ca(platform.ca)
        key = key or ec.generate_private_key(ec.SECP256R1())
        crl_url = self.names.pck_crl_url.replace("{ca}", platform.ca) if self.names.pck_crl_url else ""
        cert = _issue(self.names.name(self.names.pck), key, issuer.cert.subject, issuer.key,
                      serial=serial or x509.random_serial_number(),
                      not_before=not_before or datetime.datetime(2020, 1, 1, tzinfo=UTC),
                      not_after=not_after or datetime.datetime(2045, 1, 1, tzinfo=UTC),
                      ca=False, path_length=None, crl_url=crl_url,
                      extra=[x509.UnrecognizedExtension(x509.ObjectIdentifier(SGX_EXTENSION_OID),
                                                        sgx_extension_der(platform))])
        leaf = Issued(cert, key)
        return PckLeaf(cert, key, platform, leaf.pem + issuer.pem + self.root.pem)

    def pck(self, platform=None):
        """The PKI's (cached) PCK leaf for ``platform``."""
        platform = platform or Platform()
        if platform not in self._leaves:
            self._leaves[platform] = self.issue_pck(platform)
        return self._leaves[platform]

    def platforms(self):
        """The platforms that have a cached leaf (after :meth:`load`: the saved one)."""
        return list(self._leaves)

    def attestation_key(self):
        """The PKI's (cached) quote attestation key."""
        if self._attestation_key is None:
            self._attestation_key = ec.generate_private_key(ec.SECP256R1())
        return self._attestation_key

    # -- CRLs ------------------------------------------------------------------

    def root_crl_der(self, *, revoked=(), this_update, next_update):
        """Root CA CRL (revokes intermediates and TCB signing certificates)."""
        return _crl(self.root, revoked, this_update, next_update)

    def pck_crl_der(self, ca="platform", *, revoked=(), this_update, next_update):
        """PCK CRL signed by the Platform (or Processor) CA."""
        return _crl(self.pck_ca(ca), revoked, this_update, next_update)

    # -- saving and loading (for other processes, e.g. a configfs stand-in) ---

    FILES = ("root", "platform_ca", "processor_ca", "tcb_signing")

    def save(self, directory, platform=None):
        """Write the PKI to ``directory``: certificates (PEM; root also as
        root.der), keys (PKCS#8 PEM, mode 0600), the PCK leaf for
        ``platform`` (pck.pem, pck.key, platform.json) and the attestation
        key, so that another process signs quotes with the same chain."""
        os.makedirs(directory, exist_ok=True)
        pck = self.pck(platform)
        items = [(name, getattr(self, name)) for name in self.FILES] + [("pck", pck)]
        for name, issued in items:
            with open(os.path.join(directory, name + ".pem"), "w") as handle:
                handle.write(issued.pem)
            _write_key(os.path.join(directory, name + ".key"), issued.key)
        _write_key(os.path.join(directory, "attestation.key"), self.attestation_key())
        with open(os.path.join(directory, "root.der"), "wb") as handle:
            handle.write(self.root.der)
        with open(os.path.join(directory, "platform.json"), "w") as handle:
            json.dump(pck.platform.to_json(), handle, indent=1)
        with open(os.path.join(directory, "names.txt"), "w") as handle:
            handle.write("intel\n" if self.names == INTEL_NAMES else "test\n")

    @classmethod
    def load(cls, directory):
        """A PKI written by :meth:`save` (with its PCK leaf and attestation key)."""
        def read(name):
            with open(os.path.join(directory, name + ".pem"), "rb") as handle:
                cert = x509.load_pem_x509_certificate(handle.read())
            return Issued(cert, _read_key(os.path.join(directory, name + ".key")))

        names = TEST_NAMES
        names_path = os.path.join(directory, "names.txt")
        if os.path.exists(names_path):
            with open(names_path) as handle:
                names = INTEL_NAMES if handle.read().strip() == "intel" else TEST_NAMES
        pki = cls(names, **{name: read(name) for name in cls.FILES})
        if os.path.exists(os.path.join(directory, "pck.pem")):
            with open(os.path.join(directory, "platform.json")) as handle:
                platform = Platform.from_json(json.load(handle))
            leaf = read("pck")
            issuer = pki.pck_ca(platform.ca)
            pki._leaves[platform] = PckLeaf(leaf.cert, leaf.key, platform, leaf.pem + issuer.pem + pki.root.pem)
        if os.path.exists(os.path.join(directory, "attestation.key")):
            pki._attestation_key = _read_key(os.path.join(directory, "attestation.key"))
        return pki


def _write_key(path, key):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _read_key(path):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), password=None)


def _crl(issuer, revoked, this_update, next_update):
    # Intel's CRLs carry a CRL number and the issuer's key identifier, and a
    # key-compromise reason on each entry.
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(issuer.cert.subject)
               .last_update(_as_time(this_update)).next_update(_as_time(next_update))
               .add_extension(x509.CRLNumber(1), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                              critical=False))
    for serial in revoked:
        serial = serial.serial if isinstance(serial, Issued) else int(serial)
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_as_time(this_update))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build())
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


_DEFAULTS = {}


def default_pki(names=TEST_NAMES) -> TestPki:
    """One PKI per process and name set (building keys costs a few ms)."""
    if names not in _DEFAULTS:
        _DEFAULTS[names] = TestPki.build(names=names)
    return _DEFAULTS[names]


def look_alike_of(pki) -> TestPki:
    """Another PKI with exactly ``pki``'s names and other keys."""
    return TestPki.build(names=pki.names)

