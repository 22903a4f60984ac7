"""guest_info's policy option: the same run that gathers the evidence judges it."""

import os

from ansible_collections.confidential.tdx.plugins.modules import guest_info

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from ...module_harness import run_module
from .test_guest_info import KERNEL_LOGS, make_tree, needs_root


def test_without_a_policy_there_is_no_verdict(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider=None, ccel=False, measurements=False)
    result = run_module(guest_info.main, dict(evidence_root=root))
    assert "verdict" not in result and "quote" not in result


def test_a_plain_vm_fails_the_default_policy_with_every_reason(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider=None, ccel=False, measurements=False)
    result = run_module(guest_info.main, dict(evidence_root=root, policy={}))
    assert not result.failed and not result.changed
    verdict = result["verdict"]
    assert verdict["verified"] is False
    assert [check["name"] for check in verdict["checks"]] == [
        "tdx_active", "cpu_flag", "kernel_log", "device", "debug", "sept_ve_disable"]
    assert verdict["failures"][0] == "tdx_active: " + result["tdx"]["reason"]
    assert "kernel_log: could not check: offline inspection has no live kernel log" in verdict["failures"][2]


@needs_root
def test_a_captured_debug_td_is_judged_with_measurements_and_an_offline_quote(tmp_path):
    report, expected = build.tdreport(td_attributes=build.DEBUG | build.SEPT_VE_DISABLE)
    (tmp_path / "debug.bin").write_bytes(report)
    result = run_module(guest_info.main, dict(
        evidence_root=make_tree(tmp_path / "root"),
        kernel_log_file=os.path.join(KERNEL_LOGS, "tdx-newer-kernel-debug-td.journal"),
        tdreport_file=str(tmp_path / "debug.bin"),
        policy=dict(required_evidence=["cpu_flag", "device"],
                    expected_measurements=dict(mrtd=expected["mrtd"].upper(), rtmr1="00" * 48),
                    quote=True)))
    assert not result.failed
    checks = dict((check["name"], check) for check in result["verdict"]["checks"])
    assert list(checks) == ["tdx_active", "cpu_flag", "device", "debug", "sept_ve_disable", "mrtd", "rtmr1", "quote"]
    assert checks["tdx_active"]["passed"] and checks["cpu_flag"]["passed"] and checks["device"]["passed"]
    assert not checks["debug"]["passed"] and "DEBUG attribute is set" in checks["debug"]["reason"]
    assert checks["mrtd"]["passed"]
    assert checks["rtmr1"]["reason"] == "rtmr1 is %s, expected %s" % (expected["rtmr1"], "00" * 48)
    assert checks["quote"]["reason"] == "no quote: offline inspection cannot ask the TDX module for a quote"
    assert result["quote"] == {"obtained": False, "msg": "offline inspection cannot ask the TDX module for a quote"}
    assert result["verdict"]["verified"] is False


def test_a_policy_option_that_is_not_known_fails_in_one_line(tmp_path):
    result = run_module(guest_info.main, dict(policy=dict(required_evidence=["cpu_flags"])))
    assert result.failed
    assert "required_evidence" in result["msg"] and "cpu_flags" in result["msg"]
    assert "\n" not in result["msg"]


def test_evidence_for_a_verifier_comes_with_the_same_run_or_says_why_not(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider=None, ccel=False, measurements=False)
    result = run_module(guest_info.main, dict(evidence_root=root, attest_report_data="ab" * 64))
    assert not result.failed
    assert result["attestation"] == {"msg": "offline inspection cannot ask the TDX module for a quote",
                                     "report_data": "ab" * 64}
    assert "attestation" not in run_module(guest_info.main, dict(evidence_root=root))


def test_attest_report_data_that_is_not_hex_fails_naming_it_before_anything_is_read(tmp_path):
    result = run_module(guest_info.main, dict(evidence_root=str(tmp_path / "missing"), attest_report_data="xyz"))
    assert result.failed and result["msg"].startswith("attest_report_data must be hexadecimal text")
