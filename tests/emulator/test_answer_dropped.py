"""The drop_answer fault: the call takes effect, its answer is lost; requestId is what saves the retry."""

import uuid

import pytest
import requests
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, reasons, status_name, tdx_instance

INSERT_PATH = r"/zones/us-central1-a/instances$"


def test_the_write_happens_although_the_client_gets_no_answer(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "drop_answer", "count": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        compute.insert(tdx_instance("tdx-lost-answer"))
    assert [i["name"] for i in gce_emulator.admin.instances()] == ["tdx-lost-answer"]
    logged = gce_emulator.admin.requests()
    assert [(e["status"], e.get("served_status")) for e in logged] == [("answer_dropped", 200)]


def test_a_retry_with_the_same_request_id_gets_the_first_operation_back(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "drop_answer", "count": 1}])
    request_id = str(uuid.uuid4())
    with pytest.raises(requests.exceptions.ConnectionError):
        compute.insert(tdx_instance("tdx-retry-same-id"), request_id=request_id)
    started = gce_emulator.admin.instances()
    operations_before = compute.operations.list(project=compute.project, zone=ZONE)

    retried = compute.insert(tdx_instance("tdx-retry-same-id"), request_id=request_id)

    assert retried.operation_type == "insert"
    assert [op.name for op in operations_before] == [retried.name]
    assert [i["id"] for i in gce_emulator.admin.instances()] == [i["id"] for i in started]
    assert status_name(compute.wait(retried)) == "DONE"


def test_a_retry_without_a_request_id_acts_again_and_is_refused(compute, gce_emulator):
    """What a client without requestId would see: its own write, reported as a conflict."""
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "drop_answer", "count": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        compute.insert(tdx_instance("tdx-retry-no-id"))
    with pytest.raises(exceptions.Conflict) as conflict:
        compute.insert(tdx_instance("tdx-retry-no-id"))
    assert reasons(conflict) == ["alreadyExists"]


def test_a_refused_call_is_also_answered_with_silence(compute, gce_emulator):
    """The fault drops whatever the answer was, an error included."""
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "drop_answer", "count": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        compute.insert(tdx_instance("tdx-bad-zone-machine", machine_type="n2-standard-4"))
    assert gce_emulator.admin.instances() == []
    assert gce_emulator.admin.requests()[0]["served_status"] == 400


def test_a_delete_whose_answer_is_lost_still_deletes(compute, gce_emulator):
    compute.create(tdx_instance("tdx-delete-lost"))
    gce_emulator.admin.set_faults([{"method": "DELETE", "path": "/instances/", "kind": "drop_answer", "count": 1}])
    request = compute_v1.DeleteInstanceRequest(
        project=compute.project, zone=ZONE, instance="tdx-delete-lost", request_id=str(uuid.uuid4()))
    with pytest.raises(requests.exceptions.ConnectionError):
        compute.instances.delete_unary(request=request)
    compute.wait(compute.instances.delete_unary(request=request))
    assert gce_emulator.admin.instances() == []
