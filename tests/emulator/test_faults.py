"""Faults on demand, as the real client sees them, and capacity errors on operations."""

import uuid

import pytest
import requests
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, reasons, status_name, tdx_instance

INSERT_PATH = r"/zones/us-central1-a/instances$"


def test_a_429_reaches_the_client_as_too_many_requests(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "429", "count": 1}])
    with pytest.raises(exceptions.TooManyRequests) as throttled:
        compute.insert(tdx_instance("tdx-throttled"))
    assert reasons(throttled) == ["rateLimitExceeded"]
    assert gce_emulator.admin.instances() == []
    # The fault is spent: the retry goes through.
    assert not compute.wait(compute.insert(tdx_instance("tdx-throttled"))).error.errors


@pytest.mark.parametrize("kind, exception", [("503", exceptions.ServiceUnavailable),
                                             ("500", exceptions.InternalServerError)])
def test_backend_errors_reach_the_client(compute, gce_emulator, kind, exception):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": kind, "count": 1}])
    with pytest.raises(exception) as failed:
        compute.insert(tdx_instance("tdx-backend"))
    assert reasons(failed) == ["backendError"]
    assert failed.value.code == int(kind)


def test_the_clients_own_retry_rides_out_a_503_on_a_read(compute, gce_emulator):
    """GET methods retry ServiceUnavailable by default; the log shows both calls."""
    compute.create(tdx_instance("tdx-read"))
    gce_emulator.admin.clear_requests()
    gce_emulator.admin.set_faults([{"method": "GET", "path": "/instances/tdx-read$", "kind": "503", "count": 1}])
    assert compute.get("tdx-read").name == "tdx-read"
    statuses = [entry["status"] for entry in gce_emulator.admin.requests()]
    assert statuses == [503, 200]


def test_a_dropped_connection_reaches_the_client(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "drop", "count": 1}])
    with pytest.raises(requests.exceptions.ConnectionError):
        compute.insert(tdx_instance("tdx-dropped"))
    assert [entry["status"] for entry in gce_emulator.admin.requests()] == ["dropped"]


def test_latency_delays_but_does_not_fail_a_call(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "*", "path": "/instances", "kind": "latency", "latency_seconds": 0.05}])
    assert compute.list_names() == []
    assert gce_emulator.admin.faults()[0]["fired"] == 1


def _outcomes(compute, gce_emulator, seed):
    """What thirty list calls see under seeded drop / 503 / 429 faults (client retries off)."""
    gce_emulator.admin.reset()
    gce_emulator.admin.set_faults([
        {"method": "GET", "path": "/instances$", "kind": "drop", "probability": 0.2, "seed": seed},
        {"method": "GET", "path": "/instances$", "kind": "503", "probability": 0.2, "seed": seed + 1},
        {"method": "GET", "path": "/instances$", "kind": "429", "probability": 0.3, "seed": seed + 2},
    ])
    request = compute_v1.ListInstancesRequest(project=compute.project, zone=ZONE)
    seen = []
    for _ in range(30):
        try:
            list(compute.instances.list(request=request, retry=None))
            seen.append("ok")
        except requests.exceptions.ConnectionError:
            seen.append("dropped")
        except exceptions.GoogleAPICallError as failure:
            seen.append(failure.code)
    return seen


def test_a_seeded_fault_schedule_repeats_exactly(compute, gce_emulator):
    first = _outcomes(compute, gce_emulator, seed=1234)
    assert first == _outcomes(compute, gce_emulator, seed=1234)
    assert set(first) == {"ok", "dropped", 503, 429}
    assert first != _outcomes(compute, gce_emulator, seed=99)


def test_a_stocked_out_zone_fails_the_operation_not_the_call(compute, gce_emulator):
    gce_emulator.admin.configure(stocked_out_zones=[ZONE])
    operation = compute.insert(tdx_instance("tdx-stockout"))
    assert status_name(operation) in ("PENDING", "RUNNING", "DONE")
    done = compute.wait(operation)
    assert [e.code for e in done.error.errors] == ["ZONE_RESOURCE_POOL_EXHAUSTED"]
    assert done.error.errors[0].message.startswith(
        "The zone 'projects/tdx-test-project/zones/us-central1-a' does not have enough resources available")
    assert done.http_error_status_code == 503
    assert gce_emulator.admin.instances() == []
    # Another TDX zone still has room.
    assert not compute.wait(compute.insert(tdx_instance("tdx-stockout", zone="us-central1-b"), zone="us-central1-b"),
                            zone="us-central1-b").error.errors


