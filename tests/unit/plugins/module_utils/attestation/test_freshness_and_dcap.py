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
    # dcap-qvl 0.7's other refusals (read from its wheel's strings); those the test PKI can provoke are
    # provoked in test_dcap_refusals.py.
    ("Verification failed: TD profiling is enabled", "td attributes"),
    ("Verification failed: SERVTD_EXT is enabled", "td attributes"),
    ("Verification failed: TD migration is enabled", "td attributes"),
    ("Verification failed: QE TCB too old: tcb_date_tag 1736899200 + grace 0 < now 1796648625", "qe tcb"),
    ("Verification failed: QE ISVSVN 1 is below minimum required 8 from QE Identity", "qe tcb"),
    ("Verification failed: TCB eval data number 17 is below minimum 18", "tcb evaluation number"),
    ("Verification failed: TDX module ISVSVN 0 is below minimum required from TDX module TCB levels",
     "tdx module tcb"),
    ("Verification failed: TDX module SEAMATTRIBUTES mismatch at byte 0: expected 00 (masked), got 01 (masked)",
     "tdx module identity"),
    ("Verification failed: TDX module SEAMATTRIBUTES has bits set outside mask at byte 0", "tdx module identity"),
    ("Verification failed: No TDX module identity with id TDX_03 found in TCB Info", "tdx module identity"),
    ("Verification failed: QE ATTRIBUTES mismatch at byte 0: expected 15 (masked), got 05 (masked)", "qe identity"),
    ("Verification failed: QE MISCSELECT mismatch: expected 00000000 (masked), got 00000001 (masked)",
     "qe identity"),
    ("Verification failed: Unsupported QE Identity id/version for the quote TEE type: TD_QE version 1 "
     "(expected TD_QE version 2)", "collateral kind"),
    ("Verification failed: TDX TCB Info is missing tdxModule field", "collateral kind"),
    ("Verification failed: No TCB levels found in QE Identity", "collateral"),
    ("Verification failed: TDX component count mismatch: expected 16, got 15", "collateral"),
    ("Verification failed: Unknown TCB status: Fine", "collateral"),
    ("Verification failed: TCB level mismatch: Platform's current TCB (cpusvn=00, pcesvn=1) is not registered "
     "with Intel PCS", "tcb level"),
    ("Verification failed: SGX type 2 is not in accepted types [0, 1]", "sgx type"),
    ("Verification failed: SMT (hyperthreading) is not allowed by policy", "platform flags"),
    ("Verification failed: Failed to parse root CA certificate", "root"),
    ("Verification failed: Invalid QE auth data length", "parse"),
    ("Verification failed: Empty PCK certificate chain", "pck certificate"),
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
