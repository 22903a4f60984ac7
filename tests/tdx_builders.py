"""Build TDREPORTs and TDX quotes byte by byte, for tests.

Written from the layouts in shared/reference/tdx-guest-abi.md, on purpose
WITHOUT importing the collection's layout tables: if a decoder offset were
wrong, a builder reading the same table would agree with it and every test
would pass. Every field gets a distinct default value (derived from its
name), so a field read from the wrong offset shows up as a wrong value.

Also a small command line, used by the molecule scenario to place a
constructed report on a test host:

    python tests/tdx_builders.py tdreport --attributes 0x10000001 OUT
"""

import argparse
import hashlib
import struct
import sys

DEBUG = 1 << 0
SEPT_VE_DISABLE = 1 << 28

# offset, size of each TDREPORT field (reference: TDREPORT_STRUCT table)
TDREPORT_OFFSETS = {
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

# offset (from the body start), size of each TD quote body field (reference:
# Quote v4 table, whose offsets count from the quote start: minus 48)
BODY_OFFSETS = {
    "tee_tcb_svn": (0, 16),
    "mrseam": (16, 48),
    "mrsignerseam": (64, 48),
    "seam_attributes": (112, 8),
    "xfam": (128, 8),
    "mrtd": (136, 48),
    "mrconfigid": (184, 48),
    "mrowner": (232, 48),
    "mrownerconfig": (280, 48),
    "rtmr0": (328, 48),
    "rtmr1": (376, 48),
    "rtmr2": (424, 48),
    "rtmr3": (472, 48),
    "report_data": (520, 64),
}
BODY_ATTRIBUTES_OFFSET = 120
BODY_15_EXTRA = {"tee_tcb_svn2": (584, 16), "mrservicetd": (600, 48)}
INTEL_QE_VENDOR_ID = bytes.fromhex("939a7233f79c4ca9940a0db3957f0607")


def field_value(name, size):
    """A distinct, recognisable default value for a field."""
    digest = b""
    counter = 0
    while len(digest) < size:
        digest += hashlib.sha384(("%s/%d" % (name, counter)).encode()).digest()
        counter += 1
    return digest[:size]


def _fill(buffer, base, offsets, values):
    expected = {}
    for name, (offset, size) in offsets.items():
        value = values.get(name, field_value(name, size))
        if len(value) != size:
            raise ValueError("%s must be %d bytes" % (name, size))
        buffer[base + offset:base + offset + size] = value
        expected[name] = value.hex()
    return expected


def tdreport(td_attributes=SEPT_VE_DISABLE, report_type=0x81, subtype=0, version=1, **values):
    """(1024-byte TDREPORT, dict of the hex values written)."""
    buffer = bytearray(1024)
    buffer[0:3] = bytes([report_type, subtype, version])
    expected = _fill(buffer, 0, TDREPORT_OFFSETS, values)
    struct.pack_into("<Q", buffer, TDREPORT_ATTRIBUTES_OFFSET, td_attributes)
    return bytes(buffer), expected


def td_body(td_attributes=SEPT_VE_DISABLE, tdx15=False, **values):
    """(584- or 648-byte TD quote body, dict of the hex values written)."""
    offsets = dict(BODY_OFFSETS)
    if tdx15:
        offsets.update(BODY_15_EXTRA)
    buffer = bytearray(648 if tdx15 else 584)
    expected = _fill(buffer, 0, offsets, values)
    struct.pack_into("<Q", buffer, BODY_ATTRIBUTES_OFFSET, td_attributes)
    return bytes(buffer), expected


def _header(version, tee_type=0x81, att_key_type=2, qe_vendor_id=INTEL_QE_VENDOR_ID, user_data=None):
    user_data = field_value("user_data", 20) if user_data is None else user_data
    return struct.pack("<HHI4s16s20s", version, att_key_type, tee_type, b"\0" * 4, qe_vendor_id, user_data)


def signature_data(length=1200):
    return field_value("signature", length)


def quote_v4(body=None, signature=None, tee_type=0x81, version=4, **body_values):
    """(quote v4 bytes, dict of the hex body values written)."""
    if body is None:
        body, expected = td_body(**body_values)
    else:
        expected = {}
    signature = signature_data() if signature is None else signature
    quote = _header(version, tee_type) + body + struct.pack("<I", len(signature)) + signature
    return quote, expected


def quote_v5(body_type=3, body_size=None, signature=None, tee_type=0x81, **body_values):
    """(quote v5 bytes with a TDX 1.0 (type 2) or 1.5 (type 3) body, dict of the hex body values)."""
    body, expected = td_body(tdx15=(body_type == 3), **body_values)
    body_size = len(body) if body_size is None else body_size
    signature = signature_data() if signature is None else signature
    quote = (_header(5, tee_type) + struct.pack("<HI", body_type, body_size) + body
             + struct.pack("<I", len(signature)) + signature)
    return quote, expected


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    report = sub.add_parser("tdreport", help="write a constructed 1024-byte TDREPORT")
    report.add_argument("--attributes", default="0x10000000", help="TD attributes as a number (0x1 = DEBUG)")
    report.add_argument("output")
    args = parser.parse_args(argv)
    data, _ = tdreport(td_attributes=int(args.attributes, 0))
    with open(args.output, "wb") as handle:
        handle.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
