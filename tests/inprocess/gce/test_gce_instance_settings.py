"""gce_instance's settings for Spot VMs, static addresses and labels kept from others, against the emulator.

Each is created, rerun unchanged (reads only), changed where the API allows
it and refused naming the option where it does not; check mode and the
fleet mode show the same.
"""

import pytest

from tests.inprocess.gce.harness import held, instance_task

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"


def write_kinds(gce, since):
    return [call["path"].rsplit("/", 1)[-1] for call in gce.writes(since)]


def test_a_spot_vm_is_created_rerun_unchanged_and_its_termination_action_changed_in_place(gce):
    run = gce.run([instance_task(name="tdx-spot", provisioning_model="SPOT")], diff=True)
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["instance"]["provisioning_model"] == "SPOT"
    assert result["instance"]["instance_termination_action"] == "STOP"
    assert result["diff"]["after"]["provisioning_model"] == "SPOT"
    scheduling = held(gce, "tdx-spot")["scheduling"]
    assert scheduling["provisioningModel"] == "SPOT" and scheduling["automaticRestart"] is False
    assert scheduling["onHostMaintenance"] == "TERMINATE" and scheduling["instanceTerminationAction"] == "STOP"

    since = gce.mark()
    again = gce.run([instance_task(name="tdx-spot", provisioning_model="SPOT")])
    assert again.status("create") == "ok", again.output
    assert gce.writes(since) == []

    since = gce.mark()
    checked = gce.run([instance_task(name="tdx-spot", provisioning_model="SPOT", instance_termination_action="DELETE")],
                      check=True)
    assert checked.status("create") == "changed" and checked.result("create")["actions"] == [
        "set instance termination action"]
    assert gce.writes(since) == []
    changed = gce.run([instance_task(name="tdx-spot", provisioning_model="SPOT",
                                     instance_termination_action="DELETE")])
    assert changed.status("create") == "changed", changed.output
    assert write_kinds(gce, since) == ["setScheduling"]
    assert held(gce, "tdx-spot")["scheduling"]["instanceTerminationAction"] == "DELETE"
    assert held(gce, "tdx-spot")["status"] == "RUNNING"


def test_the_provisioning_model_changes_with_one_call_while_stopped_and_is_refused_while_running(gce):
    assert gce.run([instance_task(name="tdx-model")]).status("create") == "changed"
    since = gce.mark()
    refused = gce.run([instance_task(name="tdx-model", provisioning_model="SPOT")])
    assert refused.status("create") == "failed"
    message = refused.result("create")["msg"]
    assert "provisioning_model is STANDARD, the task asks for SPOT (the instance is RUNNING; stop it first with " \
           "state: stopped, or set allow_stopping_for_update: true)" in message, message
    assert gce.writes(since) == []

    assert gce.run([instance_task(name="tdx-model", state="stopped")]).status("create") == "changed"
    since = gce.mark()
    changed = gce.run([instance_task(name="tdx-model", provisioning_model="SPOT", state="started")])
    assert changed.status("create") == "changed", changed.output
    assert changed.result("create")["actions"] == ["set provisioning model", "set instance termination action",
                                                   "start"]
    # One setScheduling for both options, while stopped; then the start.
    assert write_kinds(gce, since) == ["setScheduling", "start"]
    scheduling = held(gce, "tdx-model")["scheduling"]
    assert scheduling["provisioningModel"] == "SPOT" and scheduling["instanceTerminationAction"] == "STOP"
    assert held(gce, "tdx-model")["status"] == "RUNNING"


def test_static_addresses_are_set_when_created_and_another_address_is_refused_naming_it(gce):
    task = dict(name="tdx-static", internal_address="10.128.0.50", external_address="203.0.113.50")
    run = gce.run([instance_task(**task)])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["instance"]["internal_ip"] == "10.128.0.50"
    assert run.result("create")["instance"]["external_ip"] == "203.0.113.50"
    since = gce.mark()
    assert gce.run([instance_task(**task)]).status("create") == "ok"
    moved = gce.run([instance_task(**dict(task, internal_address="10.128.0.51"))])
    assert moved.status("create") == "failed"
    assert "internal_address is 10.128.0.50, the task asks for 10.128.0.51 (set when created)" in moved.result(
        "create")["msg"]
    assert gce.writes(since) == []


