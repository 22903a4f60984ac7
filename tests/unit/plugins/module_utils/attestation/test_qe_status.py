"""qe_status.py: the QE report's ISVSVN read from a quote, and the QE identity level it reaches."""

import json

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import qe_status
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote
from tests.playbooks.attestation.materials import tdx_pki

IDENTITY = json.dumps({"tcbLevels": [{"tcb": {"isvsvn": 8}, "tcbStatus": "UpToDate"},
                                     {"tcb": {"isvsvn": 6}, "tcbStatus": "OutOfDate"},
                                     {"tcb": {"isvsvn": 2}, "tcbStatus": "Revoked"}]})


@pytest.mark.parametrize("isvsvn", [3, 8, 11])
def test_the_isvsvn_is_read_from_the_qe_report_the_quote_carries(isvsvn):
    quote = tdx_pki.build_case(quote_options={"qe": tdx_pki.QeParams(isvsvn=isvsvn)}).quote
    assert qe_status.qe_isvsvn(quote, decode_quote(quote)) == isvsvn


def test_a_quote_cut_inside_its_qe_report_has_no_isvsvn():
    quote = tdx_pki.build_case().quote
    decoded = decode_quote(quote)
    cut = quote[:decoded["quote_size"] - decoded["signature_data_length"] + 128 + 6 + 100]
    assert qe_status.qe_isvsvn(cut, decoded) is None


@pytest.mark.parametrize("isvsvn, status", [(9, "UpToDate"), (8, "UpToDate"), (7, "OutOfDate"), (2, "Revoked"),
                                            (1, None)])
def test_the_qe_gets_the_highest_level_its_isvsvn_reaches(isvsvn, status):
    assert qe_status.qe_tcb_status(isvsvn, IDENTITY) == status


@pytest.mark.parametrize("text", [None, "not json", "{}", json.dumps({"tcbLevels": [{"tcb": {}}]})])
def test_an_unreadable_identity_gives_no_status(text):
    assert qe_status.qe_tcb_status(8, text) is None


def test_only_dcap_qvls_invalid_status_message_is_named_again():
    quote = tdx_pki.build_case().quote
    document = {"qe_identity": IDENTITY}
    assert qe_status.invalid_status_problem("TCB status OutOfDate is not acceptable by policy", quote,
                                            decode_quote(quote), document) is None
    assert qe_status.invalid_status_problem("TCB status is invalid: Revoked", quote, None, document) is None
