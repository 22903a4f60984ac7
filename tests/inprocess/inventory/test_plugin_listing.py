"""The gce inventory plugin in-process against the emulator: which hosts, named how, grouped how, from which calls.

The plugin's own decisions over the real client and HTTP, each in a
fraction of a CPU-second (see inprocess.py). The real ansible-inventory runs
of the same listing are in tests/playbooks/inventory/test_gce_inventory_listing.py.
"""

import json
import urllib.request

import pytest
import yaml

from ansible_collections.confidential.tdx.plugins.inventory import gce as plugin
from tests.playbooks.inventory.harness import (
    MIXED_FLEET_DEFAULT_HOSTNAME,
    OTHER_PROJECT,
    aggregated_path,
    instance,
    mixed_fleet,
)

pytestmark = pytest.mark.integration


def test_tdx_only_false_lists_every_instance(inventory):
    inventory.load(mixed_fleet())
    run = inventory.run(inventory.config(tdx_only=False))
    assert set(run.names().values()) == set(
        item["name"] for item in inventory.admin.instances() if item["project"] == inventory.project)
    assert run.group("gce_confidential_sev") == {"10.128.0.20"}
    assert run.group("gce_confidential_none") == {"203.0.113.21"}
    assert run.group("gce_zone_us_east1_b") == {"203.0.113.21"}


def test_two_projects_one_inventory(inventory):
    inventory.load(mixed_fleet())
    run = inventory.run(inventory.config(projects=[inventory.project, OTHER_PROJECT]))
    assert set(run.names().values()) == inventory.tdx_names()
    assert run.group("gce_project_tdx_other_project") == {"10.200.0.2"}
    assert run.hostvars["10.200.0.2"]["gce"]["project"] == OTHER_PROJECT


def test_strict_compose_error_is_reported(inventory):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    run = inventory.run(inventory.config(strict=True, compose={"broken": "gce.no_such_field.deeper"}))
    assert not run.ok
    assert "Could not set broken for host 10.128.0.10" in run.output
    lenient = inventory.run(inventory.config(compose={"broken": "gce.no_such_field.deeper"}))
    assert lenient.hosts == {"10.128.0.10"}


def test_filters_are_applied_by_the_api_and_anded(inventory):
    inventory.load(mixed_fleet())
    run = inventory.run(inventory.config(filters=['labels.role = "web"']))
    assert set(run.names().values()) == {"web-1", "web-2"}
    inventory.admin.clear_requests()
    run = inventory.run(inventory.config(filters=['labels.role = "web"', 'status = "RUNNING"']))
    assert set(run.names().values()) == {"web-1"}
    [call] = inventory.list_calls()
    assert call["query"] == {"filter": '(labels.role = "web") (status = "RUNNING")', "maxResults": "500"}


def test_zones_restrict_with_one_list_call_per_zone(inventory):
    inventory.load(mixed_fleet())
    inventory.admin.clear_requests()
    run = inventory.run(inventory.config(zones=["us-central1-a", "europe-west4-a"]))
    assert set(run.names().values()) == {"web-1", "batch-2", "web-2"}
    paths = sorted(call["path"] for call in inventory.list_calls())
    assert paths == [
        "/compute/v1/projects/%s/zones/europe-west4-a/instances" % inventory.project,
        "/compute/v1/projects/%s/zones/us-central1-a/instances" % inventory.project,
    ]
    assert len(inventory.calls()) == 2
    assert all(call["query"] == {"maxResults": "500"} for call in inventory.list_calls())


def test_hostnames_preference(inventory):
    inventory.load(mixed_fleet())
    private_first = inventory.run(inventory.config(hostnames=["private_ip", "public_ip", "name"]))
    assert private_first.names()["10.128.0.10"] == "web-1"
    assert private_first.names()["10.164.0.12"] == "web-2"
    assert private_first.names()["batch-1"] == "batch-1"
    by_name = inventory.run(inventory.config(hostnames=["name"]))
    assert by_name.hosts == set(MIXED_FLEET_DEFAULT_HOSTNAME)


def test_instance_without_preferred_names_is_skipped_with_a_warning(inventory):
    inventory.load(mixed_fleet())
    run = inventory.run(inventory.config(hostnames=["public_ip"]))
    assert run.ok, run.output
    assert set(run.names().values()) == {"web-1", "web-2"}
    warnings = " ".join(run.warnings())
    for skipped in ("db-1", "batch-1", "batch-2", "archive-1", "paused-1"):
        assert "/%s (status" % skipped in warnings
    assert "batch-1 (status PROVISIONING) has none of hostnames public_ip; skipped" in warnings
    assert all(warning.startswith("confidential.tdx.gce inventory: ") for warning in run.warnings())


def test_same_name_in_two_zones_keeps_the_first_and_warns(inventory):
    inventory.load([instance("twin", "us-central1-a"), instance("twin", "us-central1-b")])
    run = inventory.run(inventory.config(hostnames=["name"]))
    assert run.ok, run.output
    assert run.hostvars["twin"]["gce"]["zone"] == "us-central1-a"
    assert "us-central1-b/twin would be host twin" in " ".join(run.warnings())