def test_no_external_ip_and_an_address_outside_the_subnetwork_is_the_api_s_to_refuse(gce):
    private = gce.run([instance_task(name="tdx-private", external_ip=False)])
    assert private.status("create") == "changed", private.output
    assert private.result("create")["instance"]["external_ip"] is None
    assert "accessConfigs" not in held(gce, "tdx-private")["networkInterfaces"][0]
    outside = gce.run([instance_task(name="tdx-outside", internal_address="192.0.2.10")])
    assert outside.status("create") == "failed"
    assert "networkIP" in outside.result("create")["msg"], outside.result("create")["msg"]


def test_without_purge_labels_labels_set_by_others_are_kept(gce):
    assert gce.run([instance_task(name="tdx-keep", labels={"env": "a"})]).status("create") == "changed"
    # Another tool adds its own label.
    other = gce.run([instance_task(name="tdx-keep", labels={"env": "a", "billing": "team-x"})])
    assert other.status("create") == "changed"
    since = gce.mark()
    kept = gce.run([instance_task(name="tdx-keep", labels={"env": "b"}, purge_labels=False)])
    assert kept.status("create") == "changed", kept.output
    assert held(gce, "tdx-keep")["labels"] == {"env": "b", "billing": "team-x"}
    assert write_kinds(gce, since) == ["setLabels"]
    since = gce.mark()
    assert gce.run([instance_task(name="tdx-keep", labels={"env": "b"}, purge_labels=False)]).status("create") == "ok"
    assert gce.writes(since) == []
    purged = gce.run([instance_task(name="tdx-keep", labels={"env": "b"})])
    assert purged.status("create") == "changed"
    assert held(gce, "tdx-keep")["labels"] == {"env": "b"}


def test_a_fleet_sets_the_new_settings_per_entry(gce):
    run = gce.run([{"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": ZONE, "provisioning_model": "SPOT", "instances": [
            {"name": "fleet-spot"},
            {"name": "fleet-standard", "provisioning_model": "STANDARD", "internal_address": "10.128.0.60"},
        ]}}])
    assert run.status("fleet") == "changed", run.output
    assert held(gce, "fleet-spot")["scheduling"]["provisioningModel"] == "SPOT"
    standard = held(gce, "fleet-standard")
    assert standard["scheduling"]["provisioningModel"] == "STANDARD"
    assert standard["networkInterfaces"][0]["networkIP"] == "10.128.0.60"
    since = gce.mark()
    again = gce.run([{"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": ZONE, "provisioning_model": "SPOT", "instances": [
            {"name": "fleet-spot"},
            {"name": "fleet-standard", "provisioning_model": "STANDARD", "internal_address": "10.128.0.60"},
        ]}}])
    assert again.status("fleet") == "ok", again.output
    assert gce.writes(since) == []


def test_allow_stopping_for_update_stops_changes_and_starts_the_instance_again(gce):
    assert gce.run([instance_task(name="tdx-resize")]).status("create") == "changed"
    wanted = dict(name="tdx-resize", machine_type="c3-standard-8", secure_boot=False,
                  service_account="default", allow_stopping_for_update=True)
    since = gce.mark()
    checked = gce.run([instance_task(**wanted)], check=True, diff=True)
    assert checked.status("create") == "changed", checked.output
    result = checked.result("create")
    assert result["actions"] == ["stop", "set machine type", "set service account", "set secure boot", "start"]
    assert result["diff"]["after"]["machine_type"] == "c3-standard-8"
    assert result["diff"]["after"]["status"] == "RUNNING"
    assert gce.writes(since) == []

    run = gce.run([instance_task(**wanted)])
    assert run.status("create") == "changed", run.output
    assert write_kinds(gce, since) == ["stop", "setMachineType", "setServiceAccount",
                                       "updateShieldedInstanceConfig", "start"]
    instance = held(gce, "tdx-resize")
    assert instance["status"] == "RUNNING"
    assert instance["machineType"].endswith("/c3-standard-8")
    assert instance["shieldedInstanceConfig"]["enableSecureBoot"] is False
    assert instance["serviceAccounts"][0]["email"].endswith("-compute@developer.gserviceaccount.com")
    since = gce.mark()
    assert gce.run([instance_task(**wanted)]).status("create") == "ok"
    assert gce.writes(since) == []


