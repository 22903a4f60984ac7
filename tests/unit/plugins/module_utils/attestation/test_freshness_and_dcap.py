import hashlib

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import dcap
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import (
    expectation,
    freshness_problems,
    report_data_for,
)

NONCE = "42" * 32


def test_report_data_is_sha512_over_nonce_and_user_data():
    assert report_data_for(NONCE) == hashlib.sha512(bytes.fromhex(NONCE)).hexdigest()
    assert report_data_for(NONCE, "cafe") == hashlib.sha512(bytes.fromhex(NONCE + "cafe")).hexdigest()


def test_a_quote_over_another_nonce_is_refused_with_both_values():
    expected = expectation(nonce=NONCE)
    assert freshness_problems(expected, {"report_data": report_data_for(NONCE)}) == []
    other = report_data_for("43" * 32)
    problems = freshness_problems(expected, {"report_data": other})
    assert problems == ["freshness: report data does not match the nonce of this run (a replayed or stale quote, "
                        "or a quote from another host): expected %s, quote has %s" % (report_data_for(NONCE), other)]
    assert freshness_problems(None, {"report_data": other}) == [
        "freshness: no nonce or report_data was given, so the quote may be a replay; give nonce (or report_data), "
        "or set skip_freshness_check: true"]
    assert freshness_problems(None, {"report_data": other}, skip=True) == []


@pytest.mark.parametrize("args,names", [
    ({"nonce": "42" * 31}, "nonce"),
    ({"nonce": "xyz"}, "nonce"),
    ({"report_data": "00" * 32}, "report_data"),
    ({"report_data": "00" * 64, "nonce": NONCE}, "report_data"),
    ({"user_data": "00"}, "user_data"),
    ({"nonce": NONCE, "user_data": "0g"}, "user_data"),
])
def test_bad_freshness_arguments_name_the_key(args, names):
    with pytest.raises(ValueError) as error:
        expectation(where="quotes[0].", **args)
    assert str(error.value).startswith("quotes[0].%s:" % names)


@pytest.mark.parametrize("message,name", [
    ("Verification failed: ISV enclave report signature is invalid", "quote signature"),
    ("Verification failed: QE report hash mismatch", "attestation key binding"),
    ("Verification failed: Signature is invalid for qe_report in quote", "qe report signature"),
    ("Verification failed: CrlExpired { time: UnixTime(1796153702), next_update: UnixTime(1743707970) }",
     "collateral expired"),
    ("Verification failed: TCBInfo expired", "collateral expired"),
    ("Verification failed: QE Identity expired", "collateral expired"),
    ("Verification failed: TCBInfo issue date is in the future", "collateral not yet valid"),
    ("Verification failed: Fmspc mismatch", "collateral fmspc"),
    ("Verification failed: No matching TCB level found", "tcb level"),
    ("Verification failed: TCB status OutOfDate is not acceptable by policy", "tcb status"),
    ("Verification failed: TCB status is invalid: Revoked", "tcb status"),
    ("Verification failed: Advisory ID INTEL-SA-00960 is rejected by policy", "advisory"),
    ("Verification failed: Dynamic platform is not allowed by policy", "platform flags"),
    ("Verification failed: Cached keys are not allowed by policy", "platform flags"),
    ("Verification failed: Platform TCB too old: tcb_date_tag 1 + grace 0 < now 2", "tcb grace period"),
    ("Verification failed: Failed to verify certificate chain", "certificate chain"),
    ("Verification failed: Failed to load root ca", "root"),
    ("Verification failed: Failed to parse root CA CRL", "revocation list"),
    ("Verification failed: Debug mode is enabled", "td attributes"),
    ("Verification failed: Unknown QE vendor ID", "qe vendor"),
    ("Verification failed: something new", "verification"),
])
def test_dcap_qvl_messages_become_named_problems_that_keep_its_words(message, name):
    found, problem = dcap.named_problem(ValueError(message))
    assert found == name
    assert problem.startswith(name + ": ")
    assert problem.endswith("(dcap-qvl: %s)" % message[len("Verification failed: "):])


def test_crl_expiry_is_given_in_dates():
    dummy, problem = dcap.named_problem(ValueError(
        "Verification failed: CrlExpired { time: UnixTime(1796153702), next_update: UnixTime(1743707970) }"))
    assert "2025-04-03T19:19:30Z" in problem and "2026-12-01T" in problem


def test_a_controller_without_dcap_qvl_gets_one_line_naming_the_package(monkeypatch):
    def refuse(name):
        raise ImportError("No module named %r" % name)
    monkeypatch.setattr(dcap, "_dcap_qvl", None)
    monkeypatch.setattr(dcap.importlib, "import_module", refuse)
    with pytest.raises(dcap.MissingDcapQvl) as error:
        dcap.dcap_qvl()
    assert "dcap-qvl" in str(error.value) and "pip install dcap-qvl==0.7.0" in str(error.value)
    assert "\n" not in str(error.value)
