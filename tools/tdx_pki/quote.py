"""TDX quotes v4 and v5 signed by the test PKI, for any TD body.

Header and body are laid out by layout.py: v4 carries a TD 1.0 body, v5 the
body type and size, then a TD 1.0 or TD 1.5 body. This file adds the
signature data (Intel DCAP sgx_quote_4.h / sgx_quote_5.h): ECDSA r||s by the
attestation key over header and body (v5: with body type and size), the
attestation public key X||Y, then certification data type 6: the QE report
(384-byte SGX report body) signed by the PCK leaf key, QE auth data, and
nested type 5: the PEM chain leaf, intermediate, root.
The QE report's REPORTDATA is SHA-256(attestation key || QE auth data)
followed by 32 zero bytes: that binds the attestation key to the QE.
"""

import hashlib
import struct
from dataclasses import dataclass, fields, replace
from typing import Optional

from cryptography.hazmat.primitives import serialization

from . import layout
from .collateral import DEFAULT_TEE_TCB_SVN, QeParams, sign_raw
from .layout import INTEL_QE_VENDOR_ID, SEPT_VE_DISABLE, TEE_TYPE_TDX
from .pki import Platform, default_pki

CERT_DATA_QE_REPORT = 6
CERT_DATA_PCK_CHAIN = 5


def _measurement(label, size=48):
    # Distinct, recognisable default measurements.
    return hashlib.sha384(("confidential.tdx test " + label).encode()).digest()[:size]


@dataclass(frozen=True)
class TdBody:
    """A TD report body. Fields take bytes or hex; td_attributes and xfam also an int (u64)."""

    tee_tcb_svn: bytes = DEFAULT_TEE_TCB_SVN
    mrseam: bytes = _measurement("mrseam")
    mrsignerseam: bytes = bytes(48)  # Intel's TDX module: all zero
    seam_attributes: bytes = bytes(8)
    td_attributes: bytes = SEPT_VE_DISABLE.to_bytes(8, "little")
    xfam: bytes = (0x61AE7).to_bytes(8, "little")  # as on real TDs (e71a0600...)
    mrtd: bytes = _measurement("mrtd")
    mrconfigid: bytes = bytes(48)
    mrowner: bytes = bytes(48)
    mrownerconfig: bytes = bytes(48)
    rtmr0: bytes = _measurement("rtmr0")
    rtmr1: bytes = _measurement("rtmr1")
    rtmr2: bytes = _measurement("rtmr2")
    rtmr3: bytes = bytes(48)
    report_data: bytes = bytes(64)
    # TD 1.5 only (quote v5, body type 3); None: same as tee_tcb_svn.
    tee_tcb_svn2: Optional[bytes] = None
    mrservicetd: bytes = bytes(48)

    def __post_init__(self):
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            size = layout.BODY_FIELD_SIZES[item.name]
            if isinstance(value, int):
                value = value.to_bytes(size, "little")
            elif isinstance(value, str):
                value = bytes.fromhex(value)
            value = bytes(value)
            if len(value) != size:
                raise ValueError("%s must be %d bytes, got %d" % (item.name, size, len(value)))
            object.__setattr__(self, item.name, value)

    def with_(self, **changes):
        return replace(self, **changes)

    def to_bytes(self, tdx15=False):
        names = [name for name, _ in layout.TD10_FIELDS]
        parts = [getattr(self, name) for name in names]
        if tdx15:
            parts.append(self.tee_tcb_svn2 if self.tee_tcb_svn2 is not None else self.tee_tcb_svn)
            parts.append(self.mrservicetd)
        return b"".join(parts)


def raw_public_key(key):
    """X||Y (64 bytes) of a P-256 key, as quotes carry it."""
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return point[1:]