def test_with_state_stopped_the_instance_is_left_stopped_after_the_change(gce):
    assert gce.run([instance_task(name="tdx-halt")]).status("create") == "changed"
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-halt", machine_type="c3-standard-8", state="stopped",
                                 allow_stopping_for_update=True)])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["stop", "set machine type"]
    assert write_kinds(gce, since) == ["stop", "setMachineType"]
    assert held(gce, "tdx-halt")["status"] == "TERMINATED"


def test_a_larger_boot_disk_grows_in_place_while_running_and_a_smaller_one_is_refused(gce):
    assert gce.run([instance_task(name="tdx-grow", boot_disk_size_gb=20)]).status("create") == "changed"
    since = gce.mark()
    grown = gce.run([instance_task(name="tdx-grow", boot_disk_size_gb=40)])
    assert grown.status("create") == "changed", grown.output
    assert grown.result("create")["actions"] == ["set boot disk size gb"]
    assert [(call["method"], call["path"].rsplit("/", 2)[-2:]) for call in gce.writes(since)] == [
        ("POST", ["tdx-grow", "resize"])]
    assert grown.result("create")["instance"]["boot_disk_size_gb"] == 40
    assert held(gce, "tdx-grow")["status"] == "RUNNING"
    since = gce.mark()
    shrunk = gce.run([instance_task(name="tdx-grow", boot_disk_size_gb=30)])
    assert shrunk.status("create") == "failed"
    assert "boot_disk_size_gb is 40, the task asks for 30 (a disk can grow but not shrink)" in shrunk.result(
        "create")["msg"]
    assert gce.writes(since) == []


def test_the_service_account_changes_in_place_on_a_stopped_instance(gce):
    assert gce.run([instance_task(name="tdx-sa", state="stopped")]).status("create") == "changed"
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-sa", state="stopped", service_account="robot@p.iam.gserviceaccount.com",
                                 service_account_scopes=["https://www.googleapis.com/auth/logging.write"])])
    assert run.status("create") == "changed", run.output
    assert write_kinds(gce, since) == ["setServiceAccount"]
    account = held(gce, "tdx-sa")["serviceAccounts"][0]
    assert account == {"email": "robot@p.iam.gserviceaccount.com",
                       "scopes": ["https://www.googleapis.com/auth/logging.write"]}


KEY = "projects/tdx-test-project/locations/us-central1/keyRings/tdx/cryptoKeys/boot"


def test_a_boot_disk_encrypted_with_a_cloud_kms_key_reruns_unchanged_although_the_api_adds_the_key_version(gce):
    run = gce.run([instance_task(name="tdx-cmek", boot_disk_kms_key_name=KEY)], diff=True)
    assert run.status("create") == "changed", run.output
    insert = [call for call in gce.writes() if call["path"].endswith("/instances")][0]
    assert insert["body"]["disks"][0]["diskEncryptionKey"] == {"kmsKeyName": KEY}
    assert run.result("create")["instance"]["boot_disk_kms_key_name"] == KEY
    attached = held(gce, "tdx-cmek")["disks"][0]["diskEncryptionKey"]["kmsKeyName"]
    assert attached == KEY + "/cryptoKeyVersions/1"
    since = gce.mark()
    again = gce.run([instance_task(name="tdx-cmek", boot_disk_kms_key_name=KEY)])
    assert again.status("create") == "ok", again.output
    assert gce.writes(since) == []
    other = gce.run([instance_task(name="tdx-cmek", boot_disk_kms_key_name=KEY + "2")])
    assert other.status("create") == "failed"
    assert "boot_disk_kms_key_name is %s, the task asks for %s2 (a disk's encryption key is set when it is " \
           "created)" % (KEY, KEY) in other.result("create")["msg"]
    assert gce.writes(since) == []
    # A disk with Google's own key is a difference too, not an unset option.
    assert gce.run([instance_task(name="tdx-plain")]).status("create") == "changed"
    since = gce.mark()
    keyed = gce.run([instance_task(name="tdx-plain", boot_disk_kms_key_name=KEY)])
    assert keyed.status("create") == "failed"
    assert "boot_disk_kms_key_name is None, the task asks for %s" % KEY in keyed.result("create")["msg"]
    assert gce.writes(since) == []


