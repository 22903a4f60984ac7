"""The verify role's verdict on a host (verify_judgement), its fleet summary (verify_fleet) and its input checks
(verify_input_errors): what passes, what is said, and that a test root is never called attested."""

import hashlib
import json

import pytest

from ansible_collections.confidential.tdx.plugins.filter.verify_fleet import verify_fleet
from ansible_collections.confidential.tdx.plugins.filter.verify_input_errors import verify_input_errors
from ansible_collections.confidential.tdx.plugins.filter.verify_judgement import verify_judgement
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.judgement import passes
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import POLICY_KEYS
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import VERDICTS

PROVEN = {"intel_root": True, "fresh": True, "mrtd": "pinned", "rtmrs": "pinned", "software_pinned": True}
GUEST_INFO = {"verdict": {"verified": False, "failures": ["evidence: no TDX line in the kernel log"], "checks": []},
              "kernel_release": "6.8.0", "boot_id": "0f6ae4b5-7c0e-4c5e-8f6b-2d0c7c1b9a55", "tdx": {"active": True, "report": {"mrtd": "11" * 48}}, "evidence": {},
              "quote": {"debug": False}}
QUOTE = {"quote": "QUJD", "report_data": "ab" * 64}
KEYSCAN = {"keys": {"web-2": ["10.0.0.2 ssh-ed25519 BBBB"], "web-1": ["10.0.0.1 ssh-ed25519 AAAA"]}}


def attestation(verdict, reasons=(), problems=(), collateral=None):
    result = {"verified": not problems, "problems": list(problems), "verdict": verdict,
              "verdict_reasons": list(reasons) or list(problems), "proven": PROVEN, "tcb_status": "UpToDate",
              "advisory_ids": ["INTEL-SA-00837"], "root": "44a0" * 16, "root_is_intel": verdict != "test root",
              "quote": {"mrtd": "11" * 48}, "quote_sha256": "cd" * 32, "verify_at": "2026-12-01T19:56:11Z",
              "collateral": collateral}
    return {"verdicts": {"web-1": result}, "policy": {"tcb_statuses": ["UpToDate"]}}


def judge(verdict, reasons=(), problems=(), **options):
    arguments = dict(host="web-1", guest_info=GUEST_INFO, guest_quote=QUOTE, nonce="5a" * 32, keyscan=KEYSCAN)
    arguments.update(options)
    return verify_judgement(attestation(verdict, reasons, problems), **arguments)


@pytest.mark.parametrize("verdict,platform_only,test_root,passing", [
    ("attested", False, False, True),
    ("platform only", False, False, False),
    ("platform only", True, False, True),
    ("test root", False, False, False),
    ("test root", False, True, True),
    ("test root", True, False, False),  # accepting platform only does not accept a test root
    ("platform only", False, True, False),
    ("refused", True, True, False),
    (None, True, True, False),
])
def test_what_passes_enforcement(verdict, platform_only, test_root, passing):
    assert passes(verdict, platform_only, test_root) is passing


