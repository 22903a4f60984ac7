"""gce_instance through ansible-playbook and the real client, against the emulator: the lifecycle."""

import pytest

from tests.inprocess.gce.harness import held, instance_task

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"


def instance_path(gce, name, zone=ZONE):
    return "/compute/v1/projects/%s/zones/%s/instances/%s" % (gce.project, zone, name)


DEFAULT_FAMILY_PATH = "/compute/v1/projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"


def unchanged_reads(gce, name, zone=ZONE):
    """The calls of a rerun that finds the instance as the task wants it: the instance, its boot disk
    (whose sourceImage tells the image it was made from) and the task's image family; no write."""
    return [("GET", instance_path(gce, name, zone)),
            ("GET", "/compute/v1/projects/%s/zones/%s/disks/%s" % (gce.project, zone, name)),
            ("GET", DEFAULT_FAMILY_PATH)]


def read_calls(gce, since):
    return [(call["method"], call["path"]) for call in gce.calls(since)]


@pytest.mark.end_to_end  # in-process, and through Ansible as proof
def test_create_makes_a_tdx_vm_and_an_unchanged_rerun_only_reads(gce):
    tasks = [instance_task(name="tdx-create", labels={"env": "test"})]
    first = gce.run(tasks)
    assert first.status("create") == "changed", first.output
    created = first.result("create")
    assert created["actions"] == ["create in us-central1-a"]
    instance = created["instance"]
    assert instance["name"] == "tdx-create"
    assert instance["zone"] == ZONE
    assert instance["status"] == "RUNNING"
    assert instance["confidential_instance_type"] == "TDX"
    assert instance["on_host_maintenance"] == "TERMINATE"
    assert instance["machine_type"] == "c3-standard-4"
    assert "TDX_CAPABLE" in instance["guest_os_features"]
    assert instance["labels"] == {"env": "test"}
    assert instance["internal_ip"] and instance["external_ip"]
    assert instance["id"] and instance["self_link"].endswith("/instances/tdx-create")
    assert instance["creation_timestamp"]

    inserts = [call for call in gce.calls() if call["method"] == "POST" and call["path"].endswith("/instances")]
    assert len(inserts) == 1
    body = inserts[0]["body"]
    assert body["confidentialInstanceConfig"] == {"confidentialInstanceType": "TDX"}
    assert body["scheduling"]["onHostMaintenance"] == "TERMINATE"
    assert inserts[0]["query"]["requestId"]
    stored = held(gce, "tdx-create")
    assert stored["confidentialInstanceConfig"]["confidentialInstanceType"] == "TDX"

    before_rerun = gce.mark()
    rerun = gce.run(tasks)
    assert rerun.status("create") == "ok", rerun.output
    assert rerun.result("create")["changed"] is False
    assert rerun.result("create")["actions"] == []
    assert read_calls(gce, before_rerun) == unchanged_reads(gce, "tdx-create")


def test_check_mode_creates_nothing_and_makes_no_write_call(gce):
    run = gce.run([instance_task(name="tdx-check")], check=True)
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["actions"] == ["create in us-central1-a"]
    assert result["instance"]["confidential_instance_type"] == "TDX"
    assert result["instance"]["zone"] == ZONE
    assert gce.writes() == []
    assert gce.instances() == []


def test_check_mode_on_an_existing_instance_reports_without_writing(gce):
    assert gce.run([instance_task(name="tdx-check2", labels={"env": "a"})]).status("create") == "changed"
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-check2", labels={"env": "b"}, state="stopped")], check=True)
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["actions"] == ["set labels", "stop"]
    assert result["instance"]["labels"] == {"env": "b"}
    assert result["instance"]["status"] == "TERMINATED"
    assert gce.writes(since) == []
    stored = held(gce, "tdx-check2")
    assert stored["labels"] == {"env": "a"} and stored["status"] == "RUNNING"


@pytest.mark.end_to_end  # in-process, and through Ansible for the diff it prints
def test_diff_mode_shows_before_and_after(gce):
    created = gce.run([instance_task(name="tdx-diff", labels={"env": "a"})], diff=True)
    diff = created.result("create")["diff"]
    assert diff["before"] == {}
    assert diff["after"]["name"] == "tdx-diff"
    assert diff["after"]["confidential_instance_type"] == "TDX"

    changed = gce.run([instance_task(name="tdx-diff", labels={"env": "b"})], diff=True)
    diff = changed.result("create")["diff"]
    assert diff["before"]["labels"] == {"env": "a"}
    assert diff["after"]["labels"] == {"env": "b"}
    if gce.prints_output:
        assert "env" in changed.stdout  # the default callback prints the diff too


