"""confidential.tdx.site on real test hosts: a failed batch stops the rollout, the report says why.

Three hosts, one per batch (tdx_batch_size=1). The second host's zone has no
capacity, so its batch fails and the third batch never starts. The rollout
runs once for this module (about two minutes, most of it hardening and
verifying the first host over SSH); the tests below read what it left: the
fleet report, the emulator's instances and test hosts, what the inventory
plugin sees, and what teardown removes (teardown is the module's last test).
"""

import json
import subprocess

import pytest

from tests.hosts.fleet.conftest import TESTHOSTS
from tests.fixtures.testhosts import TEST_HOST_TIMEOUT_SECONDS
from tests.hosts.fleet.harness import FAST_HARDEN, FLEET_GROUP, FleetHarness

pytestmark = [pytest.mark.integration, pytest.mark.timeout(TEST_HOST_TIMEOUT_SECONDS)]

HOSTS = {
    "fleet-1": {"zone": "us-central1-a"},
    "fleet-2": {"zone": "us-central1-b"},   # stocked out below: its batch fails
    "fleet-3": None,                        # the defaults' zones; never reached
}
STOCKED_OUT = "us-central1-b"


@pytest.fixture(scope="module")
def rollout(backed_emulator, backed_key, tmp_path_factory):
    backed_emulator.admin.reset()
    backed_emulator.admin.configure(stocked_out_zones=[STOCKED_OUT])
    fleet = FleetHarness(backed_emulator, backed_key, tmp_path_factory.mktemp("rollout"), backed_emulator.project)
    group_vars = dict(FAST_HARDEN, verify_enforce=False)
    fleet.write_inventory(HOSTS, group_vars=group_vars)
    run = fleet.playbook("site", extra_vars={"tdx_batch_size": 1, "tdx_max_fail_percentage": 0})
    return fleet, run


def inserted_names(fleet):
    return [entry["body"]["name"] for entry in fleet.admin.requests()
            if entry["method"] == "POST" and entry["path"].endswith("/instances")]


def cloud_calls(run):
    """(host, status) of every gce_instance run of the provision role in a playbook run."""
    return [(entry["host"], entry["status"]) for entry in run.results
            if entry["task"].endswith("Take this host's instance from the batch's call")]


def listed_test_hosts():
    listing = subprocess.run([TESTHOSTS, "list", "--json"], capture_output=True, text=True, check=True)
    return set(row["name"] for row in json.loads(listing.stdout))


def test_the_failed_batch_stops_the_rollout_before_the_next_batch(rollout):
    fleet, run = rollout
    assert not run.ok, run.output[-3000:]
    # fleet-1 went through all three stages; fleet-2's insert failed; fleet-3 was never asked for.
    assert inserted_names(fleet) == ["fleet-1", "fleet-2"]
    assert set(fleet.instances()) == {"fleet-1"}
    assert set(fleet.backing_hosts()) == {"fleet-1"}
    assert run.status("Record the verdict", host="fleet-1") == "ok"
    assert "fleet-3" not in [entry["host"] for entry in run.results]


def test_the_report_names_the_failed_host_and_why(rollout):
    fleet, run = rollout
    rows = fleet.report_rows()
    assert set(rows) == set(HOSTS)

    first = rows["fleet-1"]
    assert (first["provisioned"], first["hardened"], first["verified"]) == (True, True, False)
    assert first["zone"] == "us-central1-a"
    assert first["address"] == fleet.backing_hosts()["fleet-1"]["address"]
    # Report mode, and the truth: a container is not a TDX trust domain. It has no quote service, so
    # the first reason is the attestation's; what the host says about itself follows (verify_failures).
    assert first["why"].startswith("not verified (verify_enforce is false): attestation: quote: ")

    second = rows["fleet-2"]
    assert (second["provisioned"], second["hardened"], second["verified"]) == (False, None, None)
    assert second["why"].startswith("provision failed: ")
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in second["why"] and STOCKED_OUT in second["why"]

    third = rows["fleet-3"]
    assert (third["provisioned"], third["hardened"], third["verified"]) == (None, None, None)
    assert third["why"] == "not reached: its batch had not started"

    assert fleet.report()["rollout"] == "in progress"
    # Printed when the failure stopped the rollout, since Ansible runs nothing after that.
    shown = run.result("Show the fleet report", host="fleet-2")["msg"]
    assert shown[0] == ("TDX fleet report: 3 hosts, 1 provisioned, 1 hardened, 0 verified, 0 attested, 1 refused "
                        "(rollout not finished)")
    assert [line.split()[0] for line in shown[2:]] == ["fleet-1", "fleet-2", "fleet-3"]
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in shown[3]
    assert fleet.report_text().splitlines() == shown


def test_the_inventory_plugin_finds_the_backed_host_and_ssh_works_through_it(rollout):
    fleet, _ = rollout
    listed = fleet.inventory()
    hostvars = listed["_meta"]["hostvars"]
    # Exactly the TDX instances the emulator holds; the static file still declares all three.
    assert set(listed["gce_confidential_tdx"]["hosts"]) == {"fleet-1"}
    assert set(listed[FLEET_GROUP]["hosts"]) == set(HOSTS)
    backing = fleet.backing_hosts()["fleet-1"]
    assert hostvars["fleet-1"]["ansible_host"] == backing["address"]
    assert hostvars["fleet-1"]["gce"]["status"] == "RUNNING"

    # A plain play over the plugin's group: the address comes from the API, the login is real SSH.
    login = fleet.plays([{
        "name": "log in through the inventory plugin", "hosts": "gce_confidential_tdx", "gather_facts": False,
        "tasks": [{"name": "hostname", "ansible.builtin.command": "hostname", "changed_when": False}],
    }])
    assert login.ok, login.output[-3000:]
    assert login.result("hostname", host="fleet-1")["stdout"] == backing["host"]


def test_teardown_removes_the_instances_and_their_test_hosts(rollout):
    fleet, _ = rollout
    host_name = fleet.backing_hosts()["fleet-1"]["host"]
    assert host_name in listed_test_hosts()

    first = fleet.playbook("teardown")
    assert first.ok, first.output[-3000:]
    assert fleet.instances() == {}
    assert fleet.backing_hosts() == {}
    assert host_name not in listed_test_hosts()
    assert sorted(cloud_calls(first)) == [("fleet-1", "changed"), ("fleet-2", "ok"), ("fleet-3", "ok")]

    again = fleet.playbook("teardown")
    assert again.ok, again.output[-3000:]
    assert sorted(cloud_calls(again)) == [("fleet-1", "ok"), ("fleet-2", "ok"), ("fleet-3", "ok")]
