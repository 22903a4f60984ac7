"""Backing mode: every running instance is a real systemd test host, reached over real SSH.

The lifecycle test boots real systemd-nspawn hosts through tools/testhosts
(root; the first run on a machine also builds the cached base image).
"""

import json
import os
import stat
import subprocess
import sys

import pytest
from google.oauth2 import service_account

from tests.fixtures.testhosts import marks_for_test_hosts

from .helpers import CLOUD_PLATFORM, ZONE, Compute, status_name, tdx_instance

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTHOSTS = os.path.join(REPO_ROOT, "tools", "testhosts", "testhosts")
sys.path.insert(0, os.path.join(REPO_ROOT, "tools"))

from gce_emulator import EmulatorServer  # noqa: E402
from gce_emulator.backing import (  # noqa: E402
    MAX_HOST_NAME, BackingUnavailable, NspawnBacking, _Host, host_name)
from gce_emulator.service_account import write_service_account_file  # noqa: E402

_TEST_HOST_MARKS = marks_for_test_hosts(base_image=False)


def needs_test_hosts(test):
    for mark in _TEST_HOST_MARKS:
        test = mark(test)
    return test


class _Handle:
    """What tests.emulator.helpers.Compute needs of an emulator."""

    def __init__(self, server):
        self.base_url = server.base_url
        self.admin = server.admin
        self.project = "tdx-test-project"


def _compute(server, tmp_path):
    key = tmp_path / "key.json"
    write_service_account_file(server.admin, server.base_url, str(key), "tdx-test-project")
    credentials = service_account.Credentials.from_service_account_file(str(key), scopes=[CLOUD_PLATFORM])
    return Compute(_Handle(server), credentials)


def _listed_hosts():
    listing = subprocess.run([TESTHOSTS, "list", "--json"], capture_output=True, text=True, check=True)
    return {row["name"]: row for row in json.loads(listing.stdout)}


def _ssh_hostname(address):
    key = os.path.join(os.environ.get("TESTHOSTS_STATE") or "/run/confidential-tdx-testhosts", "id_ed25519")
    return subprocess.run(
        ["ssh", "-i", key, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
         "tester@%s" % address, "hostname"],
        capture_output=True, text=True, timeout=60, check=False)


def _power(compute, verb, name):
    return compute.wait(getattr(compute.instances, verb + "_unary")(project=compute.project, zone=ZONE,
                                                                   instance=name))


def test_host_names_are_valid_short_and_distinct_per_place():
    long_name = "tdx-" + "x" * 59
    names = {
        host_name("run1", "p", "us-central1-a", "tdx-1"),
        host_name("run1", "p", "us-central1-b", "tdx-1"),
        host_name("run1", "other", "us-central1-a", "tdx-1"),
        host_name("run2", "p", "us-central1-a", "tdx-1"),
        host_name("run1", "p", "us-central1-a", long_name),
    }
    assert len(names) == 5
    assert all(len(name) <= MAX_HOST_NAME and name[0].isalpha() and not name.endswith("-") for name in names)
    assert host_name("run1", "p", "us-central1-a", "tdx-1").startswith("tdx-1-")


def test_a_machine_that_cannot_back_instances_is_told_why():
    with pytest.raises(BackingUnavailable, match="backing mode needs"):
        NspawnBacking(command="/nonexistent/testhosts")


def test_the_launcher_refuses_backing_it_cannot_do_in_one_line(tmp_path):
    """Without systemd-nspawn on PATH the launcher stops before serving, with one line."""
    environment = dict(os.environ, PATH=str(tmp_path))
    completed = subprocess.run([sys.executable, "-m", "tools.gce_emulator", "--backing", "testhosts"],
                               env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                               check=False)
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m tools.gce_emulator: error: backing mode needs"), completed.stderr


@needs_test_hosts
def test_a_host_that_fails_to_boot_fails_the_operation_and_leaves_no_instance(tmp_path):
    """The test host command stands in for a boot that fails (backing mode still checks root and nspawn)."""
    failing = tmp_path / "testhosts"
    failing.write_text("#!/bin/sh\n"
                       "case \"$1\" in up) echo 'testhosts: error: no free 169.254.N.0/24 subnet left' >&2; exit 1;;\n"
                       "list) echo '[]';; esac\nexit 0\n")
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    with EmulatorServer(port=0, operation_seconds=0.1) as server:
        server.world.backing = NspawnBacking(command=str(failing))
        compute = _compute(server, tmp_path)
        operation = compute.wait(compute.insert(tdx_instance("tdx-no-boot")))
        assert [error.code for error in operation.error.errors] == ["EMULATOR_BACKING_HOST_FAILED"]
        assert "no free 169.254.N.0/24 subnet left" in operation.error.errors[0].message
        assert server.admin.instances() == []
        server.world.backing.close()