def test_labels_and_metadata_drift_is_corrected_in_place_with_fingerprints(gce):
    first = gce.run([instance_task(name="tdx-drift", labels={"env": "a"}, metadata={"startup-script": "echo hi"})])
    original_id = first.result("create")["instance"]["id"]
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-drift", labels={"env": "b", "team": "sec"},
                                 metadata={"enable-oslogin": True})])
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["actions"] == ["set labels", "set metadata"]
    assert result["instance"]["id"] == original_id  # corrected, not recreated
    assert result["instance"]["labels"] == {"env": "b", "team": "sec"}
    assert result["instance"]["metadata"] == {"enable-oslogin": "TRUE"}
    writes = gce.writes(since)
    assert [call["path"].rsplit("/", 1)[-1] for call in writes] == ["setLabels", "setMetadata"]
    assert writes[0]["body"]["labelFingerprint"]
    assert writes[1]["body"]["fingerprint"]
    assert all(call["query"].get("requestId") for call in writes)

    since = gce.mark()
    again = gce.run([instance_task(name="tdx-drift", labels={"env": "b", "team": "sec"},
                                   metadata={"enable-oslogin": True})])
    assert again.status("create") == "ok", again.output
    assert read_calls(gce, since) == unchanged_reads(gce, "tdx-drift")


def test_stop_start_restart(gce):
    gce.run([instance_task(name="tdx-power")])

    since = gce.mark()
    stopped = gce.run([instance_task(name="tdx-power", state="stopped")])
    assert stopped.status("create") == "changed", stopped.output
    assert stopped.result("create")["instance"]["status"] == "TERMINATED"
    assert [call["path"].rsplit("/", 1)[-1] for call in gce.writes(since)] == ["stop"]
    assert held(gce, "tdx-power")["status"] == "TERMINATED"

    since = gce.mark()
    assert gce.run([instance_task(name="tdx-power", state="stopped")]).status("create") == "ok"
    assert read_calls(gce, since) == unchanged_reads(gce, "tdx-power")

    since = gce.mark()
    started = gce.run([instance_task(name="tdx-power", state="started")])
    assert started.status("create") == "changed", started.output
    assert started.result("create")["instance"]["status"] == "RUNNING"
    assert [call["path"].rsplit("/", 1)[-1] for call in gce.writes(since)] == ["start"]

    since = gce.mark()
    restarted = gce.run([instance_task(name="tdx-power", state="restarted")])
    assert restarted.status("create") == "changed", restarted.output
    assert restarted.result("create")["actions"] == ["stop", "start"]
    assert restarted.result("create")["instance"]["status"] == "RUNNING"
    assert [call["path"].rsplit("/", 1)[-1] for call in gce.writes(since)] == ["stop", "start"]


def test_create_stopped(gce):
    run = gce.run([instance_task(name="tdx-cold", state="stopped")])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["create in us-central1-a", "stop"]
    assert held(gce, "tdx-cold")["status"] == "TERMINATED"


def test_delete_and_rerun(gce):
    gce.run([instance_task(name="tdx-gone")])
    since = gce.mark()
    deleted = gce.run([instance_task(name="tdx-gone", state="absent")])
    assert deleted.status("create") == "changed", deleted.output
    assert deleted.result("create")["instance"] == {}
    assert [call["method"] for call in gce.writes(since)] == ["DELETE"]
    assert held(gce, "tdx-gone") is None

    since = gce.mark()
    again = gce.run([instance_task(name="tdx-gone", state="absent")])
    assert again.status("create") == "ok", again.output
    assert read_calls(gce, since) == [("GET", instance_path(gce, "tdx-gone"))]


def test_deletion_protection_blocks_delete_until_lifted_in_the_task(gce):
    gce.run([instance_task(name="tdx-keep", deletion_protection=True)])
    assert held(gce, "tdx-keep")["deletionProtection"] is True
    since = gce.mark()
    refused = gce.run([instance_task(name="tdx-keep", state="absent")])
    assert refused.status("create") == "failed"
    message = refused.result("create")["msg"]
    assert "deletion_protection: false" in message and "\n" not in message
    assert gce.writes(since) == []

    lifted = gce.run([instance_task(name="tdx-keep", state="absent", deletion_protection=False)])
    assert lifted.status("create") == "changed", lifted.output
    assert held(gce, "tdx-keep") is None


