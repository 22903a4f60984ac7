"""gce_instance's own logic: validation, the insert body, comparison, power transitions."""

import pytest

from ansible_collections.confidential.tdx.plugins.modules import gce_instance
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.comparison import compare, power_actions
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.image_identity import (
    DIFFERENT,
    OUTDATED,
    SAME,
    UNKNOWN,
    ImageJudgement,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.shape import desired_body
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.validation import catalog_warnings, validate
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.instance_task import prefer_available
from tests.unit.module_harness import run_module

UBUNTU_LICENSE = "https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/licenses/ubuntu-2204-lts"


def params(**changes):
    """The module's parameters with its defaults, as AnsibleModule would hand them over."""
    values = dict((name, spec.get("default")) for name, spec in gce_instance.ARGUMENT_SPEC.items())
    values.update(name="web-1", zone="us-central1-a")
    values.update(changes)
    return values


def existing(**changes):
    instance = {
        "name": "web-1",
        "zone": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a",
        "status": "RUNNING",
        "machineType": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/machineTypes/c3-standard-4",
        "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
        "scheduling": {"onHostMaintenance": "TERMINATE", "automaticRestart": True},
        "shieldedInstanceConfig": {"enableSecureBoot": True, "enableVtpm": True},
        "disks": [{"boot": True, "diskSizeGb": "10", "licenses": [UBUNTU_LICENSE],
                   "guestOsFeatures": [{"type": "TDX_CAPABLE"}]}],
        "networkInterfaces": [{"network": "https://www.googleapis.com/compute/v1/projects/p/global/networks/default",
                               "subnetwork": "https://www.googleapis.com/compute/v1/projects/p/regions/us-central1/subnetworks/default",
                               "networkIP": "10.128.0.2",
                               "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "natIP": "203.0.113.1"}]}],
        "labels": {"env": "prod"},
        "labelFingerprint": "abc",
        "metadata": {"fingerprint": "def", "items": [{"key": "enable-oslogin", "value": "TRUE"}]},
        "tags": {"fingerprint": "ghi", "items": ["ssh"]},
        "deletionProtection": False,
    }
    instance.update(changes)
    return instance


# Validation

def test_defaults_are_valid():
    assert validate(params()) == []
    assert catalog_warnings(params()) == []


@pytest.mark.parametrize("changes, expected", [
    (dict(machine_type="n2-standard-4"), ["machine_type: n2-standard-4 is not among the machine types"]),
    (dict(zone="us-east1-b"), ["zone: us-east1-b is not among the zones"]),
    (dict(zone=None, zones=["us-central1-a", "us-east1-b"]), ["zones: us-east1-b is not among the zones"]),
    (dict(zone="us-east1-b", machine_type="c4-standard-8"), ["zone: us-east1-b is not among the zones",
                                                             "machine_type: c4-standard-8 is not among"]),
])
def test_what_the_catalog_does_not_know_is_a_warning_not_a_refusal(changes, expected):
    assert validate(params(**changes)) == []
    warnings = catalog_warnings(params(**changes))
    assert len(warnings) == len(expected)
    for warning, start in zip(warnings, expected):
        assert warning.startswith(start), warning


@pytest.mark.parametrize("changes, expected", [
    (dict(name="Web_1"), "name: 'Web_1' is not a valid instance name"),
    (dict(boot_disk_type="pd-standard"), "boot_disk_type: pd-standard cannot be the boot disk of a C3 machine"),
    (dict(zone=None, zones=[]), "zones: an empty list"),
    (dict(zone=None, zones=["us-central1-a", "us-central1-a"]), "zones: us-central1-a, us-central1-a lists a zone twice"),
    (dict(on_host_maintenance="MIGRATE"), "on_host_maintenance: MIGRATE is not allowed"),
    (dict(image="22.04"), "image: 22.04 is not an image reference"),
    (dict(boot_disk_size_gb=0), "boot_disk_size_gb: 0 must be between 1 and 65536 GB"),
    (dict(labels={"env": "Prod"}), "labels: env=Prod is not a valid label"),
    (dict(labels={"9lives": "x"}), "labels: 9lives=x is not a valid label"),
    (dict(network_tags=["allow ssh"]), "network_tags: 'allow ssh' is not a valid tag"),
    (dict(metadata={"startup-script": ["echo"]}), "metadata: the value of startup-script is a list"),
    (dict(wait_timeout=-5), "wait_timeout: -5 must be a positive number of seconds"),
    (dict(instance_termination_action="DELETE"), "instance_termination_action: applies to Spot VMs only; set "
                                                 "provisioning_model: SPOT"),
    (dict(internal_address="10.128.0.300"), "internal_address: 10.128.0.300 is not an IPv4 address"),
    (dict(external_address="my-static-ip"), "external_address: my-static-ip is not an IPv4 address; give the address itself"),
    (dict(external_address="203.0.113.7", external_ip=False), "external_address: given with external_ip: false"),
    (dict(boot_disk_kms_key_name="projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"),
     "boot_disk_kms_key_name: names a key version; give the key itself, without /cryptoKeyVersions/N"),
    (dict(boot_disk_kms_key_name="boot-key"), "boot_disk_kms_key_name: boot-key is not a Cloud KMS key name"),
])
def test_each_bad_value_is_named(changes, expected):
    problems = validate(params(**changes))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_deleting_needs_only_a_name_and_a_zone():
    assert validate(params(state="absent", zone="us-east1-b", machine_type="n2-standard-4")) == []


def test_every_problem_is_reported_at_once():
    assert len(validate(params(name="X", boot_disk_type="pd-standard", on_host_maintenance="MIGRATE"))) == 3


# What is sent

def test_the_insert_body_asks_for_a_tdx_trust_domain():
    body = desired_body(params(labels={"env": "prod", "tier": 1}, metadata={"enable-oslogin": True},
                               network_tags=["ssh"], subnetwork="tdx-subnet", service_account="default",
                               boot_disk_size_gb=20, deletion_protection=True),
                        "p", "europe-west4-b", "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250112")
    assert body["confidentialInstanceConfig"] == {"confidentialInstanceType": "TDX"}
    assert body["scheduling"] == {"onHostMaintenance": "TERMINATE", "automaticRestart": True,
                                  "provisioningModel": "STANDARD"}
    assert body["machineType"] == "zones/europe-west4-b/machineTypes/c3-standard-4"
    assert body["shieldedInstanceConfig"]["enableSecureBoot"] is True
    disk = body["disks"][0]
    assert disk["boot"] and disk["autoDelete"]
    assert disk["initializeParams"] == {
        "sourceImage": "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250112",
        "diskType": "zones/europe-west4-b/diskTypes/pd-balanced", "diskSizeGb": "20"}
    nic = body["networkInterfaces"][0]
    assert nic["subnetwork"] == "projects/p/regions/europe-west4/subnetworks/tdx-subnet"
    assert nic["accessConfigs"][0]["type"] == "ONE_TO_ONE_NAT"
    assert body["labels"] == {"env": "prod", "tier": "1"}
    assert body["metadata"] == {"items": [{"key": "enable-oslogin", "value": "TRUE"}]}
    assert body["tags"] == {"items": ["ssh"]}
    assert body["serviceAccounts"] == [{"email": "default", "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}]
    assert body["deletionProtection"] is True
    assert "enableConfidentialCompute" not in body["confidentialInstanceConfig"]  # that flag means SEV


def test_no_external_ip_and_no_service_account_by_request():
    body = desired_body(params(external_ip=False), "p", "us-central1-a", "img")
    assert "accessConfigs" not in body["networkInterfaces"][0]
    assert "serviceAccounts" not in body


def test_a_spot_vm_never_restarts_by_itself_and_says_what_happens_when_taken_back():
    body = desired_body(params(provisioning_model="SPOT"), "p", "us-central1-a", "img")
    assert body["scheduling"] == {"onHostMaintenance": "TERMINATE", "automaticRestart": False,
                                  "provisioningModel": "SPOT", "instanceTerminationAction": "STOP"}
    deleted = desired_body(params(provisioning_model="SPOT", instance_termination_action="DELETE"), "p",
                           "us-central1-a", "img")
    assert deleted["scheduling"]["instanceTerminationAction"] == "DELETE"


def test_a_cloud_kms_key_encrypts_the_boot_disk_and_a_key_version_is_not_a_difference():
    key = "projects/p/locations/us-central1/keyRings/tdx/cryptoKeys/boot"
    body = desired_body(params(boot_disk_kms_key_name=key), "p", "us-central1-a", "img")
    assert body["disks"][0]["diskEncryptionKey"] == {"kmsKeyName": key}
    assert "diskEncryptionKey" not in desired_body(params(), "p", "us-central1-a", "img")["disks"][0]
    disk = dict(existing()["disks"][0], diskEncryptionKey={"kmsKeyName": key + "/cryptoKeyVersions/3"})
    assert compare(existing(disks=[disk]), params(boot_disk_kms_key_name=key), ["us-central1-a"]).blocked == []
    assert [blocked[:3] for blocked in compare(existing(), params(boot_disk_kms_key_name=key),
                                               ["us-central1-a"]).blocked] == [("boot_disk_kms_key_name", None, key)]


DATA = dict(name=None, size_gb=100, type="pd-ssd", auto_delete=True, kms_key_name=None)


def test_additional_disks_are_made_empty_with_the_instance_named_after_it():
    body = desired_body(params(additional_disks=[DATA, dict(DATA, name="logs", size_gb=20, auto_delete=False)]),
                        "p", "us-central1-a", "img")
    assert [disk["boot"] for disk in body["disks"]] == [True, False, False]
    first, second = body["disks"][1:]
    assert first["initializeParams"] == {"diskName": "web-1-1", "diskSizeGb": "100",
                                         "diskType": "zones/us-central1-a/diskTypes/pd-ssd"}
    assert first["autoDelete"] is True and "sourceImage" not in first["initializeParams"]
    assert second["initializeParams"]["diskName"] == "logs" and second["autoDelete"] is False


@pytest.mark.parametrize("disks, expected", [
    ([dict(DATA, name="web-1")], "additional_disks[0].name: web-1 is taken by the boot disk"),
    ([DATA, dict(DATA, name="web-1-1")], "additional_disks[1].name: web-1-1 is taken by another disk"),
    ([dict(DATA, name="Data")], "additional_disks[0].name: 'Data' is not a valid disk name"),
    ([dict(DATA, size_gb=0)], "additional_disks[0].size_gb: 0 must be between 1 and 65536 GB"),
    ([dict(DATA, type="pd-standard")], "additional_disks[0].type: pd-standard cannot be a disk of a C3 machine"),
    ([dict(DATA, kms_key_name="k")], "additional_disks[0].kms_key_name: k is not a Cloud KMS key name"),
    ([DATA] * 40, "additional_disks: 40 disks and the boot disk are more than the 40 a Confidential VM can have"),
])
def test_each_bad_additional_disk_is_named_by_its_place(disks, expected):
    problems = validate(params(additional_disks=disks))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_additional_disks_that_differ_need_recreate_and_unset_ones_are_not_managed():
    attached = {"boot": False, "index": 1, "autoDelete": True, "diskSizeGb": "100",
                "source": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/disks/web-1-1"}
    instance = existing(disks=existing()["disks"] + [attached])
    assert compare(instance, params(additional_disks=[DATA]), ["us-central1-a"]).blocked == []
    assert compare(instance, params(), ["us-central1-a"]).blocked == []
    bigger = compare(instance, params(additional_disks=[dict(DATA, size_gb=200)]), ["us-central1-a"])
    assert [blocked[:3] for blocked in bigger.blocked] == [("additional_disks", "web-1-1 100 GB", "web-1-1 200 GB")]
    none = compare(existing(), params(additional_disks=[DATA]), ["us-central1-a"])
    assert [blocked[:3] for blocked in none.blocked] == [("additional_disks", "none", "web-1-1 100 GB")]


def test_static_addresses_go_on_the_first_interface():
    body = desired_body(params(internal_address="10.128.0.10", external_address="203.0.113.7"), "p",
                        "us-central1-a", "img")
    interface = body["networkInterfaces"][0]
    assert interface["networkIP"] == "10.128.0.10"
    assert interface["accessConfigs"] == [{"name": "External NAT", "type": "ONE_TO_ONE_NAT", "natIP": "203.0.113.7"}]
    plain = desired_body(params(), "p", "us-central1-a", "img")["networkInterfaces"][0]
    assert "networkIP" not in plain and "natIP" not in plain["accessConfigs"][0]


# Comparison

def test_a_matching_instance_needs_nothing():
    found = compare(existing(), params(labels={"env": "prod"}, metadata={"enable-oslogin": True},
                                       network_tags=["ssh"], deletion_protection=False), ["us-central1-a"])
    assert found.updates == [] and found.blocked == []


def test_options_left_unset_are_not_managed_on_an_existing_instance():
    found = compare(existing(), params(), ["us-central1-a"])
    assert found.updates == [] and found.blocked == []


def test_labels_metadata_tags_and_protection_change_in_place():
    found = compare(existing(), params(labels={}, metadata={"a": "b"}, network_tags=["https", "ssh"],
                                       deletion_protection=True), ["us-central1-a"])
    assert [option for option, _, _ in found.updates] == ["labels", "metadata", "network_tags", "deletion_protection"]
    assert found.updates[0] == ("labels", {"env": "prod"}, {})
    assert found.blocked == []


def test_tag_order_does_not_matter():
    found = compare(existing(tags={"items": ["b", "a"], "fingerprint": "x"}), params(network_tags=["a", "b"]),
                    ["us-central1-a"])
    assert found.updates == []


def test_machine_type_changes_in_place_only_while_stopped():
    running = compare(existing(), params(machine_type="c3-standard-8"), ["us-central1-a"])
    assert running.updates == [] and running.blocked == []
    assert running.needs_stop[0][:3] == ("machine_type", "c3-standard-4", "c3-standard-8")
    assert "stop it first with state: stopped" in running.needs_stop[0][3]
    stopped = compare(existing(status="TERMINATED"), params(machine_type="c3-standard-8"), ["us-central1-a"])
    assert stopped.updates == [("machine_type", "c3-standard-4", "c3-standard-8")] and stopped.blocked == []


def test_without_purge_labels_the_instance_keeps_the_labels_the_task_does_not_name():
    kept = compare(existing(labels={"env": "prod", "owner": "ops"}), params(labels={"env": "test"}, purge_labels=False),
                   ["us-central1-a"])
    assert kept.updates == [("labels", {"env": "prod", "owner": "ops"}, {"env": "test", "owner": "ops"})]
    unchanged = compare(existing(labels={"env": "prod", "owner": "ops"}), params(labels={"env": "prod"},
                                                                                 purge_labels=False), ["us-central1-a"])
    assert unchanged.updates == []
    purged = compare(existing(labels={"env": "prod", "owner": "ops"}), params(labels={"env": "prod"}), ["us-central1-a"])
    assert purged.updates == [("labels", {"env": "prod", "owner": "ops"}, {"env": "prod"})]


def test_the_provisioning_model_changes_only_while_stopped_and_its_termination_action_with_it():
    running = compare(existing(), params(provisioning_model="SPOT"), ["us-central1-a"])
    assert [needed[:3] for needed in running.needs_stop] == [("provisioning_model", "STANDARD", "SPOT")]
    assert "stop it first with state: stopped" in running.needs_stop[0][3]
    stopped = compare(existing(status="TERMINATED"), params(provisioning_model="SPOT"), ["us-central1-a"])
    assert stopped.blocked == []
    assert stopped.updates == [("provisioning_model", "STANDARD", "SPOT"), ("instance_termination_action", None, "STOP")]
    spot = dict(onHostMaintenance="TERMINATE", automaticRestart=False, provisioningModel="SPOT",
                instanceTerminationAction="STOP")
    back = compare(existing(status="TERMINATED", scheduling=spot), params(), ["us-central1-a"])
    assert back.updates == [("provisioning_model", "SPOT", "STANDARD"), ("instance_termination_action", "STOP", None)]


def test_a_spot_vm_s_termination_action_changes_in_place_even_while_running():
    spot = dict(onHostMaintenance="TERMINATE", automaticRestart=False, provisioningModel="SPOT",
                instanceTerminationAction="STOP")
    same = compare(existing(scheduling=spot), params(provisioning_model="SPOT"), ["us-central1-a"])
    assert same.updates == [] and same.blocked == []
    found = compare(existing(scheduling=spot), params(provisioning_model="SPOT", instance_termination_action="DELETE"),
                    ["us-central1-a"])
    assert found.updates == [("instance_termination_action", "STOP", "DELETE")] and found.blocked == []
    # An older instance that only says preemptible is a Spot VM too.
    older = compare(existing(scheduling=dict(spot, provisioningModel=None, preemptible=True)),
                    params(provisioning_model="SPOT"), ["us-central1-a"])
    assert older.blocked == []


def test_a_larger_boot_disk_grows_in_place_even_while_running():
    found = compare(existing(), params(boot_disk_size_gb=50), ["us-central1-a"])
    assert found.updates == [("boot_disk_size_gb", 10, 50)] and found.blocked == [] and not found.stop_first


@pytest.mark.parametrize("args, option, have", [
    (dict(machine_type="c3-standard-8"), "machine_type", "c3-standard-4"),
    (dict(service_account="robot@p.iam.gserviceaccount.com"), "service_account", None),
    (dict(secure_boot=False), "secure_boot", True),
    (dict(provisioning_model="SPOT"), "provisioning_model", "STANDARD"),
])
def test_what_needs_a_stopped_instance_needs_the_stop_while_running_unless_it_may_be_stopped(args, option, have):
    running = compare(existing(), params(**args), ["us-central1-a"])
    assert running.blocked == [] and [needed[0] for needed in running.needs_stop] == [option]
    assert running.needs_stop[0][3] == ("the instance is RUNNING; stop it first with state: stopped, or set "
                                        "allow_stopping_for_update: true")
    message = running.refusal_message("web-1")
    assert message.startswith("instance web-1 differs in what changes in place only while it is stopped: %s is " % option)
    assert "recreate" not in message
    for allowing in (dict(allow_stopping_for_update=True), dict(recreate=True)):
        # recreate allows the stop too: a change a stop allows is never made by deleting the instance.
        allowed = compare(existing(), params(**dict(allowing, **args)), ["us-central1-a"])
        assert allowed.blocked == [] and allowed.needs_stop == [] and allowed.stop_first
        assert allowed.updates[0] == (option, have, args[option])
    stopped = compare(existing(status="TERMINATED"), params(**args), ["us-central1-a"])
    assert stopped.blocked == [] and not stopped.stop_first and stopped.updates[0][0] == option


@pytest.mark.parametrize("changes, args, blocked_option", [
    (dict(confidentialInstanceConfig={}), {}, "confidential instance type"),
    (dict(confidentialInstanceConfig={"enableConfidentialCompute": True}), {}, "confidential instance type"),
    ({}, dict(boot_disk_size_gb=5), "boot_disk_size_gb"),
    ({}, dict(network="tdx-vpc"), "network"),
    ({}, dict(subnetwork="other"), "subnetwork"),
    ({}, dict(external_ip=False), "external_ip"),
    ({}, dict(internal_address="10.128.0.9"), "internal_address"),
    ({}, dict(external_address="203.0.113.9"), "external_address"),
    (dict(scheduling={"onHostMaintenance": "MIGRATE"}), {}, "on_host_maintenance"),
])
def test_what_cannot_change_in_place_is_blocked(changes, args, blocked_option):
    found = compare(existing(**changes), params(**args), ["us-central1-a"])
    assert [option for option, _, _, _ in found.blocked] == [blocked_option]
    message = found.refusal_message("web-1")
    assert message.startswith("instance web-1 differs in what cannot change in place: %s is " % blocked_option)
    assert message.endswith("set recreate: true to delete and create it again")


def test_a_refusal_names_each_way_out_for_what_needs_recreate_and_what_needs_a_stop():
    found = compare(existing(), params(network="tdx-vpc", machine_type="c3-standard-8"), ["us-central1-a"])
    assert found.refusal_message("web-1") == (
        "instance web-1 differs in what cannot change in place: network is default, the task asks for tdx-vpc "
        "(set when created); set recreate: true to delete and create it again; instance web-1 differs in what "
        "changes in place only while it is stopped: machine_type is c3-standard-4, the task asks for c3-standard-8 "
        "(the instance is RUNNING; stop it first with state: stopped, or set allow_stopping_for_update: true)")


def test_licenses_do_not_decide_the_image():
    # The boot disk's licenses name Ubuntu; without a judgement of its sourceImage nothing is blocked.
    found = compare(existing(), params(image="debian-cloud/debian-12"), ["us-central1-a"])
    assert found.blocked == []


def test_a_different_boot_image_is_blocked():
    judgement = ImageJudgement(DIFFERENT, "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v1",
                               "projects/p/global/images/golden-2", "p/family/golden", None)
    found = compare(existing(), params(image="p/family/golden"), ["us-central1-a"], judgement)
    assert found.blocked == [("image", "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v1",
                              "projects/p/global/images/golden-2 (family p/family/golden)",
                              "the boot disk cannot be replaced in place")]


@pytest.mark.parametrize("verdict", [SAME, OUTDATED, UNKNOWN])
def test_an_image_that_is_not_known_to_differ_blocks_nothing(verdict):
    judgement = ImageJudgement(verdict, None, None, None, "no disk")
    assert compare(existing(), params(), ["us-central1-a"], judgement).blocked == []


def test_an_instance_in_another_zone_is_blocked_on_the_zone():
    found = compare(existing(), params(zone="us-central1-b"), ["us-central1-b"])
    assert found.blocked[0][:3] == ("zone", "us-central1-a", "us-central1-b")


@pytest.mark.parametrize("status, state, actions", [
    ("RUNNING", "present", []),
    ("PROVISIONING", "started", []),
    ("TERMINATED", "present", ["start"]),
    ("STOPPING", "started", ["start"]),
    ("SUSPENDED", "started", ["resume"]),
    ("RUNNING", "stopped", ["stop"]),
    ("STOPPING", "stopped", []),
    ("PENDING_STOP", "stopped", []),
    ("DEPROVISIONING", "stopped", []),
    ("PENDING_STOP", "started", ["start"]),
    ("DEPROVISIONING", "restarted", ["start"]),
    ("REPAIRING", "started", []),
    ("TERMINATED", "stopped", []),
    ("RUNNING", "restarted", ["stop", "start"]),
    ("TERMINATED", "restarted", ["start"]),
])
def test_power_transitions(status, state, actions):
    assert power_actions(status, state) == actions


# The whole module, in-process: bad input fails before anything is contacted.

def test_bad_input_fails_in_one_line_without_contacting_the_api():
    result = run_module(gce_instance.main, {
        "name": "web-1", "zone": "us-central1-a", "boot_disk_type": "pd-standard", "project": "my-project",
        "access_token": "ya29.a-token-long-enough-to-mask", "api_endpoint": "http://192.0.2.1:9"})
    assert result.failed
    assert result["msg"].startswith("boot_disk_type: pd-standard cannot be the boot disk of a C3 machine")
    assert "ya29" not in str(result)


def test_missing_google_libraries_are_reported(monkeypatch):
    from ansible_collections.confidential.tdx.plugins.module_utils.gce import module as gce_module
    monkeypatch.setattr(gce_module, "has_google_libraries", lambda: False)
    result = run_module(gce_instance.main, {"name": "web-1", "zone": "us-central1-a"})
    assert result.failed
    assert "google-cloud-compute and google-auth" in result["msg"]


def test_the_zones_a_stockout_names_go_first_and_only_listed_zones_are_tried():
    assert prefer_available(["b", "c", "d"], ["d", "x"]) == ["d", "b", "c"]
    assert prefer_available(["b", "c"], None) == ["b", "c"]
    assert prefer_available(["b", "c"], ["x"]) == ["b", "c"]
    assert prefer_available([], ["b"]) == []
