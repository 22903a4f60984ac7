"""instances.suspend and instances.resume, and why a Confidential VM cannot be suspended."""

import pytest
from google.api_core import exceptions

from .helpers import ZONE, api_errors, reasons, tdx_instance


def plain_instance(name):
    """A VM that is not confidential, which Google lets suspend."""
    return tdx_instance(name, machine_type="n2-standard-4", confidential_type=None, maintenance=None)


def suspend(compute, name):
    return compute.instances.suspend_unary(project=compute.project, zone=ZONE, instance=name)


def resume(compute, name):
    return compute.instances.resume_unary(project=compute.project, zone=ZONE, instance=name)


def test_suspend_then_resume_a_plain_vm(compute, gce_emulator):
    compute.create(plain_instance("plain-sleeper"))
    compute.wait(suspend(compute, "plain-sleeper"))
    assert compute.get("plain-sleeper").status == "SUSPENDED"
    operation = compute.wait(resume(compute, "plain-sleeper"))
    assert operation.operation_type == "resume" and not operation.error.errors
    assert compute.get("plain-sleeper").status == "RUNNING"


def test_a_suspending_instance_passes_through_suspending(compute, gce_emulator):
    compute.create(plain_instance("plain-passing"))
    gce_emulator.admin.configure(operation_seconds=30)
    suspend(compute, "plain-passing")
    assert compute.get("plain-passing").status == "SUSPENDING"
    gce_emulator.admin.advance_clock(31)
    assert compute.get("plain-passing").status == "SUSPENDED"


def test_a_tdx_instance_cannot_be_suspended(compute, gce_emulator):
    compute.create(tdx_instance("tdx-no-sleep"))
    with pytest.raises(exceptions.BadRequest) as refusal:
        suspend(compute, "tdx-no-sleep")
    assert reasons(refusal) == ["unsupportedOperation"]
    assert "Confidential VM is not supported" in api_errors(refusal)[0]["message"]
    assert compute.get("tdx-no-sleep").status == "RUNNING"


def test_only_a_running_instance_can_be_suspended(compute, gce_emulator):
    compute.create(plain_instance("plain-stopped"))
    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="plain-stopped"))
    with pytest.raises(exceptions.BadRequest) as refusal:
        suspend(compute, "plain-stopped")
    assert api_errors(refusal)[0]["message"] == "You cannot suspend an instance that is stopped or terminated."


def test_an_instance_cannot_be_suspended_twice(compute, gce_emulator):
    compute.create(plain_instance("plain-twice"))
    compute.wait(suspend(compute, "plain-twice"))
    with pytest.raises(exceptions.BadRequest) as refusal:
        suspend(compute, "plain-twice")
    assert api_errors(refusal)[0]["message"] == "You cannot suspend an already suspended instance."


def test_only_a_suspended_instance_can_be_resumed(compute, gce_emulator):
    compute.create(tdx_instance("tdx-awake"))
    with pytest.raises(exceptions.BadRequest) as refusal:
        resume(compute, "tdx-awake")
    assert reasons(refusal) == ["unsupportedOperation"]
    assert "is RUNNING" in api_errors(refusal)[0]["message"]


def test_a_suspended_tdx_instance_loaded_as_state_resumes(compute, gce_emulator):
    """What gce_instance meets when it finds a SUSPENDED instance (state loaded by the test)."""
    gce_emulator.admin.load_state({"instances": [{
        "name": "tdx-loaded-asleep", "zone": ZONE, "status": "SUSPENDED",
        "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"}}]})
    compute.wait(resume(compute, "tdx-loaded-asleep"))
    assert compute.get("tdx-loaded-asleep").status == "RUNNING"


def test_a_suspended_instance_holds_no_cpu_quota(compute, gce_emulator):
    gce_emulator.admin.configure(cpu_quota={"us-central1": 4})
    compute.create(plain_instance("plain-quota"))
    compute.wait(suspend(compute, "plain-quota"))
    second = compute.wait(compute.insert(plain_instance("plain-quota-2")))
    assert not second.error.errors
    refused = compute.wait(resume(compute, "plain-quota"))
    assert [e.code for e in refused.error.errors] == ["QUOTA_EXCEEDED"]
    assert compute.get("plain-quota").status == "SUSPENDED"
