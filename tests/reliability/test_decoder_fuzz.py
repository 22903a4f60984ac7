"""Fuzzing the TDX decoder and what reads evidence on the guest: only the decoder's own error may escape.

tests/unit/plugins/module_utils/test_tdx_decoder_properties.py already feeds
random bytes, random text and mutated valid quotes and reports. This adds
what it does not reach:

- quotes built field by field from the layout (any version and body type,
  any signature length up to 2**32 - 1, any trailing bytes), so every input
  gets past the header to the length arithmetic, and the result must agree
  with the input's own sizes;
- the ``tdx_quote`` filter, which may raise only AnsibleFilterError;
- the kernel-log, cpuinfo and systemd-detect-virt readers, which must never
  raise, whatever the host prints;
- report data as users type it (``parse_report_data``): 64 bytes or ValueError.

The number of examples is CONFIDENTIAL_TDX_FUZZ_EXAMPLES (default 200 each);
``make reliability`` raises it. Each test records how many inputs it ran.
An atheris run (coverage-guided) is in test_decoder_atheris.py.
"""

import os
import struct

from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.filter.tdx_quote import tdx_quote
from ansible_collections.confidential.tdx.plugins.module_utils.tdx import layouts
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import (
    decode_quote,
    decode_tdreport,
    parse_report_data,
)
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.evidence import (
    cpu_flags,
    detect_virt_evidence,
    kernel_attribute_names,
    scan_kernel_log,
)

EXAMPLES = int(os.environ.get("CONFIDENTIAL_TDX_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                database=None)


class Count:
    """How many inputs a property test ran (hypothesis calls the test once per input)."""

    def __init__(self):
        self.inputs = 0
        self.decoded = 0  # inputs the decoder accepted: the test reached past its refusals
        self.escaped = []


def record(ledger, name, count):
    ledger.record("fuzz", name, count.escaped, engine="hypothesis", inputs=count.inputs, decoded=count.decoded)
    assert count.inputs > 0
    assert not count.escaped, count.escaped


def only_decode_error(count, decoder, value):
    count.inputs += 1
    try:
        result = decoder(value)
    except TdxDecodeError as error:
        assert str(error) and "\n" not in str(error)
        return None
    except Exception as error:  # pylint: disable=broad-except
        count.escaped.append("%s escaped %s: %s" % (type(error).__name__, decoder.__name__, error))
        raise
    assert isinstance(result, dict)
    count.decoded += 1
    return result


def bodies(size):
    """Mostly a body of the right size (so decoding reaches the signature), sometimes any length."""
    return st.one_of(st.binary(min_size=size, max_size=size), st.binary(min_size=size, max_size=size),
                     st.binary(max_size=size + 16))


# A quote shaped by the layout: header, body, signature length, signature, trailing bytes.
@st.composite
def laid_out_quotes(draw):
    version = draw(st.sampled_from(sorted(layouts.QUOTE_VERSIONS) * 3 + [3, 6]))
    tee_type = draw(st.sampled_from([layouts.TEE_TYPE_TDX] * 4 + [0, 0xFFFFFFFF]))
    header = bytearray(draw(st.binary(min_size=layouts.QUOTE_HEADER_SIZE, max_size=layouts.QUOTE_HEADER_SIZE)))
    struct.pack_into("<H", header, 0, version)
    struct.pack_into("<I", header, 4, tee_type)
    if version == 5:
        body_type = draw(st.sampled_from(sorted(layouts.QUOTE_V5_BODY_TYPES) + [1, 9]))
        known = layouts.QUOTE_V5_BODY_TYPES.get(body_type)
        expected = known[1] if known else layouts.TD_BODY_10_SIZE
        body_size = draw(st.sampled_from([expected, expected, 0, 0xFFFFFFFF]))
        descriptor = struct.pack("<HI", body_type, body_size)
        prefix = bytes(header) + descriptor + draw(bodies(expected))
    else:
        prefix = bytes(header) + draw(bodies(layouts.TD_BODY_10_SIZE))
    signature = draw(st.binary(max_size=2048))
    signature_length = draw(st.one_of(st.just(len(signature)), st.just(len(signature)),
                                      st.integers(0, 2048), st.just(0xFFFFFFFF), st.integers(0, 2 ** 32 - 1)))
    trailing = draw(st.binary(max_size=64))
    return prefix + struct.pack("<I", signature_length) + signature + trailing


def test_quotes_laid_out_field_by_field_decode_consistently_or_raise_the_decode_error(ledger):
    count = Count()

    @FUZZ
    @given(laid_out_quotes())
    def check(data):
        result = only_decode_error(count, decode_quote, data)
        if result is not None:
            assert result["quote_size"] + result["trailing_bytes"] == len(data)
            assert result["quote_size"] <= len(data)
            assert len(result["rtmr"]) == 4 and all(len(value) == 96 for value in result["rtmr"])
            assert result["version"] in layouts.QUOTE_VERSIONS

    check()
    record(ledger, "decode_quote on layout-shaped quotes", count)
    assert count.decoded > 0, "no input got through to a decoded quote: the strategy tests only refusals"


def test_tdreports_of_every_type_and_length_decode_or_raise_the_decode_error(ledger):
    count = Count()

    @FUZZ
    @given(st.one_of(st.just(layouts.TDREPORT_TYPE_TDX), st.integers(0, 255)),
           st.one_of(st.binary(min_size=layouts.TDREPORT_SIZE - 1, max_size=layouts.TDREPORT_SIZE + 64),
                     st.binary(max_size=layouts.TDREPORT_SIZE)))
    def check(report_type, rest):
        data = bytes([report_type]) + rest
        result = only_decode_error(count, decode_tdreport, data)
        if result is not None:
            assert len(data) >= layouts.TDREPORT_SIZE
            assert result["trailing_bytes"] == len(data) - layouts.TDREPORT_SIZE

    check()
    record(ledger, "decode_tdreport on typed reports", count)
    assert count.decoded > 0, "no input got through to a decoded report: the strategy tests only refusals"


def test_the_filter_raises_only_its_own_error(ledger):
    count = Count()

    @FUZZ
    @given(st.one_of(st.text(max_size=3000), st.binary(max_size=3000), st.none(), st.integers(),
                     st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5))))
    def check(value):
        count.inputs += 1
        try:
            tdx_quote(value)
        except AnsibleFilterError as error:
            assert "\n" not in str(error) and str(error).startswith("tdx_quote: ")
        except Exception as error:  # pylint: disable=broad-except
            count.escaped.append("%s escaped tdx_quote: %s" % (type(error).__name__, error))
            raise

    check()
    record(ledger, "tdx_quote filter on any value", count)


