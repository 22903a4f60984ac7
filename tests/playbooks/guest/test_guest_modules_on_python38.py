"""The guest modules through ansible-playbook on Python 3.8, the oldest managed-host Python they support.

Guests may run an old Python with nothing but its standard library; this
runs the real modules, shipped by AnsiballZ, under such an interpreter on
this machine's own (non-TDX) kernel.
"""

import glob
import os
import shutil
import subprocess

import pytest

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from ..playbook import localhost_play, run_playbook

pytestmark = pytest.mark.integration


def _python38():
    candidates = [os.environ.get("TDX_OLDEST_PYTHON"), shutil.which("python3.8")]
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3.8"))
    candidates += sorted(glob.glob("/usr/local/bin/python3.8")) + sorted(glob.glob("/usr/bin/python3.8"))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            version = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                     capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            continue
        if version == "(3, 8)":
            return candidate
    return None


PYTHON38 = _python38()


@pytest.mark.skipif(PYTHON38 is None, reason="no Python 3.8 interpreter found (set TDX_OLDEST_PYTHON to one)")
def test_guest_modules_run_on_python38_with_the_standard_library_only(tmp_path):
    report = tmp_path / "debug.tdreport"
    report.write_bytes(build.tdreport(td_attributes=build.DEBUG | build.SEPT_VE_DISABLE)[0])
    tasks = [
        {"name": "info", "confidential.tdx.guest_info": {}},
        {"name": "info from a stored report", "confidential.tdx.guest_info": {"tdreport_file": str(report)}},
        {"name": "quote", "confidential.tdx.guest_quote": {"tsm_report_dir": str(tmp_path / "no-tsm")},
         "ignore_errors": True},
    ]
    inventory = {"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": PYTHON38}}}}
    # No user site-packages: the modules get the standard library and what AnsiballZ ships.
    run = run_playbook([localhost_play(tasks)], tmp_path, inventory=inventory,
                       env={"PYTHONNOUSERSITE": "1"})
    assert run.ok, run.output
    info = run.result("info")
    assert info["tdx"]["active"] is False
    assert info["tdx"]["reason"].startswith("not ")
    stored = run.result("info from a stored report")
    assert stored["tdx"]["debug"] is True
    assert stored["tdx"]["report"]["attributes"] == ["DEBUG", "SEPT_VE_DISABLE"]
    quote = run.result("quote")
    assert run.status("quote") == "failed"
    assert "no configfs-tsm report interface" in quote["msg"]
