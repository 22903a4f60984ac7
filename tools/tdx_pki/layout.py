"""The byte layouts of TDX evidence: a quote's header and TD body, and the TDREPORT.

Little-endian, written from shared/reference/tdx-guest-abi.md (Intel DCAP
sgx_quote_4.h / sgx_quote_5.h, the TDX module's TDREPORT_STRUCT), on purpose
without the collection's tables: the collection's decoder is tested against
evidence laid out here, so an offset it gets wrong must disagree with this
file instead of agreeing with itself.

Standard library only.
"""

import struct

DEBUG = 1 << 0
SEPT_VE_DISABLE = 1 << 28

INTEL_QE_VENDOR_ID = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")
TEE_TYPE_TDX = 0x81
ATTESTATION_KEY_TYPE_ECDSA_P256 = 2
HEADER_SIZE = 48
# Quote v5: the body's type says which TD body follows.
BODY_TD10 = 2
BODY_TD15 = 3

# (name, size) of the TD report body in order: TD 1.0 (584 bytes), then
# what TD 1.5 appends (648 bytes in all).
TD10_FIELDS = (
    ("tee_tcb_svn", 16), ("mrseam", 48), ("mrsignerseam", 48), ("seam_attributes", 8),
    ("td_attributes", 8), ("xfam", 8), ("mrtd", 48), ("mrconfigid", 48), ("mrowner", 48),
    ("mrownerconfig", 48), ("rtmr0", 48), ("rtmr1", 48), ("rtmr2", 48), ("rtmr3", 48), ("report_data", 64),
)
TD15_FIELDS = (("tee_tcb_svn2", 16), ("mrservicetd", 48))
BODY_FIELD_SIZES = dict(TD10_FIELDS + TD15_FIELDS)
TD10_BODY_SIZE = sum(size for _, size in TD10_FIELDS)
TD15_BODY_SIZE = TD10_BODY_SIZE + sum(size for _, size in TD15_FIELDS)

# The TDREPORT (1024 bytes): REPORTMACSTRUCT at 0 (type, subtype and
# version in its first three bytes), TEE_TCB_INFO at 256, TDINFO at 512.
# name -> (offset, size) of the fields besides the TD attributes (a u64).
TDREPORT_SIZE = 1024
TDREPORT_FIELDS = {
    "cpusvn": (16, 16),
    "tee_tcb_info_hash": (32, 48),
    "tee_info_hash": (80, 48),
    "report_data": (128, 64),
    "mac": (224, 32),
    "tee_tcb_info_valid": (256, 8),
    "tee_tcb_svn": (264, 16),
    "mrseam": (280, 48),
    "mrsignerseam": (328, 48),
    "seam_attributes": (376, 8),
    "tee_tcb_svn2": (384, 16),
    "xfam": (520, 8),
    "mrtd": (528, 48),
    "mrconfigid": (576, 48),
    "mrowner": (624, 48),
    "mrownerconfig": (672, 48),
    "rtmr0": (720, 48),
    "rtmr1": (768, 48),
    "rtmr2": (816, 48),
    "rtmr3": (864, 48),
    "servtd_hash": (912, 48),
}
TDREPORT_ATTRIBUTES_OFFSET = 512


def quote_header(version, *, user_data, tee_type=TEE_TYPE_TDX, qe_svn=0, pce_svn=0,
                 qe_vendor_id=INTEL_QE_VENDOR_ID):
    """The 48-byte header: version, attestation key type, TEE type, QE and PCE SVN, QE vendor, user data."""
    if len(qe_vendor_id) != 16 or len(user_data) != 20:
        raise ValueError("the QE vendor id must be 16 bytes and the user data 20, got %d and %d"
                         % (len(qe_vendor_id), len(user_data)))
    return struct.pack("<HHIHH16s20s", version, ATTESTATION_KEY_TYPE_ECDSA_P256, tee_type, qe_svn, pce_svn,
                       bytes(qe_vendor_id), bytes(user_data))


def body_descriptor(body_type, body_size):
    """Quote v5 only: the body's type and size, between the header and the body."""
    return struct.pack("<HI", body_type, body_size)


def with_signature_data(signed, signature_data):
    """The quote: what was signed (header and body), then the signature data with its u32 length."""
    return signed + struct.pack("<I", len(signature_data)) + signature_data


def tdreport(fields, td_attributes, report_type=0x81, subtype=0, version=1):
    """A 1024-byte TDREPORT with ``fields`` (name -> bytes; absent ones zero) at their offsets."""
    buffer = bytearray(TDREPORT_SIZE)
    buffer[0:3] = bytes([report_type, subtype, version])
    for name, value in fields.items():
        offset, size = TDREPORT_FIELDS[name]
        if len(value) != size:
            raise ValueError("%s must be %d bytes" % (name, size))
        buffer[offset:offset + size] = value
    struct.pack_into("<Q", buffer, TDREPORT_ATTRIBUTES_OFFSET, td_attributes)
    return bytes(buffer)
