"""tools/reliability-report, run as make reliability runs it, counts what the tests recorded, wherever they live.

That make reliability runs every test that records a check:
tests/unit/tools/test_reliability_report.py.
"""

import json
import os
import re
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORT = os.path.join(REPO_ROOT, "tools", "reliability-report")
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
