"""gce_instance's paths the lifecycle and fleet tests do not take, in-process against the emulator."""

import pytest

from tests.inprocess.gce.harness import instance_task

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"


def write_kinds(gce, since):
    return [call["path"].rsplit("/", 1)[-1] if call["method"] == "POST" else call["method"]
            for call in gce.writes(since)]


def test_absent_over_several_zones_deletes_where_the_instance_is(gce):
    gce.run([instance_task(name="tdx-where", zone="us-central1-b")])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-where", zones=[ZONE, "us-central1-b"], state="absent")])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["delete from us-central1-b"]
    assert write_kinds(gce, since) == ["DELETE"]
    assert gce.instances() == []
    again = gce.run([instance_task(name="tdx-where", zones=[ZONE, "us-central1-b"], state="absent")])
    assert again.status("create") == "ok", again.output


def test_check_mode_plans_a_stopped_create_without_writing(gce):
    run = gce.run([instance_task(name="tdx-plan", state="stopped")], check=True, diff=True)
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["actions"] == ["create in us-central1-a", "stop"]
    assert result["instance"]["status"] == "TERMINATED"
    assert result["diff"]["before"] == {} and result["diff"]["after"]["status"] == "TERMINATED"
    assert gce.writes() == []


def test_deletion_protection_changes_in_place(gce):
    gce.run([instance_task(name="tdx-guard")])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-guard", deletion_protection=True)])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["set deletion protection"]
    assert run.result("create")["instance"]["deletion_protection"] is True
    assert write_kinds(gce, since) == ["setDeletionProtection"]


def test_recreate_does_not_lift_deletion_protection(gce):
    gce.run([instance_task(name="tdx-kept", deletion_protection=True, zone="us-central1-b")])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-kept", zone=ZONE, recreate=True)])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "has deletion protection, so recreate cannot delete it" in message and "\n" not in message
    assert run.result("create")["instance"]["zone"] == "us-central1-b"
    assert gce.writes(since) == []


def test_wait_false_leaves_the_last_power_operation_running(gce):
    gce.run([instance_task(name="tdx-quick")])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-quick", state="stopped", wait=False)])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["actions"] == ["stop"]
    assert write_kinds(gce, since) == ["stop"]
    assert not [call for call in gce.calls(since) if "/operations/" in call["path"]]


def test_a_fleet_member_that_cannot_change_fails_with_its_own_reason(gce):
    gce.run([instance_task(name="tdx-elsewhere", zone="us-central1-b")])
    since = gce.mark()
    run = gce.run([{"name": "fleet", "ignore_errors": True, "confidential.tdx.gce_instance": {
        "zone": ZONE, "instances": [{"name": "tdx-elsewhere"}, {"name": "tdx-new"}]}}])
    assert run.status("fleet") == "failed"
    result = run.result("fleet")
    assert result["msg"].startswith("1 of 2 instances failed: tdx-elsewhere: instance tdx-elsewhere differs")
    reports = dict((report["name"], report) for report in result["instances"])
    assert reports["tdx-elsewhere"]["failed"] is True and reports["tdx-elsewhere"]["changed"] is False
    assert "zone is us-central1-b, the task asks for us-central1-a" in reports["tdx-elsewhere"]["msg"]
    assert reports["tdx-new"]["failed"] is False and reports["tdx-new"]["changed"] is True
    assert write_kinds(gce, since) == ["instances"]
