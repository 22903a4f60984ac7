"""The test PKI the hosts' configfs-tsm stand-in signs with, and the collateral the PCS stand-in serves for it.

For the end-to-end tests whose hosts attest (tests/hosts/verify, tests/hosts/fleet): one place that runs the
repository's tools as their own processes, as a user would.
"""

import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tool(*args):
    """``python -m ARGS`` from the repository root; its standard output, the test failing on a non-zero exit."""
    completed = subprocess.run([sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                               timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def standin_pki(work):
    """(PKI folder, folder of the collateral.json the PCS stand-in serves) made under ``work`` (a pathlib.Path)."""
    pki_dir = str(work / "pki")
    tool("tools.tdx_pki", "init", pki_dir)
    served = work / "served"
    served.mkdir()
    tool("tools.tdx_pki", "collateral", pki_dir, "--out", str(served / "collateral.json"))
    return pki_dir, served
