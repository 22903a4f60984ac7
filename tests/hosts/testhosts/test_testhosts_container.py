"""One real test host: started by the command, reached over real SSH, removed.

Needs root and systemd-nspawn; the first run on a machine also builds the
cached base image (debootstrap from the Debian mirror, about a minute).
"""

import json
import os
import subprocess

import pytest
import yaml

from tests.fixtures.testhosts import marks_for_test_hosts

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COMMAND = os.path.join(REPO_ROOT, "tools", "testhosts", "testhosts")

pytestmark = marks_for_test_hosts()


def run_testhosts(*args, timeout=900):
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, timeout=timeout, check=False)


def ssh(host, *command):
    argv = [
        "ssh", "-i", host["ansible_ssh_private_key_file"], "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5",
        "-o", "UserKnownHostsFile=%s" % host["testhost_known_hosts"],
        "%s@%s" % (host["ansible_user"], host["ansible_host"]), *command,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def running_host(tmp_path):
    name = "pyt-%d" % (os.getpid() % 100000)
    inventory_path = tmp_path / "inventory.yml"
    started = run_testhosts("up", name, "--inventory", str(inventory_path))
    try:
        assert started.returncode == 0, started.stderr
        hosts = yaml.safe_load(inventory_path.read_text())["all"]["hosts"]
        yield name, hosts[name]
    finally:
        stopped = run_testhosts("down", name)
        assert stopped.returncode == 0, stopped.stderr


def test_a_started_host_is_a_booted_systemd_machine_reached_over_ssh(running_host):
    name, host = running_host
    state = ssh(host, "systemctl", "is-system-running", "--wait")
    assert state.returncode != 255, "SSH login failed: %s" % state.stderr
    if state.stdout.strip() == "degraded":
        failed = ssh(host, "systemctl", "--failed", "--plain", "--no-legend")
        print("degraded; failed units:\n%s" % failed.stdout)
    assert state.stdout.strip() in ("running", "degraded")

    identity = ssh(host, "hostname; sudo -n id -u; cat /etc/machine-id")
    assert identity.returncode == 0, identity.stderr
    hostname, root_uid, machine_id = identity.stdout.split()
    assert (hostname, root_uid) == (name, "0")
    assert len(machine_id) == 32

    assert host["ansible_become"] is True
    assert host["testhost_password"] == "tester-password"


def test_down_leaves_nothing_behind(tmp_path):
    name = "pyd-%d" % (os.getpid() % 100000)
    inventory_path = tmp_path / "inventory.yml"
    assert run_testhosts("up", name, "--inventory", str(inventory_path)).returncode == 0
    host = yaml.safe_load(inventory_path.read_text())["all"]["hosts"][name]

    first = run_testhosts("down", name)
    second = run_testhosts("down", name)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0 and "is not up" in second.stderr
    listed = json.loads(run_testhosts("list", "--json").stdout)
    assert name not in [row["name"] for row in listed]
    assert not os.path.exists("/sys/class/net/ve-%s" % name)
    with open("/proc/self/mountinfo", encoding="utf-8") as mounts:
        assert "/%s/" % name not in mounts.read()
    assert ssh(host, "true").returncode == 255
