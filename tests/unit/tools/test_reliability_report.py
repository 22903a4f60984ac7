"""tools/reliability-report counts what the tests recorded, wherever they live, and make reliability runs them all."""

import ast
import json
import os
import re
import subprocess
import sys

from tests.unit.tools.conftest import TOOLS_DIR

REPO_ROOT = os.path.dirname(TOOLS_DIR)
REPORT = os.path.join(TOOLS_DIR, "reliability-report")
LOGIN_TEST = "tests/hosts/login/test_site_on_google_logins.py::test_after_site_the_oslogin_user_logs_in_again"
SAFETY_TEST = "tests/reliability/test_hardening_safety.py::test_after_harden_the_login_that_ran_it_still_works"


def report(tmp_path, entries, tests):
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"finished": "2026-12-02T00:00:00Z", "entries": entries, "tests": tests}))
    return subprocess.run([sys.executable, REPORT, str(results)], capture_output=True, text=True, check=False)


def hardening(case, test, problems=()):
    return {"kind": "hardening", "case": case, "problems": list(problems), "test": test, "test_outcome": "passed"}


def test_hardening_checks_recorded_by_the_login_tests_count_in_the_figures(tmp_path):
    entries = [hardening("after harden the login that ran it still works", SAFETY_TEST),
               hardening("after site the OS Login user logs in again, sudo works", LOGIN_TEST)]
    tests = {SAFETY_TEST: "passed", LOGIN_TEST: "passed", "tests/unit/test_other.py::test_x": "failed"}
    printed = report(tmp_path, entries, tests)
    assert printed.returncode == 0, printed.stdout + printed.stderr
    assert "2 safety checks on real test hosts: 2 held, 0 did not" in printed.stdout
    assert "ok   after site the OS Login user logs in again, sudo works" in printed.stdout
    # Counted: the reliability test and the login test that recorded; a test that recorded nothing is not.
    assert re.search(r"^Tests .*: 2 passed$", printed.stdout, re.M), printed.stdout


def test_a_login_check_that_did_not_hold_fails_the_report(tmp_path):
    entries = [hardening("after site the OS Login user logs in again, sudo works", LOGIN_TEST,
                         ["erin_example_com cannot log in any more"])]
    printed = report(tmp_path, entries, {LOGIN_TEST: "failed"})
    assert printed.returncode == 1
    assert "1 safety checks on real test hosts: 0 held, 1 did not" in printed.stdout
    assert "failed %s" % LOGIN_TEST in printed.stdout
    assert "NOT HELD" in printed.stdout and "cannot log in any more" in printed.stdout


def _makefile_reliability_tests():
    with open(os.path.join(REPO_ROOT, "Makefile")) as handle:
        found = re.search(r"^RELIABILITY_TESTS := (.+)$", handle.read(), re.M)
    assert found, "the Makefile has no RELIABILITY_TESTS"
    return found.group(1).split()


def _tests_that_take_the_ledger():
    """Test files with a test function that takes the ``ledger`` fixture."""
    found = []
    for folder, _, files in os.walk(os.path.join(REPO_ROOT, "tests")):
        for name in files:
            if not (name.startswith("test_") and name.endswith(".py")):
                continue
            path = os.path.join(folder, name)
            with open(path) as handle:
                tree = ast.parse(handle.read())
            if any(isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                   and "ledger" in [argument.arg for argument in node.args.args] for node in ast.walk(tree)):
                found.append(os.path.relpath(path, REPO_ROOT))
    return sorted(found)


def test_make_reliability_runs_every_test_that_records_a_check():
    folders = _makefile_reliability_tests()
    recording = _tests_that_take_the_ledger()
    assert "tests/hosts/login/test_site_on_google_logins.py" in recording
    outside = [path for path in recording if not any(path.startswith(folder.rstrip("/") + "/") for folder in folders)]
    assert outside == [], "make reliability does not run these tests that record checks: %s" % outside
