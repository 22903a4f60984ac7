"""The tdx_quote filter: base64 text in, the decoder's dict out, one-line errors.

In a real ansible-playbook run, by its collection name: tests/playbooks/test_tdx_quote_filter.py.
"""

import base64

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.confidential.tdx.plugins.filter.tdx_quote import FilterModule

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from ....tdx_samples import QUOTE_V4, QUOTE_V5, read_sample

tdx_quote = FilterModule().filters()["tdx_quote"]


def test_real_v4_quote_as_base64():
    decoded = tdx_quote(base64.b64encode(read_sample(QUOTE_V4)).decode())
    assert decoded["version"] == 4
    assert decoded["tee_type"] == "00000081"
    assert decoded["td_attributes"] == "0000000040000000"
    assert decoded["attributes"] == ["PKS"]
    assert decoded["debug"] is False
    assert decoded["xfam"] == "e71a060000000000"
    assert decoded["mrtd"].startswith("6363b8043668a3ad953278e1")
    assert decoded["rtmr"][0].startswith("2927da70461cd632")
    assert decoded["report_data"].startswith("6c62dec1b8191749")
    assert decoded["trailing_bytes"] == 39


def test_real_v5_quote_as_wrapped_base64():
    decoded = tdx_quote(base64.encodebytes(read_sample(QUOTE_V5)).decode())
    assert (decoded["version"], decoded["body_type"], decoded["body_size"]) == (5, 3, 648)
    assert decoded["td_attributes"] == "0000000010000000"
    assert decoded["sept_ve_disable"] is True
    assert decoded["mrtd"].startswith("7348651a34b2d2d3")
    assert decoded["signature_data_length"] == 4300


def test_a_constructed_debug_quote_shows_debug():
    quote, expected = build.quote_v5(body_type=2, td_attributes=build.DEBUG)
    decoded = tdx_quote(base64.b64encode(quote).decode())
    assert decoded["debug"] is True
    assert decoded["attributes"] == ["DEBUG"]
    assert decoded["mrtd"] == expected["mrtd"]


@pytest.mark.parametrize("value,message", [
    ("%%%", r"^tdx_quote: quote is not valid base64 text"),
    (base64.b64encode(b"\x04\x00" * 10).decode(), r"^tdx_quote: quote header is truncated: expected at least 48 bytes, got 20$"),
    (None, r"^tdx_quote: quote must be base64 text, got NoneType$"),
    (base64.b64encode(build.quote_v4(tee_type=0)[0]).decode(), r"^tdx_quote: tee_type 0x00000000 is not TDX"),
])
def test_bad_input_raises_a_one_line_filter_error(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        tdx_quote(value)
