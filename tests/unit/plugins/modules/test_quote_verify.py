"""quote_verify through the module harness: its arguments, forms and result keys (the refusals: tests/reliability)."""

import base64
import hashlib

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import dcap
from ansible_collections.confidential.tdx.plugins.modules import quote_verify
from tests.playbooks.attestation.materials import pki_evidence, tdx_pki
from tests.unit.module_harness import run_module

NONCE = "5a" * 32
DECODED_KEYS = {"version", "att_key_type", "tee_type", "qe_vendor_id", "user_data", "tee_tcb_svn", "mrseam",
                "mrsignerseam", "seam_attributes", "td_attributes", "attributes", "debug", "sept_ve_disable", "xfam",
                "mrtd", "mrconfigid", "mrowner", "mrownerconfig", "rtmr", "report_data", "tdx_module",
                "signature_data_length", "quote_size", "trailing_bytes"}


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    report_data = hashlib.sha512(bytes.fromhex(NONCE)).digest()
    return pki_evidence(tmp_path_factory.mktemp("evidence"), body=tdx_pki.TdBody().with_(report_data=report_data))


def base(evidence, **args):
    full = {"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
            "testing_root_ca": evidence.root}
    full.update(args)
    return dict((key, value) for key, value in full.items() if value is not None)


def test_a_fresh_quote_is_verified_with_every_result_key(evidence):
    result = run_module(quote_verify.main, base(evidence, nonce=NONCE))
    assert result["verified"] and result["problems"] == []
    assert not result.changed
    assert result["tcb_status"] == "UpToDate" and result["advisory_ids"] == []
    assert result["fmspc"] == evidence.case.pck.platform.fmspc.upper() and result["ca"] == "platform"
    assert result["root"] == evidence.case.pki.root_sha256 and result["root_is_intel"] is False
    assert set(result["quote"]) >= DECODED_KEYS
    assert result["platform"]["dynamic_platform"] is True and result["platform"]["smt_enabled"] is True
    assert result["collateral"]["path"] == evidence.collateral
    assert result["collateral"]["tcb_info_next_update"] > result["verify_at"] > result["collateral"]["tcb_info_issue_date"]
    assert result["report_data_checked"] and result["verify_at"] == evidence.verify_at
    assert result["policy"]["tcb_statuses"] == ["UpToDate"]
    # The test PKI's root: verified, but never attested (the verdict's other branches: test_verdict.py).
    assert result["verdict"] == "test root" and result["verdict_reasons"][0].startswith("test root: ")
    assert result["proven"]["intel_root"] is False and result["proven"]["fresh"] is True


def test_check_mode_verifies_the_same(evidence):
    normal = run_module(quote_verify.main, base(evidence, nonce=NONCE))
    checked = run_module(quote_verify.main, base(evidence, nonce=NONCE), check_mode=True)
    assert checked["verified"] and not checked.changed
    assert dict(checked, invocation=None) == dict(normal, invocation=None)


def test_report_data_and_user_data_are_the_other_ways_to_state_freshness(evidence):
    assert run_module(quote_verify.main, base(evidence, report_data=hashlib.sha512(bytes.fromhex(NONCE)).hexdigest()))[
        "verified"]
    refused = run_module(quote_verify.main, base(evidence, nonce=NONCE, user_data="00"))
    assert not refused["verified"] and refused["problems"][0].startswith("freshness:")


NOT_FRESH = ("freshness: no nonce or report_data was given, so the quote may be a replay; give nonce (or "
             "report_data), or set skip_freshness_check: true")


def test_without_a_nonce_the_quote_is_refused_as_a_possible_replay(evidence):
    result = run_module(quote_verify.main, base(evidence))
    assert not result.failed and result["verified"] is False
    assert result["problems"] == [NOT_FRESH]
    assert result["freshness_checked"] is False and result["report_data_checked"] is False
    fresh = run_module(quote_verify.main, base(evidence, nonce=NONCE))
    assert fresh["freshness_checked"] is True


def test_skip_freshness_check_verifies_without_a_nonce_and_says_so(evidence):
    result = run_module(quote_verify.main, base(evidence, skip_freshness_check=True))
    assert result["verified"] and result["problems"] == []
    assert result["freshness_checked"] is False
    # A nonce given is checked all the same.
    refused = run_module(quote_verify.main, base(evidence, skip_freshness_check=True, nonce="6b" * 32))
    assert not refused["verified"] and refused["problems"][0].startswith("freshness: report data does not match")


