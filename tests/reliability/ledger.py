"""The reliability tests' own account of what they tried and how it went (pytest plugin).

A test takes the ``ledger`` fixture and records one entry per case it
checked: a fault injected into a write path, a bad input, a batch of fuzz
inputs, a secret scan, a hardening safety check. Each entry carries the
test's own verdict (``problems``: what went wrong, empty when the case held).
Entries travel with pytest's reports (``user_properties``), so they reach
the controlling process under pytest-xdist too, and are written there at
the end of the session as JSON, with each test's outcome, to
``$CONFIDENTIAL_TDX_RELIABILITY_RESULTS`` (default
``build/reliability/results.json``). ``tools/reliability-report`` prints the
report from that file; nothing in the report is typed in by hand.

Registered in tests/conftest.py, so the file is written whichever way pytest
was started.
"""

import json
import os
import time

import pytest

PROPERTY = "confidential_tdx_reliability"
RESULTS_VARIABLE = "CONFIDENTIAL_TDX_RELIABILITY_RESULTS"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_RESULTS = os.path.join(REPO_ROOT, "build", "reliability", "results.json")
KINDS = ("fault", "bad_input", "fuzz", "secret_scan", "hardening", "attestation")


class Ledger:
    """What one test records; ``record`` returns the entry so the test can assert on it too."""

    def __init__(self, record_property):
        self._record_property = record_property

    def record(self, kind, case, problems=(), **facts):
        if kind not in KINDS:
            raise ValueError("ledger kind must be one of %s" % ", ".join(KINDS))
        entry = dict(facts, kind=kind, case=case, problems=[str(problem) for problem in problems])
        self._record_property(PROPERTY, json.loads(json.dumps(entry, default=str)))
        return entry


@pytest.fixture
def ledger(record_property):
    return Ledger(record_property)


class _Collector:
    def __init__(self):
        self.entries = []
        self.tests = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report):
        entries = [value for name, value in getattr(report, "user_properties", ()) if name == PROPERTY]
        if report.when == "call" or report.outcome != "passed":
            # A failing setup or teardown fails the test as well.
            previous = self.tests.get(report.nodeid)
            if previous is None or previous == "passed":
                self.tests[report.nodeid] = report.outcome
        if report.when == "teardown":
            for entry in entries:
                self.entries.append(dict(entry, test=report.nodeid))

    @pytest.hookimpl
    def pytest_sessionfinish(self, session):
        if not self.entries:
            return
        for entry in self.entries:
            entry["test_outcome"] = self.tests.get(entry["test"], "unknown")
        path = os.environ.get(RESULTS_VARIABLE) or DEFAULT_RESULTS
        os.makedirs(os.path.dirname(path), exist_ok=True)
        document = {
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pytest_args": list(session.config.invocation_params.args),
            "entries": self.entries,
            "tests": self.tests,
        }
        with open(path + ".tmp", "w") as handle:
            json.dump(document, handle, indent=1, sort_keys=True)
        os.replace(path + ".tmp", path)


def pytest_configure(config):
    # Only the process that sees every report writes the file: the xdist
    # controller, or pytest itself without xdist.
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Collector(), "confidential_tdx_reliability_ledger")
