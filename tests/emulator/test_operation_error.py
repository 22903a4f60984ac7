"""The operation_error fault: a write is accepted, then its operation fails and nothing changes."""

import uuid

import pytest
from google.cloud import compute_v1

from .helpers import ZONE, status_name, tdx_instance

INSERT_PATH = r"/zones/us-central1-a/instances$"


def errors_of(operation):
    return [(entry.code, entry.message) for entry in operation.error.errors]


def test_an_insert_is_answered_then_fails_and_leaves_no_instance(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "operation_error", "count": 1}])
    operation = compute.insert(tdx_instance("tdx-op-error"))
    assert operation.operation_type == "insert"
    assert operation.target_link.endswith("/zones/us-central1-a/instances/tdx-op-error")
    finished = compute.wait(operation)
    assert status_name(finished) == "DONE"
    assert errors_of(finished) == [("INTERNAL_ERROR", "Internal error. Please try again or contact Google Support.")]
    assert finished.http_error_status_code == 500
    assert gce_emulator.admin.instances() == []
    # The rule fired once: the next insert works.
    compute.create(tdx_instance("tdx-op-error"))
    assert [i["name"] for i in gce_emulator.admin.instances()] == ["tdx-op-error"]


@pytest.mark.parametrize("verb", ["stop", "delete", "set_labels", "set_deletion_protection"])
def test_other_writes_fail_on_their_operation_and_change_nothing(compute, gce_emulator, verb):
    compute.create(tdx_instance("tdx-op-target", labels={"env": "a"}))
    before = gce_emulator.admin.instances()
    gce_emulator.admin.set_faults([{"method": "*", "path": "/instances/tdx-op-target", "kind": "operation_error",
                                    "code": "RESOURCE_OPERATION_RATE_EXCEEDED", "message": "Too many operations.",
                                    "http_status": 503, "count": 1}])
    fields = dict(project=compute.project, zone=ZONE)
    calls = {
        "stop": lambda: compute.instances.stop_unary(instance="tdx-op-target", **fields),
        "delete": lambda: compute.instances.delete_unary(instance="tdx-op-target", **fields),
        "set_labels": lambda: compute.instances.set_labels_unary(
            instance="tdx-op-target", instances_set_labels_request_resource=compute_v1.InstancesSetLabelsRequest(
                labels={"env": "b"}, label_fingerprint=before[0]["labelFingerprint"]), **fields),
        "set_deletion_protection": lambda: compute.instances.set_deletion_protection_unary(
            request=compute_v1.SetDeletionProtectionInstanceRequest(
                resource="tdx-op-target", deletion_protection=True, **fields)),
    }
    finished = compute.wait(calls[verb]())
    assert errors_of(finished) == [("RESOURCE_OPERATION_RATE_EXCEEDED", "Too many operations.")]
    assert finished.target_id == int(before[0]["id"])
    assert gce_emulator.admin.instances() == before


def test_reads_and_operation_waits_are_never_failed_by_it(compute, gce_emulator):
    compute.create(tdx_instance("tdx-op-read"))
    gce_emulator.admin.set_faults([{"method": "*", "path": "/compute/", "kind": "operation_error"}])
    assert compute.get("tdx-op-read").name == "tdx-op-read"
    finished = compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-op-read"))
    assert errors_of(finished)[0][0] == "INTERNAL_ERROR"
    assert [rule["fired"] for rule in gce_emulator.admin.faults()] == [1]


def test_a_retry_with_the_same_request_id_gets_the_failed_operation(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "operation_error", "count": 1}])
    request_id = str(uuid.uuid4())
    first = compute.insert(tdx_instance("tdx-op-replay"), request_id=request_id)
    again = compute.insert(tdx_instance("tdx-op-replay"), request_id=request_id)
    assert again.name == first.name
    assert errors_of(compute.wait(again))[0][0] == "INTERNAL_ERROR"
    assert gce_emulator.admin.instances() == []


def test_its_settings_are_checked(gce_emulator):
    with pytest.raises(Exception) as refused:
        gce_emulator.admin.set_faults([{"path": "/x", "kind": "503", "code": "INTERNAL_ERROR"}])
    assert "operation_error faults only" in str(refused.value)