def test_skip_freshness_check_is_also_per_batch_entry(evidence):
    common = {"collateral": evidence.collateral, "verify_at": evidence.verify_at, "testing_root_ca": evidence.root}
    result = run_module(quote_verify.main, dict(common, quotes=[
        {"name": "skipped", "quote": evidence.quote_b64, "skip_freshness_check": True},
        {"name": "unproven", "quote": evidence.quote_b64}]))
    assert result["refused"] == ["unproven"], result["verdicts"]
    assert result["verdicts"]["unproven"]["problems"] == [NOT_FRESH]
    assert result["verdicts"]["skipped"]["freshness_checked"] is False
    # The option is the default of the entries; an entry may still ask for the check.
    result = run_module(quote_verify.main, dict(common, skip_freshness_check=True, quotes=[
        {"name": "skipped", "quote": evidence.quote_b64},
        {"name": "asked", "quote": evidence.quote_b64, "skip_freshness_check": False}]))
    assert result["refused"] == ["asked"], result["verdicts"]


def test_the_batch_forms_give_one_verdict_per_entry_by_name(evidence):
    other = "6b" * 32
    as_list = run_module(quote_verify.main, {
        "quotes": [{"name": "web-1", "quote": evidence.quote_b64, "nonce": NONCE},
                   {"name": "web-2", "quote": evidence.quote_b64, "nonce": other},
                   {"name": "web-3"}],
        "collateral": evidence.collateral, "verify_at": evidence.verify_at, "testing_root_ca": evidence.root})
    assert not as_list.failed, as_list.get("msg")
    assert as_list["verified"] is False and as_list["refused"] == ["web-2", "web-3"]
    assert as_list["verdicts"]["web-1"]["verified"]
    assert as_list["verdicts"]["web-2"]["problems"][0].startswith("freshness:")
    assert as_list["verdicts"]["web-3"]["problems"] == ["parse: no quote was given (the host returned none)"]
    assert [as_list["verdicts"][name]["verdict"] for name in ("web-1", "web-2", "web-3")] == [
        "test root", "refused", "refused"]
    assert as_list["verdict_counts"] == {"attested": 0, "platform only": 0, "test root": 1, "refused": 2}
    as_dict = run_module(quote_verify.main, {
        "quotes": {"web-1": {"quote": evidence.quote_b64, "nonce": NONCE, "verify_at": evidence.verify_at}},
        "collateral": evidence.collateral, "testing_root_ca": evidence.root})
    assert as_dict["verified"] and as_dict["refused"] == []


def test_an_entry_may_carry_its_own_collateral_and_time(evidence):
    result = run_module(quote_verify.main, {
        "quotes": [{"name": "archived", "quote": evidence.quote_b64, "collateral": evidence.collateral,
                    "verify_at": evidence.verify_at, "nonce": NONCE}],
        "testing_root_ca": evidence.root})
    assert result["verified"], result
    assert result["verdicts"]["archived"]["verify_at"] == evidence.verify_at


def test_collateral_dir_picks_the_file_of_the_quotes_fmspc(evidence, tmp_path):
    name = "%s-platform.json" % evidence.case.pck.platform.fmspc.upper()
    with open(evidence.collateral) as source, open(str(tmp_path / name), "w") as target:
        target.write(source.read())
    result = run_module(quote_verify.main, base(evidence, collateral=None, collateral_dir=str(tmp_path), nonce=NONCE))
    assert result["verified"] and result["collateral"]["path"] == str(tmp_path / name)
    for empty in (tmp_path / "empty", tmp_path / "not made yet"):
        if empty.name == "empty":
            empty.mkdir()
        result = run_module(quote_verify.main, base(evidence, collateral=None, collateral_dir=str(empty)))
        assert not result.failed and not result["verified"]
        assert result["problems"][0].startswith("collateral: no collateral for FMSPC %s" % name.split("-")[0])