def non_tdx_instance(name):
    return {
        "name": name, "zone": ZONE, "machineType": "n2-standard-4", "status": "RUNNING",
        "scheduling": {"onHostMaintenance": "MIGRATE", "automaticRestart": True},
        "networkInterfaces": [{"network": "global/networks/default", "networkIP": "10.128.0.9",
                               "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "natIP": "203.0.113.9"}]}],
        "disks": [{"boot": True, "diskSizeGb": "10",
                   "licenses": ["https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/licenses/ubuntu-2204-lts"],
                   "guestOsFeatures": [{"type": "UEFI_COMPATIBLE"}]}],
        "shieldedInstanceConfig": {"enableSecureBoot": True},
    }


def test_an_existing_vm_that_is_not_tdx_fails_clearly_unless_recreate(gce):
    gce.admin.load_state({"instances": [non_tdx_instance("legacy-vm")]})
    refused = gce.run([instance_task(name="legacy-vm")])
    assert refused.status("create") == "failed"
    message = refused.result("create")["msg"]
    assert "confidential instance type is none" in message
    assert "cannot be converted to TDX" in message
    assert "recreate: true" in message
    assert "\n" not in message
    assert gce.writes() == []

    since = gce.mark()
    recreated = gce.run([instance_task(name="legacy-vm", recreate=True)])
    assert recreated.status("create") == "changed", recreated.output
    assert recreated.result("create")["actions"] == ["delete from us-central1-a", "create in us-central1-a"]
    assert recreated.result("create")["instance"]["confidential_instance_type"] == "TDX"
    assert [call["method"] for call in gce.writes(since)] == ["DELETE", "POST"]


def test_machine_type_cannot_change_on_a_running_vm(gce):
    """Refused before any write; the fix offered is a stop (state or allow_stopping_for_update), never a recreate."""
    gce.run([instance_task(name="tdx-size")])
    since = gce.mark()
    refused = gce.run([instance_task(name="tdx-size", machine_type="c3-standard-8")])
    assert refused.status("create") == "failed"
    message = refused.result("create")["msg"]
    assert "machine_type is c3-standard-4, the task asks for c3-standard-8" in message
    assert "state: stopped" in message
    assert "allow_stopping_for_update: true" in message
    assert "recreate" not in message, message
    assert gce.writes(since) == []


def test_machine_type_changes_in_place_while_stopped(gce):
    if not gce.serves("POST", "setMachineType"):
        pytest.skip("the emulator does not implement instances.setMachineType")
    gce.run([instance_task(name="tdx-resize", state="stopped")])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-resize", machine_type="c3-standard-8", state="started")])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["set machine type", "start"]
    assert run.result("create")["instance"]["machine_type"] == "c3-standard-8"
    assert [call["path"].rsplit("/", 1)[-1] for call in gce.writes(since)] == ["setMachineType", "start"]


def test_network_tags_change_in_place(gce):
    if not gce.serves("POST", "setTags"):
        pytest.skip("the emulator does not implement instances.setTags")
    gce.run([instance_task(name="tdx-tags", network_tags=["ssh"])])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-tags", network_tags=["ssh", "https"])])
    assert run.status("create") == "changed", run.output
    assert sorted(run.result("create")["instance"]["network_tags"]) == ["https", "ssh"]
    writes = gce.writes(since)
    assert [call["path"].rsplit("/", 1)[-1] for call in writes] == ["setTags"]
    assert writes[0]["body"]["fingerprint"]


def test_an_instance_of_that_name_in_another_zone_is_not_duplicated(gce):
    gce.run([instance_task(name="tdx-moved", zone="us-central1-b")])
    since = gce.mark()
    refused = gce.run([instance_task(name="tdx-moved", zone="us-central1-a")])
    assert refused.status("create") == "failed"
    assert "zone is us-central1-b, the task asks for us-central1-a" in refused.result("create")["msg"]
    assert gce.writes(since) == []
    assert len(gce.instances()) == 1


def test_wait_false_returns_once_the_create_is_accepted(gce):
    gce.admin.configure(operation_seconds=60)  # still provisioning when the module returns, however slow the machine
    run = gce.run([instance_task(name="tdx-nowait", wait=False)])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["instance"]["status"] in ("PROVISIONING", "STAGING")
    assert not [call for call in gce.calls() if "/operations/" in call["path"]]
