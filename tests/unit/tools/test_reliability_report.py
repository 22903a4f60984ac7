"""make reliability runs every test that records a check (what tools/reliability-report counts).

The report itself, run as a command: tests/processes/test_reliability_report.py.
"""

import ast
import os
import re

from tests.unit.tools.conftest import TOOLS_DIR

REPO_ROOT = os.path.dirname(TOOLS_DIR)


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
                text = handle.read()
            if "ledger" not in text:  # no need to parse it
                continue
            tree = ast.parse(text)
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