def test_an_unreadable_collateral_file_is_a_problem_of_the_quote(evidence, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    result = run_module(quote_verify.main, base(evidence, collateral=str(broken)))
    assert not result.failed and not result["verified"]
    assert result["problems"][0].startswith("collateral: %s is not a QuoteCollateralV3 document" % broken)


@pytest.mark.parametrize("args,names", [
    ({"verify_at": "yesterday"}, "verify_at"),
    ({"verify_at": "2026-02-19T00:00:00"}, "verify_at"),
    ({"nonce": "5a"}, "nonce"),
    ({"report_data": "00"}, "report_data"),
    ({"user_data": "00"}, "user_data"),
    ({"policy": {"mrtd": "00"}}, "policy.mrtd"),
    ({"testing_root_ca": "/nonexistent/root.pem"}, "testing_root_ca"),
    ({"collateral": None}, "collateral"),
    ({"quote": None, "quotes": []}, "quotes"),
    ({"quote": None, "quotes": [{"name": "a"}, {"name": "a"}]}, "quotes[1].name"),
    ({"quote": None, "quotes": [{"quote": "AA=="}]}, "quotes[0].name"),
    ({"quote": None, "quotes": [{"name": "a", "colour": "blue"}]}, "quotes[0].colour"),
    ({"quote": None, "quotes": {"a": {"nonce": "zz"}}}, "quotes['a'].nonce"),
    ({"quote": None, "quotes": "web-1"}, "quotes"),
    ({"quote": None, "quotes": [{"name": "a", "skip_freshness_check": "yes"}]}, "quotes[0].skip_freshness_check"),
])
def test_bad_arguments_fail_in_one_line_naming_them(evidence, args, names):
    result = run_module(quote_verify.main, base(evidence, **args))
    assert result.failed and result["msg"].startswith(names), result["msg"]
    assert "\n" not in result["msg"]


def test_a_controller_without_dcap_qvl_is_told_what_to_install(evidence, monkeypatch):
    def missing():
        raise dcap.MissingDcapQvl(dcap.MISSING)
    monkeypatch.setattr("ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier.dcap_qvl",
                        missing)
    result = run_module(quote_verify.main, base(evidence))
    assert result.failed and "pip install dcap-qvl==0.7.0" in result["msg"] and "\n" not in result["msg"]


def test_a_batch_entry_may_carry_its_own_policy_which_replaces_the_modules(evidence):
    mrtd = evidence.case.body.mrtd.hex()
    result = run_module(quote_verify.main, {
        "quotes": [{"name": "own", "quote": evidence.quote_b64, "nonce": NONCE, "policy": {"mrtd": mrtd}},
                   {"name": "module's", "quote": evidence.quote_b64, "nonce": NONCE}],
        "policy": {"mrtd": "00" * 48},
        "collateral": evidence.collateral, "verify_at": evidence.verify_at, "testing_root_ca": evidence.root})
    assert result["refused"] == ["module's"], result["verdicts"]
    assert result["verdicts"]["own"]["policy"]["mrtd"] == [mrtd]
    assert result["verdicts"]["module's"]["problems"][0].startswith("mrtd: the quote has %s" % mrtd)
    bad = run_module(quote_verify.main, base(evidence, quote=None, quotes=[{"name": "a", "policy": {"mrtd": "00"}}]))
    assert bad.failed and bad["msg"].startswith("quotes[0].policy.mrtd: "), bad["msg"]


def test_the_event_log_is_replayed_per_quote_and_per_batch_entry(tmp_path_factory):
    from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

    boot = logs.ubuntu_boot_log()
    rtmrs = dict(("rtmr%d" % index, value) for index, value in enumerate(boot.rtmrs()))
    report_data = hashlib.sha512(bytes.fromhex(NONCE)).digest()
    booted = pki_evidence(tmp_path_factory.mktemp("booted"),
                          body=tdx_pki.TdBody().with_(report_data=report_data, **rtmrs))
    log = base64.b64encode(boot.to_bytes()).decode()
    altered = base64.b64encode(logs.altered_kernel_cmdline(boot.to_bytes())).decode()
    table = base64.b64encode(logs.ccel_table(len(boot.to_bytes()))).decode()
    one = run_module(quote_verify.main, base(booted, nonce=NONCE, event_log=log, event_log_table=table), check_mode=True)
    assert one["verified"], one["problems"]
    assert one["event_log"]["replayed"] and one["event_log"]["rtmrs"] == one["quote"]["rtmr"]
    kernel = [event for event in one["event_log"]["events"] if event["component"] == "kernel"][0]
    assert run_module(quote_verify.main, base(booted, nonce=NONCE))["event_log"] is None
    batch = run_module(quote_verify.main, {
        "quotes": [{"name": "good", "quote": booted.quote_b64, "nonce": NONCE, "event_log": log, "event_log_table": table},
                   {"name": "altered", "quote": booted.quote_b64, "nonce": NONCE, "event_log": altered},
                   {"name": "silent", "quote": booted.quote_b64, "nonce": NONCE}],
        "policy": {"events": {"kernel": kernel["digest"]}},
        "collateral": booted.collateral, "verify_at": booted.verify_at, "testing_root_ca": booted.root})
    assert batch["refused"] == ["altered", "silent"]
    assert batch["policy"]["events"] == {"kernel": [kernel["digest"]]}
    assert batch["verdicts"]["good"]["event_log"]["replayed"] is True
    assert batch["verdicts"]["altered"]["problems"][0].startswith(
        "event log: the event log does not reproduce the quote's RTMR2")
    assert batch["verdicts"]["silent"]["problems"] == ["event log: the policy names events but the host gave no "
                                                       "event log"]
    bad = run_module(quote_verify.main, {"quotes": [{"name": "a", "quote": booted.quote_b64, "event_log": 5}],
                                         "collateral": booted.collateral, "testing_root_ca": booted.root})
    assert bad.failed and bad["msg"] == "quotes[0].event_log: must be a string, got int"
