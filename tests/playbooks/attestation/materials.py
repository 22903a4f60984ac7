"""Evidence for the attestation tests: the real samples (shared/tdx-samples) and the test PKI (tools/tdx_pki).

Shared by the unit, integration and reliability tests of quote_verify and
tdx_collateral. Real quotes are read in place from the samples folder (a
test that needs them skips with the path it looked at); everything else is
made on demand by tools/tdx_pki, which knows nothing of the collection.
"""

import base64
import calendar
import json
import os
import sys
import time

import pytest

from tests.tdx_samples import SAMPLES_DIR

TOOLS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools"))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)

import tdx_pki  # noqa: E402  (tools/ is on sys.path from here on)

CASES_FILE = os.path.join(SAMPLES_DIR, "cases.json")


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unix(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def sample_cases():
    """The cases of shared/tdx-samples/cases.json (skips when the folder is absent)."""
    if not os.path.isfile(CASES_FILE):
        pytest.skip("real TDX samples are absent: no %s (set TDX_SAMPLES_DIR to the tdx-samples folder)" % CASES_FILE)
    with open(CASES_FILE) as handle:
        return json.load(handle)


def sample_case(name):
    for case in sample_cases():
        if case["case"] == name:
            return case
    pytest.skip("the samples have no case %r" % name)


def sample_quote(case):
    with open(os.path.join(SAMPLES_DIR, case["quote"]), "rb") as handle:
        return handle.read()


def sample_collateral_path(case):
    return os.path.join(SAMPLES_DIR, case["collateral"])


def sample_ids():
    """Case names for parametrize, read at collection time (empty when the samples are absent)."""
    if not os.path.isfile(CASES_FILE):
        return []
    with open(CASES_FILE) as handle:
        return [case["case"] for case in json.load(handle)]


class PkiEvidence:
    """A test-PKI case written to files: the quote (bytes, base64), its collateral file and the root file."""

    def __init__(self, case, directory, name="case"):
        self.case = case
        self.quote = case.quote
        self.quote_b64 = b64(case.quote)
        self.now = case.now
        self.verify_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(case.now))
        os.makedirs(directory, exist_ok=True)
        self.collateral = os.path.join(directory, "%s-collateral.json" % name)
        with open(self.collateral, "w") as handle:
            handle.write(case.collateral.to_json())
        self.root = os.path.join(directory, "test-root.der")
        with open(self.root, "wb") as handle:
            handle.write(case.root_der)


def pki_evidence(directory, status="UpToDate", name="case", **options):
    """build_case(status, **options) written to ``directory``."""
    return PkiEvidence(tdx_pki.build_case(status, **options), str(directory), name)
