"""tools/tdx_pki as a command (python -m tdx_pki), and what it imports from a clean start.

Its library, held to dcap-qvl and Intel's certificates: tests/unit/tools/test_tdx_pki.py.
"""

import datetime
import json
import os
import subprocess
import sys

import pytest

dcap_qvl = pytest.importorskip("dcap_qvl", reason="dcap-qvl is the judge of the test PKI (pip install dcap-qvl)")

NOW = int(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc).timestamp())
TOOLS_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "tools"))


def test_command_line_writes_a_pki_collateral_and_a_quote_over_stdin(tmp_path):
    def run(*args, **kwargs):
        return subprocess.run([sys.executable, "-m", "tdx_pki"] + list(args),
                              env=dict(os.environ, PYTHONPATH=TOOLS_DIR),
                              capture_output=True, check=True, **kwargs)

    directory = str(tmp_path / "pki")
    run("init", directory, "--fmspc", "00A06F000000")
    run("collateral", directory, "--out", str(tmp_path / "collateral.json"), "--status", "SWHardeningNeeded",
        "--now", "2026-03-01T12:00:00Z", "--tcb-evaluation-data-number", "18")
    report_data = bytes(range(64))
    quote = run("quote", directory, "--report-data-file", "-", "--out", "-", "--version", "5", "--tdx15",
                input=report_data).stdout
    collateral = dcap_qvl.QuoteCollateralV3.from_json((tmp_path / "collateral.json").read_text())
    report = dcap_qvl.verify_with_root_ca(quote, collateral, (tmp_path / "pki" / "root.der").read_bytes(), NOW)
    assert report.status == "SWHardeningNeeded"
    # A newer evaluation by Intel (what a TCB recovery publishes): the number in the TCB info and QE identity.
    written = json.loads((tmp_path / "collateral.json").read_text())
    assert [json.loads(written[key])["tcbEvaluationDataNumber"] for key in ("tcb_info", "qe_identity")] == [18, 18]
    assert dcap_qvl.parse_quote(quote).report.report_data == report_data
    assert dcap_qvl.parse_quote(quote).fmspc() == "00A06F000000"
    bad = subprocess.run([sys.executable, "-m", "tdx_pki", "quote", directory, "--report-data-file", "-",
                          "--out", "-"], env=dict(os.environ, PYTHONPATH=TOOLS_DIR), input=b"short",
                         capture_output=True)
    assert bad.returncode == 2 and b"exactly 64 bytes" in bad.stderr


def test_the_double_imports_neither_the_collection_nor_its_judge():
    code = "import sys, tdx_pki; tdx_pki.build_case(); " \
           "bad = [m for m in sys.modules if m.startswith(('dcap_qvl', 'ansible_collections', 'plugins'))]; " \
           "assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=TOOLS_DIR), check=True)
