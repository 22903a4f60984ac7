"""One real test host: started by the command, reached over real SSH, driven by Ansible, removed.

The smoke test of the test-host machinery: the host is a booted systemd
machine in a systemd-nspawn container, reached over SSH with strict host key
checking; Ansible, with the inventory the command wrote, makes its systemd
start a service (and a second run changes nothing) and gathers the facts only
a systemd host has. ``down`` leaves nothing behind. (Molecule's create and
destroy, molecule/shared, exercise the command in every scenario.)

Needs root and systemd-nspawn; the first run on a machine also builds the
cached base image (debootstrap from the Debian mirror, about a minute).
"""

import json
import os
import subprocess

import pytest
import yaml

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.playbooks.playbook import run_playbook

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COMMAND = os.path.join(REPO_ROOT, "tools", "testhosts", "testhosts")

pytestmark = marks_for_test_hosts()

# A unit that keeps a marker file, with the host's name, while it runs.
SMOKE_UNIT = """[Unit]
Description=testhosts smoke test service

[Service]
ExecStartPre=/bin/sh -c 'echo "$(hostname)" > /run/testhosts-smoke'
ExecStart=/bin/sleep infinity
ExecStopPost=/bin/rm -f /run/testhosts-smoke

[Install]
WantedBy=multi-user.target
"""


def smoke_tasks(suffix=""):
    return [
        {"name": "unit" + suffix, "ansible.builtin.copy": {
            "dest": "/etc/systemd/system/testhosts-smoke.service", "content": SMOKE_UNIT,
            "owner": "root", "group": "root", "mode": "0644"}},
        {"name": "start" + suffix, "ansible.builtin.systemd_service": {
            "name": "testhosts-smoke.service", "enabled": True, "state": "started", "daemon_reload": True}},
    ]


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


@pytest.fixture(scope="module")
def running_host(tmp_path_factory):
    """The module's one host; the last test takes it down, and the down here is then a no-op."""
    name = "pyt-%d" % (os.getpid() % 100000)
    inventory_path = tmp_path_factory.mktemp("testhost") / "inventory.yml"
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
    assert host["testhost_kind"] == "container"


def test_ansible_makes_systemd_start_a_service_and_sees_a_systemd_host(running_host, tmp_path):
    name, host = running_host
    inventory = {"all": {"hosts": {name: host}}}
    run = run_playbook([{"hosts": name, "gather_facts": False, "tasks": smoke_tasks() + smoke_tasks(" again") + [
        {"name": "facts", "ansible.builtin.setup": {"gather_subset": ["!all"]}},
    ]}], tmp_path, inventory=inventory)
    assert run.ok, run.output
    assert (run.status("unit", name), run.status("start", name)) == ("changed", "changed")
    # Idempotent: the same tasks again change nothing.
    assert (run.status("unit again", name), run.status("start again", name)) == ("ok", "ok")
    assert run.result("facts", name)["ansible_facts"]["ansible_service_mgr"] == "systemd"

    seen = ssh(host, "systemctl is-active testhosts-smoke.service ssh.service; cat /run/testhosts-smoke; "
                     "systemd-detect-virt")
    assert seen.returncode == 0, seen.stdout + seen.stderr
    assert seen.stdout.split() == ["active", "active", name, "systemd-nspawn"]


def test_down_leaves_nothing_behind(running_host):
    # Last in the module: it takes the module's host down (the fixture's own down then finds nothing up).
    name, host = running_host
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
