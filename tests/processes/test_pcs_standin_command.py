"""tools/pcs_standin as a command (python -m pcs_standin), and what it imports from a clean start.

The stand-in over real HTTP, held to dcap-qvl and Intel's formats: tests/unit/tools/test_pcs_standin.py.
"""

import json
import os
import subprocess
import sys

import pytest

import tdx_pki  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)
from tests.pcs_standin_client import FMSPC, NOW, get

TOOLS_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "tools"))


@pytest.fixture(scope="module")
def case():
    return tdx_pki.build_case(now=NOW)


def test_command_line_serves_a_directory_until_terminated(tmp_path, case):
    (tmp_path / "b0c06f.json").write_text(case.collateral.to_json())
    process = subprocess.Popen([sys.executable, "-m", "pcs_standin", "--collateral-dir", str(tmp_path), "--port", "0"],
                               env=dict(os.environ, PYTHONPATH=TOOLS_DIR), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert get(url + "/tdx/certification/v4/tcb?fmspc=" + FMSPC)[0] == 200
        assert json.loads(get(url + "/_standin/requests")[2])[0]["path"] == "/tdx/certification/v4/tcb"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    process.stdout.close()
    process.stderr.close()
    bad = subprocess.run([sys.executable, "-m", "pcs_standin", "--collateral-dir", str(tmp_path / "missing")],
                         env=dict(os.environ, PYTHONPATH=TOOLS_DIR), capture_output=True, text=True)
    assert bad.returncode == 2 and "is not a directory" in bad.stderr


def test_the_standin_imports_neither_the_collection_nor_the_pki_nor_dcap_qvl():
    code = "import sys, pcs_standin; " \
           "bad = [m for m in sys.modules " \
           "       if m.startswith(('dcap_qvl', 'ansible_collections', 'plugins', 'tdx_pki'))]; " \
           "assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=TOOLS_DIR), check=True)
