"""gce_instance's changes that need the instance stopped, against the emulator (issue 26, the write paths).

A change the API makes only to a stopped instance (machine type, provisioning
model, service account, Secure Boot) is checked in full before the stop: the
machine type is read in the zone (machineTypes.get), its series and TDX rules
and the instance's disk types are judged, in check mode too. When a call after
the stop fails, what the task changed is set back and the instance is started
again; the result lists the calls made, in order, and fails. A machine-type
change is never a recreate.
"""

import pytest

from tests.inprocess.gce.harness import held, instance_task

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"


def write_kinds(gce, since):
    return [call["path"].rsplit("/", 1)[-1] for call in gce.writes(since)]


def machine_type_of(gce, name):
    return held(gce, name)["machineType"].rsplit("/", 1)[-1]


@pytest.mark.parametrize("machine_type, says", [
    # No such machine type in the zone: machineTypes.get answers 404.
    ("c3-standard-6", "machine_type: c3-standard-6 is not offered in zone us-central1-a (machineTypes.get found "
                      "none)"),
    # Another series: a C3 instance's machine type changes within C3 only, and N2 runs no TDX.
    ("n2-standard-4", "machine_type: n2-standard-4 is of series N2, the instance is a C3 machine"),
])
def test_a_machine_type_the_api_would_refuse_is_refused_before_the_stop_in_check_mode_too(gce, machine_type, says):
    assert gce.run([instance_task(name="tdx-mt")]).status("create") == "changed"
    task = instance_task(name="tdx-mt", machine_type=machine_type, allow_stopping_for_update=True)
    since = gce.mark()
    checked = gce.run([task], check=True)
    assert checked.status("create") == "failed", checked.output
    assert says in checked.result("create")["msg"], checked.result("create")["msg"]
    run = gce.run([task])
    assert run.status("create") == "failed", run.output
    result = run.result("create")
    assert says in result["msg"], result["msg"]
    assert result["changed"] is False and result["actions"] == []
    assert gce.writes(since) == []
    assert any("/machineTypes/%s" % machine_type in call["path"] for call in gce.calls(since))
    assert held(gce, "tdx-mt")["status"] == "RUNNING" and machine_type_of(gce, "tdx-mt") == "c3-standard-4"


def test_when_a_call_after_the_stop_fails_the_instance_is_started_again_and_the_result_names_every_call(gce):
    assert gce.run([instance_task(name="tdx-back")]).status("create") == "changed"
    gce.admin.set_faults([{"method": "POST", "path": r"/instances/tdx-back/setMachineType$",
                           "kind": "operation_error", "count": 1}])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-back", machine_type="c3-standard-8", allow_stopping_for_update=True)])
    assert run.status("create") == "failed", run.output
    result = run.result("create")
    assert result["changed"] is True
    assert result["actions"] == ["stop", "set machine type (failed)", "start again"]
    assert "ended with INTERNAL_ERROR" in result["msg"] and "\n" not in result["msg"]
    assert "started again, RUNNING as it was" in result["msg"], result["msg"]
    assert write_kinds(gce, since) == ["stop", "setMachineType", "start"]
    assert held(gce, "tdx-back")["status"] == "RUNNING" and machine_type_of(gce, "tdx-back") == "c3-standard-4"
    # Without the fault, the same task reaches the wanted state.
    again = gce.run([instance_task(name="tdx-back", machine_type="c3-standard-8", allow_stopping_for_update=True)])
    assert again.status("create") == "changed", again.output
    assert machine_type_of(gce, "tdx-back") == "c3-standard-8" and held(gce, "tdx-back")["status"] == "RUNNING"


def test_a_change_made_before_the_call_that_failed_is_set_back(gce):
    assert gce.run([instance_task(name="tdx-undo")]).status("create") == "changed"
    gce.admin.set_faults([{"method": "POST", "path": r"/instances/tdx-undo/setServiceAccount$",
                           "kind": "operation_error", "count": 1}])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-undo", machine_type="c3-standard-8", allow_stopping_for_update=True,
                                 service_account="robot@tdx-test-project.iam.gserviceaccount.com")])
    assert run.status("create") == "failed", run.output
    assert run.result("create")["actions"] == [
        "stop", "set machine type", "set service account (failed)", "set machine type back", "start again"]
    assert write_kinds(gce, since) == ["stop", "setMachineType", "setServiceAccount", "setMachineType", "start"]
    instance = held(gce, "tdx-undo")
    assert instance["status"] == "RUNNING" and machine_type_of(gce, "tdx-undo") == "c3-standard-4"
    assert not instance.get("serviceAccounts")


