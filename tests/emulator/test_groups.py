"""instanceTemplates and (regional) instanceGroupManagers, through the real client (schema-checked)."""

import stat
import time
import uuid

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1
from google.oauth2 import service_account

from gce_emulator import EmulatorServer
from gce_emulator.backing import NspawnBacking
from gce_emulator.service_account import write_service_account_file

from .helpers import CLOUD_PLATFORM, TDX_IMAGE, Compute, reasons, status_name

REGION = "us-central1"
ZONE = "us-central1-a"


def tdx_properties(machine_type="c3-standard-4", image=TDX_IMAGE, maintenance="TERMINATE", confidential="TDX"):
    properties = compute_v1.InstanceProperties(
        machine_type=machine_type,
        disks=[compute_v1.AttachedDisk(boot=True, auto_delete=True,
                                       initialize_params=compute_v1.AttachedDiskInitializeParams(source_image=image))],
        network_interfaces=[compute_v1.NetworkInterface(network="global/networks/default")],
        scheduling=compute_v1.Scheduling(on_host_maintenance=maintenance),
    )
    if confidential:
        properties.confidential_instance_config = compute_v1.ConfidentialInstanceConfig(
            confidential_instance_type=confidential)
    return properties


class Fleet:
    def __init__(self, compute):
        options = {"api_endpoint": compute.emulator.base_url}
        credentials = compute.credentials
        self.compute = compute
        self.project = compute.project
        self.templates = compute_v1.InstanceTemplatesClient(credentials=credentials, client_options=options)
        self.zonal = compute_v1.InstanceGroupManagersClient(credentials=credentials, client_options=options)
        self.regional = compute_v1.RegionInstanceGroupManagersClient(credentials=credentials, client_options=options)
        self.global_operations = compute_v1.GlobalOperationsClient(credentials=credentials, client_options=options)
        self.region_operations = compute_v1.RegionOperationsClient(credentials=credentials, client_options=options)

    def template(self, name, **kwargs):
        operation = self.templates.insert_unary(project=self.project, instance_template_resource=compute_v1.InstanceTemplate(
            name=name, properties=tdx_properties(**kwargs)))
        done = self.global_operations.wait(project=self.project, operation=operation.name)
        assert status_name(done) == "DONE" and not done.error.errors
        return self.templates.get(project=self.project, instance_template=name)

    def wait_region(self, operation):
        while True:
            operation = self.region_operations.wait(project=self.project, region=REGION, operation=operation.name)
            if status_name(operation) == "DONE":
                assert not operation.error.errors, operation.error
                return operation

    def regional_group(self, name, template, size, **policy):
        manager = compute_v1.InstanceGroupManager(
            name=name, base_instance_name=name, instance_template=template.self_link, target_size=size)
        if policy:
            manager.update_policy = compute_v1.InstanceGroupManagerUpdatePolicy(**policy)
        return self.wait_region(self.regional.insert_unary(
            project=self.project, region=REGION, instance_group_manager_resource=manager))

    def get_regional(self, name):
        return self.regional.get(project=self.project, region=REGION, instance_group_manager=name)

    def members(self, name):
        return list(self.regional.list_managed_instances(project=self.project, region=REGION,
                                                         instance_group_manager=name))

    def until_stable(self, name, seen=None, limit=30.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            members = self.members(name)
            if seen is not None:
                seen.append(members)
            if self.get_regional(name).status.is_stable:
                return members
            time.sleep(0.02)
        raise AssertionError("group %s never became stable" % name)


@pytest.fixture
def fleet(compute):
    return Fleet(compute)


def test_a_template_is_global_immutable_and_listed(fleet):
    template = fleet.template("tdx-web-1")
    assert template.properties.confidential_instance_config.confidential_instance_type == "TDX"
    assert template.self_link.endswith("/projects/%s/global/instanceTemplates/tdx-web-1" % fleet.project)
    assert [t.name for t in fleet.templates.list(project=fleet.project)] == ["tdx-web-1"]
    with pytest.raises(exceptions.Conflict):
        fleet.template("tdx-web-1")
    fleet.global_operations.wait(project=fleet.project, operation=fleet.templates.delete_unary(
        project=fleet.project, instance_template="tdx-web-1").name)
    with pytest.raises(exceptions.NotFound):
        fleet.templates.get(project=fleet.project, instance_template="tdx-web-1")


@pytest.mark.parametrize("change, words", [
    (dict(image="projects/debian-cloud/global/images/family/debian-12"), "TDX compatible image"),
    (dict(maintenance="MIGRATE"), "onHostMaintenance to TERMINATE"),
    (dict(machine_type="n2-standard-4"), "supported and compatible Confidential VM machine types"),
    (dict(machine_type="zones/us-central1-a/machineTypes/c3-standard-4"), "without a zone"),
])
def test_a_template_gets_the_tdx_rules_of_an_insert(fleet, change, words):
    with pytest.raises(exceptions.BadRequest) as refused:
        fleet.template("bad", **change)
    assert words in refused.value.message
    assert "resource.properties" in refused.value.message
    assert list(fleet.templates.list(project=fleet.project)) == []


def test_a_regional_group_spreads_tdx_members_and_becomes_stable(fleet, gce_emulator):
    template = fleet.template("tdx-web-1")
    fleet.regional_group("web", template, 4)
    members = fleet.until_stable("web")
    assert len(members) == 4
    zones = sorted(m.instance.split("/zones/")[1].split("/")[0] for m in members)
    assert zones == ["us-central1-a", "us-central1-a", "us-central1-b", "us-central1-c"]
    assert all(m.name.startswith("web-") and len(m.name) == len("web-") + 4 for m in members)
    assert {m.version.instance_template for m in members} == {template.self_link}
    member = fleet.compute.get(members[0].name, members[0].instance.split("/zones/")[1].split("/")[0])
    assert member.confidential_instance_config.confidential_instance_type == "TDX"
    keys = {item.key: item.value for item in member.metadata.items}
    assert keys["created-by"].endswith("/regions/us-central1/instanceGroupManagers/web")
    group = fleet.get_regional("web")
    assert group.update_policy.max_surge.calculated == 3  # one per zone, Google's default
    assert group.current_actions.none == 4


def test_resize_and_a_proactive_update_in_waves_that_respect_max_surge(fleet, gce_emulator):
    old = fleet.template("tdx-web-1")
    new = fleet.template("tdx-web-2", image="projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64")
    fleet.regional_group("web", old, 3, max_surge=compute_v1.FixedOrPercent(fixed=3),
                         max_unavailable=compute_v1.FixedOrPercent(fixed=0))
    fleet.until_stable("web")
    fleet.wait_region(fleet.regional.resize_unary(project=fleet.project, region=REGION,
                                                  instance_group_manager="web", size=6))
    assert len(fleet.until_stable("web")) == 6
    before = {m.name for m in fleet.members("web")}
    fleet.wait_region(fleet.regional.set_instance_template_unary(
        project=fleet.project, region=REGION, instance_group_manager="web",
        region_instance_group_managers_set_template_request_resource=compute_v1.RegionInstanceGroupManagersSetTemplateRequest(
            instance_template=new.self_link)))
    seen = []
    after = fleet.until_stable("web", seen)
    assert {m.version.instance_template for m in after} == {new.self_link}
    assert not before & {m.name for m in after}
    # Never more than targetSize + maxSurge members, never fewer than targetSize - maxUnavailable running.
    assert max(len(snapshot) for snapshot in seen) <= 9
    assert min(sum(1 for m in snapshot if m.instance_status == "RUNNING" and m.current_action == "NONE")
               for snapshot in seen) >= 6
    with pytest.raises(exceptions.BadRequest) as in_use:
        fleet.templates.delete_unary(project=fleet.project, instance_template="tdx-web-2")
    assert reasons(in_use) == ["resourceInUseByAnotherResource"]


def test_an_opportunistic_group_keeps_its_members_and_patch_checks_the_policy(fleet):
    old = fleet.template("tdx-web-1")
    new = fleet.template("tdx-web-2")
    fleet.regional_group("web", old, 3, type_="OPPORTUNISTIC")
    first = {m.name for m in fleet.until_stable("web")}
    patch = compute_v1.InstanceGroupManager(instance_template=new.self_link)
    fleet.wait_region(fleet.regional.patch_unary(project=fleet.project, region=REGION, instance_group_manager="web",
                                                 instance_group_manager_resource=patch))
    assert {m.name for m in fleet.until_stable("web")} == first
    assert fleet.get_regional("web").status.version_target.is_reached is False
    bad = compute_v1.InstanceGroupManager(update_policy=compute_v1.InstanceGroupManagerUpdatePolicy(
        type_="PROACTIVE", max_surge=compute_v1.FixedOrPercent(fixed=1)))
    with pytest.raises(exceptions.BadRequest) as refused:
        fleet.regional.patch_unary(project=fleet.project, region=REGION, instance_group_manager="web",
                                   instance_group_manager_resource=bad)
    assert "at least the number of zones (3)" in refused.value.message


def test_named_members_are_made_and_chosen_members_deleted_one_wave_at_a_time(fleet):
    """createInstances names the new members and raises targetSize; deleteInstances lowers it (the rollout's wave)."""
    old = fleet.template("tdx-web-1")
    new = fleet.template("tdx-web-2")
    fleet.regional_group("web", old, 2, type_="OPPORTUNISTIC")
    first = sorted(m.name for m in fleet.until_stable("web"))
    fleet.wait_region(fleet.regional.set_instance_template_unary(
        project=fleet.project, region=REGION, instance_group_manager="web",
        region_instance_group_managers_set_template_request_resource=compute_v1.RegionInstanceGroupManagersSetTemplateRequest(
            instance_template=new.self_link)))
    create = compute_v1.RegionInstanceGroupManagersCreateInstancesRequest(
        instances=[compute_v1.PerInstanceConfig(name="web-new1"), compute_v1.PerInstanceConfig(name="web-new2")])
    fleet.wait_region(fleet.regional.create_instances_unary(
        project=fleet.project, region=REGION, instance_group_manager="web",
        region_instance_group_managers_create_instances_request_resource=create))
    members = {m.name: m for m in fleet.until_stable("web")}
    assert sorted(members) == sorted(first + ["web-new1", "web-new2"])
    assert fleet.get_regional("web").target_size == 4
    assert {members[name].version.instance_template for name in ("web-new1", "web-new2")} == {new.self_link}
    assert {members[name].version.instance_template for name in first} == {old.self_link}
    delete = compute_v1.RegionInstanceGroupManagersDeleteInstancesRequest(instances=[members[first[0]].instance])
    fleet.wait_region(fleet.regional.delete_instances_unary(
        project=fleet.project, region=REGION, instance_group_manager="web",
        region_instance_group_managers_delete_instances_request_resource=delete))
    assert sorted(m.name for m in fleet.until_stable("web")) == sorted([first[1], "web-new1", "web-new2"])
    assert fleet.get_regional("web").target_size == 3
    # A member named twice, or one the group does not have, is refused and changes nothing.
    with pytest.raises(exceptions.Conflict):
        fleet.regional.create_instances_unary(
            project=fleet.project, region=REGION, instance_group_manager="web",
            region_instance_group_managers_create_instances_request_resource=compute_v1.RegionInstanceGroupManagersCreateInstancesRequest(
                instances=[compute_v1.PerInstanceConfig(name="web-new1")]))
    with pytest.raises(exceptions.BadRequest) as refused:
        fleet.regional.delete_instances_unary(
            project=fleet.project, region=REGION, instance_group_manager="web",
            region_instance_group_managers_delete_instances_request_resource=delete)
    assert "not a member of the group" in refused.value.message
    assert fleet.get_regional("web").target_size == 3


def test_a_zonal_group_is_deleted_with_its_members(fleet, gce_emulator):
    template = fleet.template("tdx-web-1")
    manager = compute_v1.InstanceGroupManager(name="one", base_instance_name="one",
                                              instance_template=template.self_link, target_size=2)
    fleet.compute.wait(fleet.zonal.insert_unary(project=fleet.project, zone=ZONE,
                                                instance_group_manager_resource=manager))
    deadline = time.monotonic() + 30
    while not fleet.zonal.get(project=fleet.project, zone=ZONE, instance_group_manager="one").status.is_stable:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert len(fleet.compute.list_names()) == 2
    fleet.compute.wait(fleet.zonal.delete_unary(project=fleet.project, zone=ZONE, instance_group_manager="one"))
    assert fleet.compute.list_names() == []
    with pytest.raises(exceptions.NotFound):
        fleet.zonal.get(project=fleet.project, zone=ZONE, instance_group_manager="one")


def test_a_tdx_template_outside_tdx_zones_is_refused_for_a_group(fleet):
    template = fleet.template("tdx-web-1")
    manager = compute_v1.InstanceGroupManager(name="east", base_instance_name="east",
                                              instance_template=template.self_link, target_size=1)
    with pytest.raises(exceptions.BadRequest) as refused:
        fleet.zonal.insert_unary(project=fleet.project, zone="us-east1-b", instance_group_manager_resource=manager)
    assert "not offered in zone(s) us-east1-b" in refused.value.message


def test_members_are_booted_as_test_hosts_in_backing_mode_and_made_again_when_a_boot_fails(tmp_path):
    """Members take the instances' path through backing mode: each asks the test host command for a host.

    The command here stands in for one whose boots fail (as in test_backing.py), so no host is needed:
    the member's insert fails, it disappears, and the group makes another.
    """
    calls = tmp_path / "calls"
    failing = tmp_path / "testhosts"
    failing.write_text("#!/bin/sh\necho \"$@\" >> %s\n"
                       "case \"$1\" in up) echo 'testhosts: error: no room' >&2; exit 1;;\n"
                       "list) echo '[]';; esac\nexit 0\n" % calls)
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    with EmulatorServer(port=0, operation_seconds=0.05) as server:
        server.world.backing = NspawnBacking(command=str(failing))

        class Handle:
            base_url, admin, project = server.base_url, server.admin, "tdx-test-project"

        key = tmp_path / "key.json"
        write_service_account_file(server.admin, server.base_url, str(key), "tdx-test-project")
        credentials = service_account.Credentials.from_service_account_file(str(key), scopes=[CLOUD_PLATFORM])
        fleet = Fleet(Compute(Handle(), credentials))
        template = fleet.template("tdx-web-1")
        manager = compute_v1.InstanceGroupManager(name="one", base_instance_name="one",
                                                  instance_template=template.self_link, target_size=1)
        fleet.compute.wait(fleet.zonal.insert_unary(project=fleet.project, zone=ZONE,
                                                    instance_group_manager_resource=manager))
        deadline = time.monotonic() + 30
        while sum(1 for line in calls.read_text().splitlines() if line.startswith("up")) < 2:
            assert time.monotonic() < deadline, calls.read_text()
            server.admin.advance_clock(0.05)
        ups = [line for line in calls.read_text().splitlines() if line.startswith("up")]
        # Host names start with the member's name (one-XXXX), shortened (docs/emulator.md, Backing mode).
        assert all(line.split()[1].startswith("one-") for line in ups), ups
        # Each host's event log measures a kernel named after the member's boot image (backing_hooks.boot_image).
        kernels = set(line.split("--tsm-kernel ")[1].split()[0] for line in ups)
        assert len(kernels) == 1 and kernels.pop().startswith("ubuntu-"), ups
        assert not fleet.zonal.get(project=fleet.project, zone=ZONE, instance_group_manager="one").status.is_stable
        server.world.backing.close()


def test_a_fault_aimed_by_name_hits_one_template_insert_among_others(fleet, gce_emulator):
    """Every template insert has the same URL: ``name`` aims a rule at the one whose body names it."""
    gce_emulator.admin.set_faults([{"method": "POST", "path": r"/global/instanceTemplates$", "kind": "503",
                                    "name": r"tdx-aimed(-[0-9a-f]{8})?"}])
    fleet.template("tdx-other")
    with pytest.raises(exceptions.ServiceUnavailable):
        fleet.template("tdx-aimed-0123abcd")
    assert gce_emulator.admin.faults()[0]["fired"] == 1
    assert [t["name"] for t in gce_emulator.admin.state()["instanceTemplates"]] == ["tdx-other"]


@pytest.mark.parametrize("kind", ["template", "group"])
def test_a_delete_retried_with_its_request_id_after_it_was_served_gets_its_operation(fleet, gce_emulator, kind):
    """As for an instance: the retry of a delete whose answer was lost finds the operation, not a 404."""
    template = fleet.template("tdx-web-1")
    if kind == "template":
        def delete(request_id):
            return fleet.templates.delete_unary(request=compute_v1.DeleteInstanceTemplateRequest(
                project=fleet.project, instance_template="tdx-web-1", request_id=request_id))
    else:
        manager = compute_v1.InstanceGroupManager(name="one", base_instance_name="one",
                                                  instance_template=template.self_link, target_size=0)
        fleet.compute.wait(fleet.zonal.insert_unary(project=fleet.project, zone=ZONE,
                                                    instance_group_manager_resource=manager))

        def delete(request_id):
            return fleet.zonal.delete_unary(request=compute_v1.DeleteInstanceGroupManagerRequest(
                project=fleet.project, zone=ZONE, instance_group_manager="one", request_id=request_id))
    request_id = str(uuid.uuid4())
    first = delete(request_id)
    gce_emulator.admin.advance_clock(5)
    again = delete(request_id)
    assert again.name == first.name and status_name(again) == "DONE" and not again.error.errors
    state = gce_emulator.admin.state()
    assert state["instanceGroupManagers"] == [] and (kind == "group") == bool(state["instanceTemplates"])
