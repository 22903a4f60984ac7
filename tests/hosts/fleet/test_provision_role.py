"""Role provision through ansible-playbook against the plain emulator (no hosts to log in to).

Check mode, refused entries, list mode and deletion: none of them needs the
instances to answer SSH, so provision_wait is off where an instance is made
and the emulator's instances are records only. The waits themselves are
covered on real test hosts in test_rollout.py.
"""

import json

import pytest

pytestmark = pytest.mark.integration

CLOUD_TASK = "Take this host's instance from the batch's call"


def writes(fleet):
    return [entry for entry in fleet.admin.requests()
            if entry["path"].startswith("/compute/") and entry["method"] != "GET" and not entry["path"].endswith("/wait")]


def role_calls(fleet):
    """API calls other than the inventory plugin's listing (which runs when the inventory is read)."""
    return [entry for entry in fleet.admin.requests()
            if entry["path"].startswith("/compute/") and not entry["path"].endswith("/aggregated/instances")]


def role_task(run, suffix, host):
    return run.result("confidential.tdx.provision : " + suffix, host=host)


def test_check_mode_creates_nothing_and_waits_for_nothing(fleet):
    fleet.write_inventory({"chk-1": {"zone": "us-central1-a"}, "chk-2": None})
    run = fleet.playbook("provision", check=True)
    assert run.ok, run.output[-3000:]
    assert fleet.instances() == {}
    assert writes(fleet) == []
    planned = role_task(run, "Publish the outcome as provision_result", "chk-2")["ansible_facts"]["provision_result"]
    assert planned["actions"] == ["create in us-central1-a or us-central1-b or us-central1-c"]
    assert planned["address"] is None
    assert run.status("confidential.tdx.provision : Wait until the instance answers SSH", host="chk-1") == "skipped"


def test_an_unknown_option_is_refused_in_one_line_before_any_cloud_call(fleet):
    fleet.write_inventory({"bad-1": {"zone": "us-central1-a", "machine-type": "c3-standard-8"}})
    run = fleet.playbook("provision")
    assert not run.ok
    message = role_task(run, "Refuse an instance entry that cannot work, before any cloud call", "bad-1")["msg"]
    assert "\n" not in message.strip()
    assert message.startswith("confidential.tdx.provision: host bad-1: unknown option(s) machine-type; use the "
                              "options of confidential.tdx.gce_instance: name, zone, zones, machine_type")
    assert message.endswith("Nothing was changed.")
    assert role_calls(fleet) == []


def test_zone_and_zones_together_or_no_zone_at_all_are_refused(fleet):
    fleet.write_inventory({"both": {"zone": "us-central1-a", "zones": ["us-central1-b"]}, "none": None},
                          group_vars={"provision_instance_defaults": {}})
    run = fleet.playbook("provision")
    assert not run.ok
    task = "Refuse an instance entry that cannot work, before any cloud call"
    assert "zone and zones are both set; give one" in role_task(run, task, "both")["msg"]
    assert "none: no zone: set zone or zones in its entry or in provision_instance_defaults" in \
        role_task(run, task, "none")["msg"]
    assert role_calls(fleet) == []


def test_list_mode_creates_the_listed_instances_and_adds_them_to_the_group(fleet):
    fleet.write_inventory({})
    run = fleet.plays([
        {"name": "make two workers", "hosts": "localhost", "gather_facts": False,
         "roles": [{"role": "confidential.tdx.provision", "vars": {
             "provision_group": "tdx_workers", "provision_wait": False,
             "provision_instance_defaults": {"zone": "us-central1-a", "labels": {"team": "sec"}},
             "provision_instances": [
                 {"name": "worker-1"},
                 {"name": "worker-2", "machine_type": "c3-standard-8", "external_ip": False},
             ]}}]},
        {"name": "the workers are hosts now", "hosts": "tdx_workers", "gather_facts": False,
         "tasks": [{"name": "address", "ansible.builtin.debug": {"var": "ansible_host"}}]},
    ])
    assert run.ok, run.output[-3000:]
    instances = fleet.instances()
    assert set(instances) == {"worker-1", "worker-2"}
    assert instances["worker-2"]["machineType"].endswith("/c3-standard-8")
    assert instances["worker-1"]["labels"] == {"team": "sec"}
    nic = instances["worker-1"]["networkInterfaces"][0]
    # External address preferred; the internal one when there is no external one.
    assert run.result("address", host="worker-1")["ansible_host"] == nic["accessConfigs"][0]["natIP"]
    assert run.result("address", host="worker-2")["ansible_host"] == \
        instances["worker-2"]["networkInterfaces"][0]["networkIP"]
    results = run.result("confidential.tdx.provision : Publish the outcomes as provision_results",
                         host="localhost")["ansible_facts"]["provision_results"]
    assert [(item["name"], item["changed"], item["zone"]) for item in results] == [
        ("worker-1", True, "us-central1-a"), ("worker-2", True, "us-central1-a")]


def test_a_list_entry_without_a_name_is_refused(fleet):
    fleet.write_inventory({})
    run = fleet.plays([{"name": "nameless", "hosts": "localhost", "gather_facts": False, "roles": [{
        "role": "confidential.tdx.provision",
        "vars": {"provision_instances": [{"zone": "us-central1-a"}]}}]}])
    assert not run.ok
    assert "provision_instances[0]: no name" in run.output
    assert role_calls(fleet) == []


def test_teardown_deletes_the_fleet_and_then_has_nothing_to_do(fleet):
    fleet.write_inventory({"gone-1": {"zone": "us-central1-a"}, "gone-2": None},
                          group_vars={"provision_wait": False})
    made = fleet.playbook("provision")
    assert made.ok, made.output[-3000:]
    assert set(fleet.instances()) == {"gone-1", "gone-2"}

    removed = fleet.playbook("teardown")
    assert removed.ok, removed.output[-3000:]
    assert fleet.instances() == {}
    again = fleet.playbook("teardown")
    assert [entry["status"] for entry in again.results if entry["task"].endswith(CLOUD_TASK)] == ["ok", "ok"]


def test_site_in_check_mode_creates_nothing_and_reports_what_it_would_do(fleet):
    fleet.write_inventory({"plan-1": {"zone": "us-central1-a"}, "plan-2": None})
    run = fleet.playbook("site", check=True, extra_vars={"tdx_batch_size": 2})
    assert run.ok, run.output[-3000:]
    assert fleet.instances() == {}
    assert writes(fleet) == []
    rows = fleet.report_rows()
    assert rows["plan-1"]["why"] == ("check mode: create in us-central1-a; harden and verify need the instance "
                                     "to exist")
    assert [rows[host]["hardened"] for host in ("plan-1", "plan-2")] == [None, None]
    assert fleet.report()["rollout"] == "finished"


def test_a_token_in_tdx_gcp_never_reaches_the_output_even_at_vvv(fleet, access_token):
    fleet.write_inventory({"quiet-1": {"zone": "us-central1-a"}}, group_vars={"provision_wait": False},
                          gcp={"access_token": access_token})
    run = fleet.playbook("provision", verbosity=3)
    assert run.ok, run.output[-3000:]
    assert set(fleet.instances()) == {"quiet-1"}
    assert access_token not in run.output
    assert access_token not in json.dumps(run.results)
