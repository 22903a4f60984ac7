"""tdx_collateral and quote_verify as actions: they run in the controller's worker, whichever host the task is for.

The work itself (module_utils/attestation/collateral_task.py and
verify_task.py) is proven through the modules' main() in tests/unit and
tests/playbooks/attestation/test_tdx_collateral.py; what only
ansible-playbook shows is that the action runs it without a module run or a
connection to the host, and turns its failures into the same failed result.
"""

import sys

import pytest

from tests.playbooks.attestation.materials import b64, tdx_pki
from tests.playbooks.playbook import run_playbook

pytestmark = pytest.mark.integration

# A host of TEST-NET-1 (RFC 5737) on SSH: a module run or any connection to it fails as unreachable.
NOWHERE = {"all": {"hosts": {"far-away": {
    "ansible_host": "192.0.2.1", "ansible_connection": "ssh", "ansible_ssh_common_args": "-o ConnectTimeout=2",
    "ansible_python_interpreter": sys.executable}}}}


def play(tasks):
    return {"name": "actions", "hosts": "all", "gather_facts": False, "tasks": tasks}


def test_both_run_on_the_controller_for_a_host_that_cannot_be_reached(tmp_path):
    case = tdx_pki.build_case(platform=tdx_pki.Platform(fmspc="B0C06F000000"))
    root = tmp_path / "root.der"
    root.write_bytes(case.root_der)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "B0C06F000000-platform.json").write_text(case.collateral.to_json())
    tasks = [
        {"name": "collateral", "confidential.tdx.tdx_collateral": {
            "quotes": [b64(case.quote)], "cache_dir": str(cache_dir), "offline": True, "endorsements": False}},
        {"name": "verify", "confidential.tdx.quote_verify": {
            "quotes": {"far-away": {"quote": b64(case.quote), "report_data": case.body.report_data.hex()}},
            "collateral_dir": str(cache_dir), "testing_root_ca": str(root)}},
    ]
    run = run_playbook([play(tasks)], tmp_path, inventory=NOWHERE)
    assert run.ok, run.output[-3000:]
    assert run.status("collateral") == "ok" and run.result("collateral")["entries"][0]["status"] == "cached"
    assert run.status("verify") == "ok"
    assert run.result("verify")["verdicts"]["far-away"]["verdict"] == "test root"
    # Remembered in the controller's cache by the action, not on any host.
    assert (cache_dir / "tcb-evaluation-numbers.json").exists()


def test_failures_are_failed_results_with_one_line_and_what_was_done(tmp_path):
    case = tdx_pki.build_case(platform=tdx_pki.Platform(fmspc="B0C06F000000"))
    tasks = [
        # Nothing listens on port 9: the fetch fails, and the result still says what was found and called.
        {"name": "fetch fails", "confidential.tdx.tdx_collateral": {
            "quotes": [b64(case.quote)], "cache_dir": str(tmp_path / "cache"), "pccs_url": "http://127.0.0.1:9",
            "endorsements": False, "retries": 0, "timeout": 2}, "ignore_errors": True},
        {"name": "bad policy", "confidential.tdx.quote_verify": {
            "quote": b64(case.quote), "report_data": "00" * 64, "collateral_dir": str(tmp_path / "cache"),
            "policy": {"no_such_key": 1}}, "ignore_errors": True},
        {"name": "both forms", "confidential.tdx.quote_verify": {
            "quote": b64(case.quote), "quotes": [], "collateral_dir": str(tmp_path)}, "ignore_errors": True},
        {"name": "unknown option", "confidential.tdx.tdx_collateral": {
            "fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "offline": True, "colour": "blue"},
         "ignore_errors": True},
    ]
    run = run_playbook([play(tasks)], tmp_path, inventory=NOWHERE)
    fetch = run.result("fetch fails")
    assert run.status("fetch fails") == "failed", fetch
    assert fetch["msg"].startswith("B0C06F000000-platform: ") and "\n" not in fetch["msg"]
    assert fetch["fetched"] == 0 and fetch["calls"] >= 1 and fetch["entries"][0]["status"] == "missing"
    policy = run.result("bad policy")
    assert run.status("bad policy") == "failed" and "no_such_key" in policy["msg"] and "\n" not in policy["msg"]
    assert run.status("both forms") == "failed" and "mutually exclusive" in run.result("both forms")["msg"]
    assert run.status("unknown option") == "failed" and "colour" in run.result("unknown option")["msg"]
