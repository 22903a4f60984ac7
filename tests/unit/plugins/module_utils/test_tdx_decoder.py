"""The TDX decoder on real quotes, and on reports and quotes built field by field."""

import base64
import struct

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import (
    decode_quote,
    decode_quote_base64,
    decode_tdreport,
    parse_report_data,
)
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from ....tdx_samples import QUOTE_V4, QUOTE_V5, read_sample

# Attribute bit -> name, written from the reference independently of attributes.py.
NAMED_BITS = {0: "DEBUG", 4: "HGS_PLUS_PROF", 5: "PERF_PROF", 6: "PMT_PROF", 16: "ICSSD", 27: "LASS",
              28: "SEPT_VE_DISABLE", 29: "MIGRATABLE", 30: "PKS", 31: "KL", 62: "TPA", 63: "PERFMON"}
BODY_KEYS = ("tee_tcb_svn", "mrseam", "mrsignerseam", "seam_attributes", "xfam", "mrtd", "mrconfigid",
             "mrowner", "mrownerconfig", "report_data")


# -- real quotes ------------------------------------------------------------------

def test_real_v4_quote_gives_the_values_read_from_it():
    quote = decode_quote(read_sample(QUOTE_V4))
    assert quote["version"] == 4
    assert quote["att_key_type"] == 2
    assert quote["tee_type"] == "00000081"
    assert quote["qe_vendor_id"] == "939a7233f79c4ca9940a0db3957f0607"
    assert quote["td_attributes"] == "0000000040000000"
    assert quote["attributes"] == ["PKS"]
    assert quote["debug"] is False
    assert quote["sept_ve_disable"] is False
    assert quote["xfam"] == "e71a060000000000"
    assert quote["mrtd"].startswith("6363b8043668a3ad953278e1")
    assert quote["rtmr"][0].startswith("2927da70461cd632")
    assert quote["report_data"].startswith("6c62dec1b8191749")
    assert quote["signature_data_length"] == 4299
    assert quote["trailing_bytes"] == 39
    assert quote["quote_size"] == 4974 - 39
    assert quote["tdx_module"] == "TDX 1.0"
    # read out by hand with xxd from the sample
    assert quote["tee_tcb_svn"] == "03000400000000000000000000000000"
    assert quote["mrseam"].startswith("2fd279c16164a93dd5bf373d834328d4")
    assert quote["user_data"] == "739c3f292a15bace1f726351a70d4b7900000000"
    assert quote["mrtd"] == ("6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f"
                             "22fc00b8dcd404bc10d5e119d7215cbb")
    assert quote["rtmr"][3] == "00" * 48
    assert len(quote["rtmr"]) == 4
    assert "tee_tcb_svn2" not in quote and "body_type" not in quote


def test_real_v5_quote_with_a_tdx15_body_gives_the_values_read_from_it():
    quote = decode_quote(read_sample(QUOTE_V5))
    assert quote["version"] == 5
    assert quote["tee_type"] == "00000081"
    assert quote["body_type"] == 3
    assert quote["body_size"] == 648
    assert quote["tee_tcb_svn"].startswith("0b010400")
    assert quote["td_attributes"] == "0000000010000000"
    assert quote["attributes"] == ["SEPT_VE_DISABLE"]
    assert quote["sept_ve_disable"] is True and quote["debug"] is False
    assert quote["mrtd"].startswith("7348651a34b2d2d3")
    assert quote["signature_data_length"] == 4300
    assert quote["trailing_bytes"] == 0
    assert quote["tdx_module"] == "TDX 1.5"
    # read out by hand with xxd from the sample
    assert quote["tee_tcb_svn2"] == "0d010400000000000000000000000000"
    assert quote["mrservicetd"] == "00" * 48
    assert quote["xfam"] == "e702060000000000"
    assert quote["report_data"].startswith("945eaacf5abc1f719d8666a942fda03d")
    assert quote["rtmr"][0].startswith("5c8daf76063a71ac")


@pytest.mark.parametrize("name", [QUOTE_V4, QUOTE_V5])
def test_base64_text_with_line_breaks_decodes_like_the_bytes(name):
    raw = read_sample(name)
    text = base64.encodebytes(raw).decode("ascii")  # 76-character lines
    assert "\n" in text
    assert decode_quote_base64(text) == decode_quote(raw)


@pytest.mark.parametrize("name", [QUOTE_V4, QUOTE_V5])
def test_real_quote_cut_anywhere_before_its_end_is_refused(name):
    raw = read_sample(name)
    size = decode_quote(raw)["quote_size"]
    for length in (0, 1, 47, 48, 53, 54, 600, 635, 636, size - 1):
        with pytest.raises(TdxDecodeError):
            decode_quote(raw[:length])


# -- constructed quotes -----------------------------------------------------------

