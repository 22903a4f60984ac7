"""Role provision makes the instances of a batch with one gce_instance call (its fleet mode)."""

import os

import pytest

pytestmark = pytest.mark.integration

PER_HOST_TASK = "confidential.tdx.provision : Take this host's instance from the batch's call"


def role_listings(fleet):
    """The role's lookups by name (the inventory plugin lists by label instead)."""
    return [entry for entry in fleet.admin.requests() if entry["path"].endswith("/aggregated/instances")
            and "name eq" in entry["query"].get("filter", "")]


def inserts(fleet):
    return [entry["body"]["name"] for entry in fleet.admin.requests()
            if entry["method"] == "POST" and entry["path"].endswith("/instances")]


def test_a_batch_is_made_by_one_call_and_each_host_reports_its_own_instance(fleet):
    hosts = {"batch-1": {"zone": "us-central1-a"}, "batch-2": None, "batch-3": {"machine_type": "c3-standard-8"}}
    fleet.write_inventory(hosts, group_vars={"provision_wait": False})
    run = fleet.playbook("provision")
    assert run.ok, run.output[-3000:]
    assert set(fleet.instances()) == set(hosts)
    assert sorted(inserts(fleet)) == sorted(hosts)
    listings = role_listings(fleet)
    assert len(listings) == 2  # one to find the batch, one to read it back after the change
    assert listings[0]["query"]["filter"] == 'name eq "(batch-1|batch-2|batch-3)"'
    assert [run.status(PER_HOST_TASK, host=host) for host in sorted(hosts)] == ["changed"] * 3
    assert fleet.instances()["batch-3"]["machineType"].endswith("/c3-standard-8")
    for host in hosts:
        result = run.result("confidential.tdx.provision : Publish the outcome as provision_result", host=host)
        outcome = result["ansible_facts"]["provision_result"]
        assert outcome["name"] == host and outcome["changed"] is True and outcome["address"]

    fleet.admin.clear_requests()
    again = fleet.playbook("provision")
    assert again.ok, again.output[-3000:]
    assert [again.status(PER_HOST_TASK, host=host) for host in sorted(hosts)] == ["ok"] * 3
    assert len(role_listings(fleet)) == 1
    assert inserts(fleet) == []


def test_an_instance_that_fails_fails_its_own_host_only(fleet):
    fleet.admin.configure(stocked_out_zones=["us-central1-c"])
    fleet.write_inventory({"fine-1": {"zone": "us-central1-a"}, "full-1": {"zone": "us-central1-c"}},
                          group_vars={"provision_wait": False})
    run = fleet.playbook("provision")
    assert not run.ok
    assert set(fleet.instances()) == {"fine-1"}
    failure = run.result("confidential.tdx.provision : Fail the host whose instance could not be made to match "
                         "its entry", host="full-1")
    assert failure["msg"].startswith("create instance full-1 failed: ")
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in failure["msg"] and "\n" not in failure["msg"]
    assert run.status(PER_HOST_TASK, host="fine-1") == "changed"


def test_a_host_with_other_credentials_than_its_batch_is_refused_before_any_call(fleet, access_token):
    fleet.write_inventory({"first-1": {"zone": "us-central1-a"}, "other-1": {"zone": "us-central1-a"}},
                          group_vars={"provision_wait": False})
    os.makedirs(os.path.join(fleet.inventory_dir, "host_vars"), exist_ok=True)
    fleet._write("host_vars/other-1.yml", {"tdx_gcp": {"project": "another-project", "access_token": access_token,
                                                       "api_endpoint": fleet.base_url}})
    run = fleet.playbook("provision")
    assert not run.ok
    message = run.result("confidential.tdx.provision : Refuse a host whose project or credentials differ from the "
                         "first host of its batch, before any cloud call", host="other-1")["msg"]
    assert "host other-1: its provision_gcp (project, credentials or endpoint) differs from that of first-1" in message
    assert "\n" not in message.strip() and access_token not in run.output
    # The first host (the inventory lists hosts by name) goes on alone.
    assert set(fleet.instances()) == {"first-1"}


def test_list_mode_fails_naming_each_instance_that_failed(fleet):
    fleet.admin.configure(stocked_out_zones=["us-central1-c"])
    fleet.write_inventory({})
    run = fleet.plays([{"name": "two workers, one in a full zone", "hosts": "localhost", "gather_facts": False,
                        "roles": [{"role": "confidential.tdx.provision", "vars": {
                            "provision_wait": False, "provision_instance_defaults": {"zone": "us-central1-a"},
                            "provision_instances": [{"name": "list-ok"}, {"name": "list-full", "zone": "us-central1-c"}],
                        }}]}])
    assert not run.ok
    message = run.result("confidential.tdx.provision : Refuse to go on when a listed instance could not be made to "
                         "match its entry", host="localhost")["msg"]
    assert message.startswith("1 of 2 instances failed: list-full: create instance list-full failed: ")
    assert "\n" not in message
    assert set(fleet.instances()) == {"list-ok"}