def test_an_attested_host_passes_without_failures_and_keeps_its_evidence(tmp_path):
    document = {"tcb_info": "signed"}
    path = tmp_path / "collateral.json"
    path.write_text(json.dumps(document))
    result = verify_judgement(attestation("attested", collateral={"path": str(path), "tcb_info_issue_date": "x"}),
                              host="web-1", guest_info=GUEST_INFO,
                              guest_quote=dict(QUOTE, event_log="TE9H", event_log_table="VEFC"), nonce="5a" * 32,
                              keyscan=KEYSCAN, user_data="beef")
    assert (result["verified"], result["attested"], result["verdict"]) == (True, True, "attested")
    assert result["failures"] == [] and result["verdict_reasons"] == [] and result["proven"] == PROVEN
    assert result["tcb_status"] == "UpToDate" and result["advisory_ids"] == ["INTEL-SA-00837"]
    evidence = result["attestation"]
    assert evidence["verdict"] == "attested" and evidence["verified"] is True and evidence["root_is_intel"] is True
    assert (evidence["nonce"], evidence["user_data"], evidence["quote"]) == ("5a" * 32, "beef", "QUJD")
    assert evidence["collateral"] == {"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                                      "dates": {"path": str(path), "tcb_info_issue_date": "x"}, "document": document}
    assert evidence["ssh_host_keys"]["keys"] == ["10.0.0.1 ssh-ed25519 AAAA"]
    assert (evidence["event_log"], evidence["event_log_table"]) == ("TE9H", "VEFC")
    assert evidence["decoded"] == {"mrtd": "11" * 48} and evidence["policy"] == {"tcb_statuses": ["UpToDate"]}
    reported = result["self_reported"]
    assert "report" not in reported["tdx"] and reported["report"] == {"mrtd": "11" * 48}
    assert reported["quote"] is None  # verify_quote false
    # The boot ID is kept, so that a later run (playbooks/reattest.yml) sees a restart.
    assert (reported["kernel_release"], reported["boot_id"]) == ("6.8.0", "0f6ae4b5-7c0e-4c5e-8f6b-2d0c7c1b9a55")


@pytest.mark.parametrize("keyscan", [
    {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"},  # verify_ssh_host_keys false
    {},  # the collection never ran
    None,
])
def test_host_keys_not_scanned_are_reported_as_not_read_not_as_an_empty_scan(keyscan):
    keys = judge("attested", keyscan=keyscan)["attestation"]["ssh_host_keys"]
    assert keys == {"source": "not read (verify_ssh_host_keys is false)", "keys": []}
    assert judge("attested")["attestation"]["ssh_host_keys"]["source"].startswith("read from the controller")


def test_a_test_root_host_is_never_attested_and_fails_naming_the_variable_that_accepts_it():
    result = judge("test root", reasons=["test root: the quote chains to a root that is not Intel's"])
    assert (result["verified"], result["attested"], result["verdict"]) == (False, False, "test root")
    assert result["failures"][0] == "attestation: test root: the quote chains to a root that is not Intel's"
    assert "verify_accept_test_root=true" in result["failures"][1]
    # Not passing: the host's own words follow, as diagnostics.
    assert result["failures"][-1] == "evidence: no TDX line in the kernel log"


def test_an_accepted_test_root_host_passes_but_is_still_not_attested():
    result = judge("test root", reasons=["test root: ..."], accept_test_root=True)
    assert (result["verified"], result["attested"], result["verdict"]) == (True, False, "test root")
    assert result["failures"] == [] and result["verdict_reasons"] == ["test root: ..."]


def test_a_platform_only_host_fails_with_the_fix_unless_accepted():
    reasons = ["MRTD neither endorsed by Google nor pinned"]
    refused = judge("platform only", reasons=reasons)
    assert refused["verified"] is False and refused["attested"] is False
    assert refused["failures"][0] == "attestation: MRTD neither endorsed by Google nor pinned"
    assert "verify_accept_platform_only=true" in refused["failures"][1] and "verify_policy" in refused["failures"][1]
    accepted = judge("platform only", reasons=reasons, accept_platform_only=True)
    assert (accepted["verified"], accepted["attested"], accepted["verdict"]) == (True, False, "platform only")


def test_a_refused_host_fails_with_its_problems_then_the_hosts_own_words():
    result = judge("refused", problems=["freshness: report data does not match"], accept_platform_only=True,
                   accept_test_root=True)
    assert result["verified"] is False and result["verdict"] == "refused"
    assert result["failures"] == ["attestation: freshness: report data does not match",
                                  "evidence: no TDX line in the kernel log"]
    assert result["attestation"]["problems"] == ["freshness: report data does not match"]


def test_a_host_that_gave_no_quote_says_why_first():
    result = judge("refused", problems=["parse: no quote was given (the host returned none)"],
                   guest_quote={"failed": True, "msg": "guest_quote: no configfs-tsm"})
    assert result["failures"][:2] == ["attestation: quote: guest_quote: no configfs-tsm",
                                      "attestation: parse: no quote was given (the host returned none)"]


def test_a_host_quote_verify_gave_no_verdict_for_is_refused_with_the_modules_message():
    result = verify_judgement({"failed": True, "msg": "collateral: give collateral"}, host="web-1",
                              guest_info=GUEST_INFO, guest_quote=QUOTE, nonce="5a" * 32, accept_test_root=True)
    assert result["verdict"] == "refused" and result["verified"] is False
    assert result["failures"][0] == ("attestation: quote_verify gave no verdict for this host: "
                                     "collateral: give collateral")
    assert result["proven"]["intel_root"] is False


def test_without_attestation_nothing_passes_and_nothing_is_attempted():
    result = verify_judgement({}, host="web-1", attest=False, guest_info=dict(GUEST_INFO, verdict={
        "verified": True, "failures": [], "checks": []}), accept_platform_only=True, accept_test_root=True)
    assert (result["verified"], result["verdict"], result["attestation"]) == (False, "refused", {"attempted": False})
    assert result["failures"] == ["attestation: not attempted (verify_attest is false), so the host is not verified"]


def results(*verdicts, **passing):
    return [{"host": "h%d" % index, "verdict": verdict, "verified": passing.get("h%d" % index, False),
             "failures": [] if passing.get("h%d" % index) else ["attestation: " + verdict]}
            for index, verdict in enumerate(verdicts)]


def test_the_fleet_headline_never_calls_test_root_hosts_attested():
    fleet = verify_fleet(results("test root", "test root", "test root", h0=True, h1=True, h2=True),
                         ["h0", "h1", "h2"])
    assert fleet["headline"] == ("0 of 3 hosts attested; 3 TEST ROOT (a testing root, not Intel's: proves nothing "
                                 "about Intel hardware); 3 of 3 pass")
    assert fleet["verified"] == ["h0", "h1", "h2"] and fleet["attested"] == []
    assert fleet["verdicts"]["test root"] == ["h0", "h1", "h2"] and fleet["failed"] == {}


def test_the_fleet_summary_counts_every_verdict_and_the_hosts_not_checked():
    fleet = verify_fleet(results("attested", "platform only", "refused", h0=True), ["h0", "h1", "h2", "h3"])
    assert sorted(fleet["verdicts"]) == sorted(VERDICTS)
    assert fleet["verdicts"] == {"attested": ["h0"], "platform only": ["h1"], "test root": [], "refused": ["h2"]}
    assert fleet["failed"] == {"h1": ["attestation: platform only"], "h2": ["attestation: refused"]}
    assert fleet["not_checked"] == ["h3"] and fleet["hosts"] == 4
    assert fleet["headline"] == ("1 of 4 hosts attested; 1 platform only (a genuine TDX platform, its software not "
                                 "pinned); 1 refused; 1 not checked; 1 of 4 pass")


GOOD = {"verify_expected_measurements": {"mrtd": "ab" * 48, "rtmr3": None}, "verify_report_data": "0xab",
        "verify_report_dir": "/srv/reports", "verify_policy": {"mrtd": "ab" * 48, "tcb_statuses": ["UpToDate"]},
        "verify_user_data": "beef", "verify_attest": True, "verify_collateral_dir": "/srv/collateral",
        "verify_pccs_url": "https://pccs.example:8081/", "verify_testing_root_ca": "", "verify_learn": False,
        "verify_policy_file": "", "verify_collateral_max_age": 0}


def test_good_settings_have_no_errors():
    assert verify_input_errors(GOOD) == []


def test_every_policy_key_of_quote_verify_is_accepted():
    assert verify_input_errors(dict(GOOD, verify_policy=dict((key, None) for key in POLICY_KEYS))) == []


@pytest.mark.parametrize("changes,error", [
    ({"verify_expected_measurements": {"mrtd": "ab", "rtmr0": "cd" * 48}},
     "verify_expected_measurements: mrtd must be 96 hex digits (48 bytes, as guest_info reports them)"),
    ({"verify_report_data": "abc"}, "verify_report_data: must be hex of at most 64 bytes"),
    ({"verify_report_data": 12}, "verify_report_data: must be hex of at most 64 bytes"),
    ({"verify_report_dir": ""}, "verify_report_dir: empty; give the directory for the reports on the controller"),
    ({"verify_policy": {"mrdt": "ab" * 48}}, "verify_policy: mrdt is not a policy key; the keys are mrtd, mrconfigid"),
    ({"verify_user_data": "xyz"}, "verify_user_data: must be hex bytes (an even number of hex digits)"),
    ({"verify_collateral_dir": ""}, "verify_collateral_dir: empty; give the collateral cache directory"),
    ({"verify_pccs_url": "pccs.example"}, "verify_pccs_url: must be an http:// or https:// URL"),
    ({"verify_endorsement_url": "storage.example"}, "verify_endorsement_url: must be an http:// or https:// URL"),
    ({"verify_testing_root_ca": "/nonexistent/root.der"},
     "verify_testing_root_ca: /nonexistent/root.der is not a file on the controller; give the test root"),
    ({"verify_collateral_max_age": -1}, "verify_collateral_max_age: must be a whole number of seconds, 0 or more"),
    ({"verify_collateral_max_age": "a day"}, "verify_collateral_max_age: must be a whole number of seconds"),
    ({"verify_collateral_max_age": True}, "verify_collateral_max_age: must be a whole number of seconds"),
    ({"verify_learn": True}, "verify_learn: needs verify_policy_file"),
    ({"verify_learn": True, "verify_policy_file": "golden.json", "verify_attest": False},
     "verify_learn: needs verify_attest=true"),
    ({"verify_policy_file": "/nonexistent/golden.json"},
     "verify_policy_file: /nonexistent/golden.json does not exist; learn it first with verify_learn=true"),
    ({"verify_learn": True, "verify_policy_file": "golden.json", "verify_learn_from": "web-9",
      "play_hosts": ["web-1", "web-2"]},
     "verify_learn_from: web-9 is not a host of this play; give one of web-1, web-2"),
    ({"verify_learn_from": "web-1", "play_hosts": ["web-1"]},
     "verify_learn_from: needs verify_learn=true"),
])
def test_each_setting_that_cannot_work_is_one_line_naming_it(changes, error):
    errors = verify_input_errors(dict(GOOD, **changes))
    assert len(errors) == 1 and errors[0].startswith(error), errors


def test_an_empty_collateral_dir_is_fine_without_attestation_and_files_that_exist_are_fine(tmp_path):
    root = tmp_path / "root.der"
    root.write_bytes(b"\x30")
    assert verify_input_errors(dict(GOOD, verify_attest=False, verify_collateral_dir="",
                                    verify_testing_root_ca=str(root), verify_policy_file=str(root))) == []