def test_v4_quote_built_field_by_field_decodes_every_field():
    quote, expected = build.quote_v4(td_attributes=build.SEPT_VE_DISABLE)
    decoded = decode_quote(quote)
    for key in BODY_KEYS:
        assert decoded[key] == expected[key], key
    assert decoded["rtmr"] == [expected["rtmr%d" % i] for i in range(4)]
    assert decoded["user_data"] == build.field_value("user_data", 20).hex()
    assert decoded["qe_vendor_id"] == build.INTEL_QE_VENDOR_ID.hex()
    assert decoded["signature_data_length"] == len(build.signature_data())
    assert decoded["trailing_bytes"] == 0


@pytest.mark.parametrize("body_type,module,size", [(2, "TDX 1.0", 584), (3, "TDX 1.5", 648)])
def test_v5_quote_built_field_by_field_decodes_every_field(body_type, module, size):
    quote, expected = build.quote_v5(body_type=body_type)
    decoded = decode_quote(quote)
    assert (decoded["version"], decoded["body_type"], decoded["body_size"]) == (5, body_type, size)
    assert decoded["tdx_module"] == module
    for key in BODY_KEYS:
        assert decoded[key] == expected[key], key
    assert decoded["rtmr"] == [expected["rtmr%d" % i] for i in range(4)]
    if body_type == 3:
        assert decoded["tee_tcb_svn2"] == expected["tee_tcb_svn2"]
        assert decoded["mrservicetd"] == expected["mrservicetd"]
    else:
        assert "tee_tcb_svn2" not in decoded and "mrservicetd" not in decoded


@pytest.mark.parametrize("bit", range(64))
def test_every_td_attribute_bit_is_named_in_quotes_and_reports(bit):
    value = 1 << bit
    name = NAMED_BITS.get(bit, "BIT%d" % bit)
    for decoded in (decode_quote(build.quote_v4(td_attributes=value)[0]),
                    decode_quote(build.quote_v5(td_attributes=value)[0]),
                    decode_tdreport(build.tdreport(td_attributes=value)[0])):
        assert decoded["attributes"] == [name]
        assert decoded["td_attributes"] == "%016x" % value
        assert decoded["debug"] is (bit == 0)
        assert decoded["sept_ve_disable"] is (bit == 28)


def test_all_attribute_bits_at_once_are_listed_lowest_first():
    decoded = decode_quote(build.quote_v4(td_attributes=(1 << 64) - 1)[0])
    assert decoded["td_attributes"] == "ffffffffffffffff"
    assert decoded["attributes"] == [NAMED_BITS.get(bit, "BIT%d" % bit) for bit in range(64)]


def test_a_debug_td_with_sept_ve_disable_shows_both():
    decoded = decode_tdreport(build.tdreport(td_attributes=build.DEBUG | build.SEPT_VE_DISABLE)[0])
    assert decoded["td_attributes"] == "0000000010000001"
    assert decoded["attributes"] == ["DEBUG", "SEPT_VE_DISABLE"]
    assert decoded["debug"] is True


@pytest.mark.parametrize("padding", [b"\0" * 4096, b"\xff" * 3, b"extra bytes\n"])
def test_trailing_bytes_after_a_complete_quote_are_accepted_and_counted(padding):
    quote, _ = build.quote_v5()
    assert decode_quote(quote + padding) == dict(decode_quote(quote), trailing_bytes=len(padding))


def test_every_truncation_of_a_constructed_quote_is_refused_with_the_sizes():
    for builder in (build.quote_v4, build.quote_v5):
        quote, _ = builder()
        for length in range(len(quote)):
            with pytest.raises(TdxDecodeError) as error:
                decode_quote(quote[:length])
            assert "truncated" in str(error.value)
            assert "got %d" % length in str(error.value)


def test_truncated_signature_data_names_its_length():
    quote, _ = build.quote_v4(signature=b"s" * 100)
    with pytest.raises(TdxDecodeError, match=r"signature data is 100 bytes, so the quote needs 736 bytes, got 735"):
        decode_quote(quote[:-1])


@pytest.mark.parametrize("version", [0, 1, 3, 6, 0xFFFF])
def test_unknown_quote_versions_are_refused(version):
    quote, _ = build.quote_v4(version=version)
    with pytest.raises(TdxDecodeError, match=r"^unknown quote version %d: this decoder reads versions 4 and 5$"
                       % version):
        decode_quote(quote)


def test_an_sgx_quote_is_refused_as_not_tdx():
    quote, _ = build.quote_v4(tee_type=0)
    with pytest.raises(TdxDecodeError, match=r"^tee_type 0x00000000 is not TDX \(0x00000081\): this is an SGX quote$"):
        decode_quote(quote)