def test_the_cpu_quota_counts_guest_cpus_of_running_instances(compute, gce_emulator):
    gce_emulator.admin.configure(cpu_quota={"us-central1": 8})
    compute.create(tdx_instance("tdx-q1"))  # 4 vCPUs
    compute.create(tdx_instance("tdx-q2", zone="us-central1-b"), zone="us-central1-b")  # 4 more, same region

    over = compute.wait(compute.insert(tdx_instance("tdx-q3")))
    assert [e.code for e in over.error.errors] == ["QUOTA_EXCEEDED"]
    assert over.error.errors[0].message == "Quota 'CPUS' exceeded.  Limit: 8.0 in region us-central1."
    assert over.http_error_status_code == 403

    # A stopped instance gives its vCPUs back.
    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-q1"))
    assert not compute.wait(compute.insert(tdx_instance("tdx-q3"))).error.errors
    # ...and cannot start again while the quota is full.
    restart = compute.wait(compute.instances.start_unary(project=compute.project, zone=ZONE, instance="tdx-q1"))
    assert [e.code for e in restart.error.errors] == ["QUOTA_EXCEEDED"]
    assert compute.get("tdx-q1").status == "TERMINATED"


def test_faults_apply_to_the_token_endpoint_too(gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": "^/token$", "kind": "503", "count": 1}])
    response = requests.post(gce_emulator.base_url + "/token", data={"grant_type": "x"}, timeout=10)
    assert response.status_code == 503


def test_skip_lets_the_first_matching_calls_through_then_fires(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "429", "skip": 1, "count": 1}])
    assert not compute.wait(compute.insert(tdx_instance("tdx-first"))).error.errors
    with pytest.raises(exceptions.TooManyRequests):
        compute.insert(tdx_instance("tdx-second"))
    assert not compute.wait(compute.insert(tdx_instance("tdx-second"))).error.errors
    assert gce_emulator.admin.faults()[0]["fired"] == 1


def test_a_bad_fault_spec_is_refused(gce_emulator):
    from gce_emulator.admin import AdminCallError

    with pytest.raises(AdminCallError, match="fault kind must be one of"):
        gce_emulator.admin.set_faults([{"kind": "418"}])
    with pytest.raises(AdminCallError, match="count or probability, not both"):
        gce_emulator.admin.set_faults([{"kind": "429", "count": 1, "probability": 0.5}])
    with pytest.raises(AdminCallError, match="skip must be 0 or more"):
        gce_emulator.admin.set_faults([{"kind": "429", "skip": -1}])


def test_request_id_makes_a_repeated_insert_act_once(compute, gce_emulator):
    request_id = str(uuid.uuid4())
    first = compute.insert(tdx_instance("tdx-once"), request_id=request_id)
    second = compute.insert(tdx_instance("tdx-once"), request_id=request_id)  # no 409: the same operation
    assert second.name == first.name
    assert [i["name"] for i in gce_emulator.admin.instances()] == ["tdx-once"]
    posts = [e for e in gce_emulator.admin.requests() if e["method"] == "POST"]
    assert [e["query"]["requestId"] for e in posts] == [request_id, request_id]


def test_request_id_after_a_dropped_reply_returns_the_first_operation(compute, gce_emulator):
    """The retry a module makes when it never saw the answer: still one instance."""
    request_id = str(uuid.uuid4())
    compute.wait(compute.insert(tdx_instance("tdx-retried"), request_id=request_id))
    again = compute.insert(tdx_instance("tdx-retried"), request_id=request_id)
    assert status_name(again) == "DONE" and again.operation_type == "insert"
    assert len(gce_emulator.admin.instances()) == 1


def test_request_ids_are_per_project(compute, gce_emulator):
    request_id = str(uuid.uuid4())
    compute.insert(tdx_instance("tdx-p1"), request_id=request_id)
    compute.project = "another-project"
    compute.insert(tdx_instance("tdx-p1"), request_id=request_id)
    assert sorted(i["project"] for i in gce_emulator.admin.instances()) == ["another-project", "tdx-test-project"]


def test_the_zero_uuid_is_not_a_request_id(compute):
    with pytest.raises(exceptions.BadRequest) as refusal:
        compute.insert(tdx_instance("tdx-zero"), request_id="00000000-0000-0000-0000-000000000000")
    assert reasons(refusal) == ["invalid"]