@needs_test_hosts
def test_instances_are_real_hosts_from_insert_to_shutdown(tmp_path):
    server = EmulatorServer(port=0, operation_seconds=0.3, backing="testhosts").start()
    try:
        compute = _compute(server, tmp_path)
        first = compute.insert(tdx_instance("tdx-backed-1", external_ip=True))
        second = compute.insert(tdx_instance("tdx-backed-2"))
        # Not DONE while the hosts boot: RUNNING will mean reachable.
        assert compute.get("tdx-backed-1").status in ("PROVISIONING", "STAGING")
        assert status_name(compute.wait(first)) == "DONE" and status_name(compute.wait(second)) == "DONE"

        hosts = {row["instance"]: row for row in server.admin.backing_hosts()}
        one = compute.get("tdx-backed-1")
        nic = one.network_interfaces[0]
        assert one.status == "RUNNING"
        assert nic.network_i_p == nic.access_configs[0].nat_i_p == hosts["tdx-backed-1"]["address"]
        assert not compute.get("tdx-backed-2").network_interfaces[0].access_configs
        login = _ssh_hostname(nic.network_i_p)
        assert login.returncode == 0, login.stderr
        assert login.stdout.strip() == hosts["tdx-backed-1"]["host"]
        assert set(_listed_hosts()) >= {hosts["tdx-backed-1"]["host"], hosts["tdx-backed-2"]["host"]}

        assert not _power(compute, "stop", "tdx-backed-1").error.errors
        assert compute.get("tdx-backed-1").status == "TERMINATED"
        assert hosts["tdx-backed-1"]["host"] not in _listed_hosts()
        assert _ssh_hostname(nic.network_i_p).returncode == 255

        assert not _power(compute, "start", "tdx-backed-1").error.errors
        restarted = compute.get("tdx-backed-1").network_interfaces[0].network_i_p
        assert _ssh_hostname(restarted).returncode == 0

        assert not _power(compute, "delete", "tdx-backed-1").error.errors
        assert [i["name"] for i in server.admin.instances()] == ["tdx-backed-2"]
        assert hosts["tdx-backed-1"]["host"] not in _listed_hosts()
    finally:
        server.stop()
    assert hosts["tdx-backed-2"]["host"] not in _listed_hosts(), "the emulator's shutdown left a test host up"


class _MetadataRecorder:
    """Stands in for the hosts' metadata server: notes when each host stops being answered."""

    def __init__(self, log):
        self.log = log

    def detach(self, key):
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write("detach %s\n" % key[2])

    def close(self):
        pass


@needs_test_hosts
@pytest.mark.parametrize("how", ["halt", "close"])
def test_a_halting_host_is_answered_by_its_metadata_server_until_it_is_down(tmp_path, how):
    """As on Compute Engine: the guest agent's shutdown scripts read the metadata while the host stops."""
    log = tmp_path / "calls"
    command = tmp_path / "testhosts"
    command.write_text("#!/bin/sh\necho \"$1 $2\" >> %s\n[ \"$1\" = list ] && echo '[]'\nexit 0\n" % log)
    command.chmod(command.stat().st_mode | stat.S_IXUSR)
    backing = NspawnBacking(command=str(command))
    backing.metadata = _MetadataRecorder(str(log))
    key = ("tdx-test-project", ZONE, "tdx-halting")
    # A host the backing holds as running, without booting one: the command above stands in for testhosts.
    host = backing._hosts[key] = _Host(host_name(backing.run_tag, *key), key)  # pylint: disable=protected-access
    host.state = "running"
    if how == "halt":
        assert backing.halt(key)
        host.thread.join(timeout=60)
    backing.close()
    calls = log.read_text().splitlines()
    assert calls.index("down %s" % host.name) < calls.index("detach tdx-halting"), calls