def test_pagination_lists_every_instance_in_one_call_per_page(inventory):
    fleet = [instance("tdx-%04d" % number, ("us-central1-a", "us-central1-b", "europe-west4-a")[number % 3])
             for number in range(1101)]
    fleet.append(instance("plain-0001", "us-east1-b", kind=None))
    inventory.load(fleet)
    inventory.admin.clear_requests()
    run = inventory.run(inventory.config(hostnames=["name"]))
    assert run.hosts == set(item["name"] for item in fleet if item["name"].startswith("tdx-"))
    calls = inventory.calls()
    assert [call["path"] for call in calls] == [aggregated_path(inventory.project)] * 3
    assert [bool(call["query"].get("pageToken")) for call in calls] == [False, True, True]
    assert all(call["query"].get("maxResults") == "500" for call in calls)


def test_auth_by_access_token_and_key_contents_from_the_environment(inventory, access_token):
    """GCP_ACCESS_TOKEN and GCP_SERVICE_ACCOUNT_CONTENTS reach the options through their documented env entries."""
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    config = inventory.config(service_account_file=None)
    by_token = inventory.run(config, env={"GCP_ACCESS_TOKEN": access_token})
    assert by_token.hosts == {"10.128.0.10"}
    with open(str(inventory.service_account_file)) as handle:
        contents = handle.read()
    by_contents = inventory.run(config, env={"GCP_SERVICE_ACCOUNT_CONTENTS": contents})
    assert by_contents.hosts == {"10.128.0.10"}


def test_project_and_endpoint_from_the_environment_and_the_key(inventory):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    config = {"plugin": "confidential.tdx.gce"}
    run = inventory.run(config, env={"GCP_API_ENDPOINT": inventory.emulator.base_url,
                                     "GCP_SERVICE_ACCOUNT_FILE": str(inventory.service_account_file)})
    assert run.hosts == {"10.128.0.10"}  # the project came from the key's project_id
    [call] = inventory.list_calls()
    assert call["path"] == aggregated_path(inventory.project)
    other = inventory.run(config, env={"GCP_API_ENDPOINT": inventory.emulator.base_url, "GCP_PROJECT": OTHER_PROJECT,
                                       "GCP_SERVICE_ACCOUNT_FILE": str(inventory.service_account_file)})
    assert other.hosts == set()
    assert other.ok, other.output


def test_only_files_named_gce_yml_or_gce_yaml_are_read(inventory):
    """verify_file: what Ansible's auto plugin asks before handing the plugin a file (its refusal: a real run's)."""
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    declined = inventory.run(inventory.config(), name="fleet.yml")
    assert not declined.verified
    assert inventory.calls() == []
    assert inventory.run(inventory.config(), name="fleet.gce.yaml").hosts == {"10.128.0.10"}


def compute_post(inventory, token, path, body):
    """A write through the Compute API itself (the emulator runs it as an operation)."""
    url = "%s/compute/v1/projects/%s/%s" % (inventory.emulator.base_url, inventory.project, path)
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_instances_caught_in_the_middle_of_operations(inventory, access_token):
    """Instances starting, stopping and being deleted while the inventory lists them."""
    inventory.load([instance("to-stop", internal_ip="10.128.0.30"), instance("to-delete", internal_ip="10.128.0.31")])
    inventory.admin.configure(operation_seconds=3600)  # every operation stays in flight during the listing
    compute_post(inventory, access_token, "zones/us-central1-a/instances/to-stop/stop", {})
    delete = urllib.request.Request(
        "%s/compute/v1/projects/%s/zones/us-central1-a/instances/to-delete" % (
            inventory.emulator.base_url, inventory.project),
        method="DELETE", headers={"Authorization": "Bearer " + access_token})
    urllib.request.urlopen(delete, timeout=30).close()
    compute_post(inventory, access_token, "zones/us-central1-b/instances", {
        "name": "starting",
        "machineType": "zones/us-central1-b/machineTypes/c3-standard-4",
        "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
        "scheduling": {"onHostMaintenance": "TERMINATE"},
        "disks": [{"boot": True, "autoDelete": True, "initializeParams": {
            "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"}}],
        "networkInterfaces": [{"network": "global/networks/default"}],
    })
    held = dict((item["name"], item["status"]) for item in inventory.admin.instances())
    assert held["to-stop"] == "STOPPING" and held["to-delete"] == "STOPPING"
    assert held["starting"] in ("PROVISIONING", "STAGING")

    run = inventory.run(inventory.config(hostnames=["name"]))
    assert run.ok, run.output
    assert dict((host, variables["gce"]["status"]) for host, variables in run.hostvars.items()) == held
    assert run.group("gce_status_stopping") == {"to-stop", "to-delete"}
    assert not run.warnings(), run.output


def test_the_emulator_example_works_against_the_emulator(inventory):
    """The EXAMPLES entry for the emulator (its options checked against ansible-doc in test_gce_inventory_docs.py)."""
    [example] = [item for item in yaml.safe_load_all(plugin.EXAMPLES)
                 if item and item.get("api_endpoint", "").startswith("http://127.0.0.1")]
    inventory.load([instance("web-1", internal_ip="10.128.0.10", external_ip="203.0.113.10"),
                    instance("db-1", internal_ip="10.128.0.11")])
    example.update(api_endpoint=inventory.emulator.base_url, service_account_file=str(inventory.service_account_file))
    run = inventory.run(example)
    assert run.ok, run.output
    assert dict((host, variables["ansible_host"]) for host, variables in run.hostvars.items()) == {
        "web-1": "203.0.113.10", "db-1": "10.128.0.11"}