def test_an_unknown_tee_type_is_refused_as_not_tdx():
    quote, _ = build.quote_v5(tee_type=0x42)
    with pytest.raises(TdxDecodeError, match=r"^tee_type 0x00000042 is not TDX \(0x00000081\)$"):
        decode_quote(quote)


def test_a_v5_quote_with_an_sgx_enclave_body_is_refused():
    quote, _ = build.quote_v5(body_type=1)
    with pytest.raises(TdxDecodeError, match=r"body type 1 \(an SGX enclave report body\)"):
        decode_quote(quote)


def test_a_v5_body_size_that_does_not_fit_its_type_is_refused():
    quote, _ = build.quote_v5(body_type=3, body_size=584)
    with pytest.raises(TdxDecodeError, match=r"body type 3 \(TDX 1.5\) must be 648 bytes, the quote says 584"):
        decode_quote(quote)


@pytest.mark.parametrize("value", ["BAACAIEAAAA=", None, 4, ["a"]])
def test_input_that_is_not_bytes_is_refused(value):
    with pytest.raises(TdxDecodeError, match=r"must be bytes, got"):
        decode_quote(value)
    with pytest.raises(TdxDecodeError, match=r"must be bytes, got"):
        decode_tdreport(value)


@pytest.mark.parametrize("text", ["not base64!", "QUJD=x", "é"])
def test_text_that_is_not_base64_is_refused(text):
    with pytest.raises(TdxDecodeError, match=r"not valid base64|not ASCII"):
        decode_quote_base64(text)


def test_base64_of_garbage_says_what_is_wrong_with_the_bytes():
    with pytest.raises(TdxDecodeError, match=r"^unknown quote version"):
        decode_quote_base64(base64.b64encode(b"\x07" * 2000).decode())
    with pytest.raises(TdxDecodeError, match=r"quote must be base64 text, got int"):
        decode_quote_base64(7)


# -- TDREPORT ------------------------------------------------------------------------

def test_tdreport_built_field_by_field_decodes_every_field():
    raw, expected = build.tdreport(td_attributes=build.SEPT_VE_DISABLE | (1 << 30), subtype=0, version=1)
    decoded = decode_tdreport(raw)
    assert (decoded["report_type"], decoded["report_subtype"], decoded["report_version"]) == (0x81, 0, 1)
    for key, value in expected.items():
        if key.startswith("rtmr"):
            assert decoded["rtmr"][int(key[-1])] == value
        else:
            assert decoded[key] == value, key
    assert decoded["td_attributes"] == "0000000050000000"
    assert decoded["attributes"] == ["SEPT_VE_DISABLE", "PKS"]
    assert decoded["trailing_bytes"] == 0


def test_tdreport_with_trailing_bytes_is_accepted():
    raw, _ = build.tdreport()
    assert decode_tdreport(raw + b"\0" * 64)["trailing_bytes"] == 64


@pytest.mark.parametrize("length", [0, 1, 511, 1023])
def test_short_tdreport_is_refused_with_the_sizes(length):
    raw, _ = build.tdreport()
    with pytest.raises(TdxDecodeError, match=r"^TDREPORT is truncated: expected at least 1024 bytes, got %d$" % length):
        decode_tdreport(raw[:length])


@pytest.mark.parametrize("report_type", [0x00, 0x80, 0xFF])
def test_report_of_another_type_is_refused(report_type):
    raw, _ = build.tdreport(report_type=report_type)
    with pytest.raises(TdxDecodeError, match=r"^not a TDX TDREPORT: report type is 0x%02x, a TDX report has 0x81$"
                       % report_type):
        decode_tdreport(raw)


def test_a_quote_is_not_taken_for_a_tdreport():
    quote, _ = build.quote_v4()
    with pytest.raises(TdxDecodeError, match=r"not a TDX TDREPORT"):
        decode_tdreport(quote)


# -- report data -----------------------------------------------------------------------

def test_report_data_is_padded_to_64_bytes():
    assert parse_report_data("") == b"\0" * 64
    assert parse_report_data("0xABcd") == b"\xab\xcd" + b"\0" * 62
    assert parse_report_data("ff" * 64) == b"\xff" * 64


@pytest.mark.parametrize("text,message", [
    ("ff" * 65, r"at most 64 bytes \(128 hex digits\), got 65 bytes"),
    ("xyz", r"must be hexadecimal text"),
    ("abc", r"must be hexadecimal text"),
])
def test_bad_report_data_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_report_data(text)


def test_layout_offsets_match_the_header_sizes_in_the_reference():
    # The v4 body starts right after the 48-byte header; v5 after 48 + 2 + 4.
    quote, _ = build.quote_v5(body_type=2)
    assert struct.unpack_from("<H", quote, 48)[0] == 2
    assert decode_quote(quote)["mrtd"] == quote[54 + 136:54 + 184].hex()