def test_additional_disks_are_made_with_the_instance_and_a_rerun_is_unchanged(gce):
    disks = [{"size_gb": 50, "type": "pd-ssd"}, {"name": "tdx-data-logs", "size_gb": 20, "auto_delete": False,
                                                 "kms_key_name": KEY}]
    run = gce.run([instance_task(name="tdx-data", additional_disks=disks)])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["instance"]["additional_disks"] == [
        {"name": "tdx-data-1", "size_gb": 50, "auto_delete": True, "kms_key_name": None},
        {"name": "tdx-data-logs", "size_gb": 20, "auto_delete": False, "kms_key_name": KEY}]
    attached = held(gce, "tdx-data")["disks"]
    assert [disk["source"].rsplit("/", 1)[-1] for disk in attached] == ["tdx-data", "tdx-data-1", "tdx-data-logs"]
    assert all(disk["interface"] == "NVME" for disk in attached)
    since = gce.mark()
    again = gce.run([instance_task(name="tdx-data", additional_disks=disks)])
    assert again.status("create") == "ok", again.output
    assert gce.writes(since) == []
    fewer = gce.run([instance_task(name="tdx-data", additional_disks=disks[:1])])
    assert fewer.status("create") == "failed"
    assert ("additional_disks is tdx-data-1 50 GB, tdx-data-logs 20 GB kept key %s, the task asks for tdx-data-1 "
            "50 GB (disks are made with the instance)" % KEY) in fewer.result("create")["msg"]
    assert gce.writes(since) == []


def test_a_fleet_shows_keys_disks_and_kept_labels_in_check_mode_and_diff_then_makes_them(gce):
    entries = [{"name": "fleet-keyed", "boot_disk_kms_key_name": KEY, "additional_disks": [{"size_gb": 30}]},
               {"name": "fleet-plain", "allow_stopping_for_update": True}]
    task = {"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": ZONE, "labels": {"tier": "web"}, "purge_labels": False, "instances": entries}}
    checked = gce.run([task], check=True, diff=True)
    assert checked.status("fleet") == "changed", checked.output
    assert gce.writes() == []
    after = dict((diff["after_header"], diff["after"]) for diff in checked.result("fleet")["diff"])
    assert after["fleet-keyed"]["boot_disk_kms_key_name"] == KEY
    assert after["fleet-keyed"]["additional_disks"] == [
        {"name": "fleet-keyed-1", "size_gb": 30, "auto_delete": True, "kms_key_name": None}]
    assert after["fleet-plain"]["additional_disks"] == []
    made = gce.run([task])
    assert made.status("fleet") == "changed", made.output
    assert [disk["source"].rsplit("/", 1)[-1] for disk in held(gce, "fleet-keyed")["disks"]] == [
        "fleet-keyed", "fleet-keyed-1"]
    # Another tool's label survives a rerun without purge.
    gce.run([{"name": "other", "confidential.tdx.gce_instance": {
        "name": "fleet-plain", "zone": ZONE, "labels": {"tier": "web", "owner": "ops"}}}])
    since = gce.mark()
    again = gce.run([task])
    assert again.status("fleet") == "ok", again.output
    assert gce.writes(since) == []
    assert held(gce, "fleet-plain")["labels"] == {"tier": "web", "owner": "ops"}