def qe_report(qe, platform, report_data):
    """The QE's 384-byte SGX report body."""
    return b"".join([
        platform.cpusvn,                         # 0 CPUSVN
        struct.pack("<I", qe.miscselect),        # 16 MISCSELECT
        bytes(28),                               # 20 reserved
        qe.attributes,                           # 48 ATTRIBUTES
        qe.mrenclave,                            # 64 MRENCLAVE
        bytes(32),                               # 96 reserved
        bytes.fromhex(qe.mrsigner),              # 128 MRSIGNER
        bytes(96),                               # 160 reserved
        struct.pack("<HH", qe.isvprodid, qe.isvsvn),  # 256 ISVPRODID, ISVSVN
        bytes(60),                               # 260 reserved
        report_data,                             # 320 REPORTDATA
    ])


def build_quote(body: Optional[TdBody] = None, *, pki=None, platform: Optional[Platform] = None, pck=None,
                version=4, tdx15=False, attestation_key=None, qe: Optional[QeParams] = None,
                qe_auth_data=bytes(range(32)), header_user_data=None, qe_svn=0, pce_svn=0,
                qe_vendor_id=INTEL_QE_VENDOR_ID, tee_type=TEE_TYPE_TDX,
                unbind_attestation_key=False, qe_report_signer=None, chain_pem=None, trailer=b"") -> bytes:
    """A signed quote over ``body`` (default :class:`TdBody`).

    ``pck`` is a :class:`~tdx_pki.pki.PckLeaf` (default: the PKI's cached
    leaf for ``platform``). v5 carries a TD 1.0 body, or a TD 1.5 body with
    ``tdx15=True``. Breakage on demand: ``unbind_attestation_key`` puts a
    hash of another key in the QE report, ``qe_report_signer`` signs the QE
    report with another key, ``chain_pem`` replaces the embedded chain,
    ``trailer`` is appended after the signature data (as some real quotes
    have); anything else can be done on the returned bytes.
    """
    body = body or TdBody()
    pki = pki or default_pki()
    pck = pck or pki.pck(platform)
    platform = pck.platform
    qe = qe or QeParams()
    attestation_key = attestation_key or pki.attestation_key()
    if version not in (4, 5):
        raise ValueError("version must be 4 or 5, got %r" % (version,))
    if tdx15 and version != 5:
        raise ValueError("a TD 1.5 body needs quote version 5")
    if len(qe_auth_data) > 0xFFFF:
        raise ValueError("qe_auth_data is longer than a u16 length allows")

    user_data = header_user_data if header_user_data is not None else hashlib.sha256(
        b"confidential.tdx test QE id").digest()[:16] + bytes(4)
    header = layout.quote_header(version, user_data=user_data, tee_type=tee_type, qe_svn=qe_svn, pce_svn=pce_svn,
                                 qe_vendor_id=qe_vendor_id)
    body_bytes = body.to_bytes(tdx15=tdx15)
    if version == 4:
        signed = header + body_bytes
    else:
        signed = header + layout.body_descriptor(layout.BODY_TD15 if tdx15 else layout.BODY_TD10,
                                                 len(body_bytes)) + body_bytes

    attestation_public = raw_public_key(attestation_key)
    # Unbound: the QE report vouches for some other key than the one that signed.
    bound_key = hashlib.sha512(b"not the attestation key").digest() if unbind_attestation_key \
        else attestation_public
    report = qe_report(qe, platform, hashlib.sha256(bound_key + bytes(qe_auth_data)).digest() + bytes(32))
    report_signature = sign_raw(qe_report_signer or pck.key, report)

    chain = (chain_pem if chain_pem is not None else pck.chain_pem).encode() + b"\x00"
    pck_chain = struct.pack("<HI", CERT_DATA_PCK_CHAIN, len(chain)) + chain
    qe_report_data = (report + report_signature + struct.pack("<H", len(qe_auth_data)) + bytes(qe_auth_data)
                      + pck_chain)
    certification = struct.pack("<HI", CERT_DATA_QE_REPORT, len(qe_report_data)) + qe_report_data
    signature_data = sign_raw(attestation_key, signed) + attestation_public + certification
    return layout.with_signature_data(signed, signature_data) + bytes(trailer)