def test_evidence_readers_never_raise(ledger):
    count = Count()
    kernelish = st.one_of(
        st.text(max_size=400),
        st.builds(lambda a, b: "[    0.000000] tdx: %s %s" % (a, b), st.sampled_from(
            ["Guest detected", "Attributes:", "TD_CTLS:", "Memory Encryption Features active:"]), st.text(max_size=80)),
    )

    @FUZZ
    @given(st.lists(kernelish, max_size=30), st.text(max_size=600), st.integers(-1, 300),
           st.one_of(st.none(), st.text(max_size=60)), st.one_of(st.none(), st.text(max_size=60)))
    def check(lines, cpuinfo, rc, stdout, stderr):
        count.inputs += 1
        try:
            scanned = scan_kernel_log(lines)
            assert set(scanned) == {"signs", "attributes", "td_ctls", "other_cvm", "boot_start"}
            assert isinstance(cpu_flags(cpuinfo), set)
            assert isinstance(kernel_attribute_names(cpuinfo), list)
            assert detect_virt_evidence(rc, stdout, stderr)["status"]
        except AssertionError:
            raise
        except Exception as error:  # pylint: disable=broad-except
            count.escaped.append("%s escaped an evidence reader: %s" % (type(error).__name__, error))
            raise

    check()
    record(ledger, "kernel log, cpuinfo and detect-virt readers on any text", count)


def test_report_data_is_64_bytes_or_a_value_error(ledger):
    count = Count()

    @FUZZ
    @given(st.one_of(st.text(max_size=300), st.text(alphabet="0123456789abcdefABCDEFx ", max_size=140),
                     st.none()))
    def check(text):
        count.inputs += 1
        try:
            raw = parse_report_data(text)
        except ValueError as error:
            assert "\n" not in str(error)
            return
        except Exception as error:  # pylint: disable=broad-except
            count.escaped.append("%s escaped parse_report_data: %s" % (type(error).__name__, error))
            raise
        assert isinstance(raw, bytes) and len(raw) == layouts.REPORT_DATA_SIZE

    check()
    record(ledger, "parse_report_data on any text", count)
