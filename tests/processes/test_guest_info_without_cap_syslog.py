"""guest_info in a root process without CAP_SYSLOG (setpriv), as in a container: the kernel refuses dmesg.

The module on this machine's real kernel and on fake evidence: tests/unit/plugins/modules/test_guest_info.py.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IS_ROOT = os.geteuid() == 0


@pytest.mark.skipif(not IS_ROOT, reason="dropping CAP_SYSLOG from a root process needs root")
@pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) is not installed")
def test_without_the_privilege_to_read_the_kernel_log_it_is_unchecked_not_missing(tmp_path):
    # Root without CAP_SYSLOG, as in a container, is refused by dmesg when
    # kernel.dmesg_restrict=1: a real refusal by the real kernel.
    with open("/proc/sys/kernel/dmesg_restrict") as handle:
        if handle.read().strip() != "1":
            pytest.skip("kernel.dmesg_restrict is 0 here, so dmesg without CAP_SYSLOG is not refused")
    script = (
        "import sys, json; sys.path[:0] = %r\n"
        "from tests.unit.module_harness import run_module\n"
        "from ansible_collections.confidential.tdx.plugins.modules import guest_info\n"
        "print(json.dumps(run_module(guest_info.main, {})))\n"
    ) % ([REPO_ROOT, os.path.join(REPO_ROOT, "build", "source-collections")],)
    completed = subprocess.run(["setpriv", "--bounding-set=-syslog", "--inh-caps=-syslog", sys.executable, "-c", script],
                               cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["tdx"]["active"] is False
    kernel_log = result["evidence"]["kernel_log"]
    assert kernel_log["status"] == "unchecked"
    assert kernel_log["detail"].startswith("dmesg: permission denied")
    assert "kernel_log" in result["tdx"]["evidence_unchecked"]
    assert "kernel_log" not in result["tdx"]["evidence_missing"]
    assert "could not check: kernel_log (dmesg: permission denied" in result["tdx"]["reason"]