def test_a_stopped_instance_is_left_stopped_when_a_change_fails(gce):
    assert gce.run([instance_task(name="tdx-still", state="stopped")]).status("create") == "changed"
    gce.admin.set_faults([{"method": "POST", "path": r"/instances/tdx-still/setMachineType$",
                           "kind": "operation_error", "count": 1}])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-still", machine_type="c3-standard-8", state="started")])
    assert run.status("create") == "failed", run.output
    assert run.result("create")["actions"] == ["set machine type (failed)"]
    assert run.result("create")["changed"] is False
    assert write_kinds(gce, since) == ["setMachineType"]
    assert held(gce, "tdx-still")["status"] == "TERMINATED"


def test_recreate_does_not_delete_an_instance_that_differs_only_in_machine_type(gce):
    created = gce.run([instance_task(name="tdx-keep-disk")])
    assert created.status("create") == "changed"
    instance_id = held(gce, "tdx-keep-disk")["id"]
    task = instance_task(name="tdx-keep-disk", machine_type="c3-standard-8", recreate=True)
    since = gce.mark()
    checked = gce.run([task], check=True)
    assert checked.status("create") == "changed", checked.output
    assert checked.result("create")["actions"] == ["stop", "set machine type", "start"]
    run = gce.run([task])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["stop", "set machine type", "start"]
    assert write_kinds(gce, since) == ["stop", "setMachineType", "start"]
    assert held(gce, "tdx-keep-disk")["id"] == instance_id
    assert machine_type_of(gce, "tdx-keep-disk") == "c3-standard-8"


def test_a_machine_type_too_small_for_the_boot_disk_type_is_refused_before_the_stop(gce):
    big = dict(name="tdx-extreme", machine_type="c3-standard-88", boot_disk_type="hyperdisk-extreme",
               boot_disk_size_gb=64)
    assert gce.run([instance_task(**big)]).status("create") == "changed"
    since = gce.mark()
    # The task names the new machine type only (boot_disk_type is used when an instance is created).
    run = gce.run([instance_task(name="tdx-extreme", machine_type="c3-standard-8", boot_disk_size_gb=64,
                                 allow_stopping_for_update=True)])
    assert run.status("create") == "failed", run.output
    message = run.result("create")["msg"]
    assert message.startswith("machine_type: c3-standard-8 cannot take the instance's boot disk tdx-extreme of type "
                              "hyperdisk-extreme"), message
    assert "at least 88 vCPUs" in message
    assert gce.writes(since) == []
    assert held(gce, "tdx-extreme")["status"] == "RUNNING"


def test_a_fleet_member_whose_change_fails_is_started_again_and_the_others_change(gce):
    for name in ("fleet-a", "fleet-b"):
        assert gce.run([instance_task(name=name)]).status("create") == "changed"
    gce.admin.set_faults([{"method": "POST", "path": r"/instances/fleet-b/setMachineType$",
                           "kind": "operation_error", "count": 1}])
    run = gce.run([{"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": ZONE, "machine_type": "c3-standard-8", "allow_stopping_for_update": True,
        "instances": [{"name": "fleet-a"}, {"name": "fleet-b"}]}, "ignore_errors": True}])
    assert run.status("fleet") == "failed", run.output
    reports = dict((report["name"], report) for report in run.result("fleet")["instances"])
    assert reports["fleet-a"]["failed"] is False and machine_type_of(gce, "fleet-a") == "c3-standard-8"
    assert reports["fleet-b"]["actions"] == ["stop", "set machine type (failed)", "start again"]
    assert reports["fleet-b"]["changed"] is True
    assert held(gce, "fleet-b")["status"] == "RUNNING" and machine_type_of(gce, "fleet-b") == "c3-standard-4"
