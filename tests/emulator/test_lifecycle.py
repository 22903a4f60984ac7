"""An instance's whole life through the real client, with a service-account key."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1
from google.cloud.compute_v1.services.instances.transports.rest import InstancesRestTransport
from google.cloud.compute_v1.services.zone_operations.transports.rest import ZoneOperationsRestTransport
from google.oauth2 import service_account

from .helpers import CLOUD_PLATFORM, FAST_OPERATION_SECONDS, ZONE, Compute, status_name, tdx_instance


def _lifecycle(compute):
    created = compute.create(tdx_instance("tdx-life-1"))
    assert created.status == "RUNNING"
    assert created.confidential_instance_config.confidential_instance_type == "TDX"

    assert compute.list_names() == ["tdx-life-1"]

    stopped = compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-life-1"))
    assert not stopped.error.errors
    assert compute.get("tdx-life-1").status == "TERMINATED"

    started = compute.wait(compute.instances.start_unary(project=compute.project, zone=ZONE, instance="tdx-life-1"))
    assert not started.error.errors
    assert compute.get("tdx-life-1").status == "RUNNING"

    deleted = compute.wait(compute.instances.delete_unary(project=compute.project, zone=ZONE, instance="tdx-life-1"))
    assert deleted.operation_type == "delete"
    assert compute.list_names() == []


def test_lifecycle_with_the_clients_default_self_signed_jwt(compute, gce_emulator):
    """google-cloud-compute turns a service-account key into a self-signed JWT: no token call."""
    _lifecycle(compute)
    paths = [entry["path"] for entry in gce_emulator.admin.requests()]
    assert "/token" not in paths
    assert any(p.endswith("/instances/tdx-life-1/stop") for p in paths)


def test_lifecycle_with_an_access_token_from_the_token_endpoint(gce_emulator, service_account_file):
    """With self-signed JWTs turned off the key goes through the JWT-bearer grant at /token."""
    sa_credentials = service_account.Credentials.from_service_account_file(
        str(service_account_file), scopes=[CLOUD_PLATFORM])
    host = gce_emulator.base_url
    gce_emulator.admin.configure(operation_seconds=FAST_OPERATION_SECONDS)
    compute = Compute(gce_emulator, sa_credentials)
    compute.instances = compute_v1.InstancesClient(
        transport=InstancesRestTransport(host=host, credentials=sa_credentials, always_use_jwt_access=False))
    compute.operations = compute_v1.ZoneOperationsClient(
        transport=ZoneOperationsRestTransport(host=host, credentials=sa_credentials, always_use_jwt_access=False))

    _lifecycle(compute)

    log = gce_emulator.admin.requests()
    token_calls = [entry for entry in log if entry["path"] == "/token"]
    assert len(token_calls) == 1  # one token serves every later call
    assert token_calls[0]["status"] == 200
    assert token_calls[0]["body"] == {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}
    assert all(entry["status"] == 200 for entry in log)


def test_operation_and_instance_move_through_their_states(compute, gce_emulator):
    gce_emulator.admin.configure(operation_seconds=60)

    operation = compute.insert(tdx_instance("tdx-states"))
    assert status_name(operation) == "PENDING"
    assert compute.get("tdx-states").status == "PROVISIONING"

    gce_emulator.admin.advance_clock(15)  # past a fifth of the operation
    operation = compute.operations.get(project=compute.project, zone=ZONE, operation=operation.name)
    assert status_name(operation) == "RUNNING"
    assert operation.start_time
    assert compute.get("tdx-states").status == "STAGING"

    gce_emulator.admin.advance_clock(50)
    operation = compute.operations.get(project=compute.project, zone=ZONE, operation=operation.name)
    assert status_name(operation) == "DONE"
    assert operation.progress == 100 and operation.end_time
    assert compute.get("tdx-states").status == "RUNNING"

    stop = compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-states")
    assert compute.get("tdx-states").status == "STOPPING"
    gce_emulator.admin.advance_clock(61)
    assert status_name(compute.operations.get(project=compute.project, zone=ZONE, operation=stop.name)) == "DONE"
    assert compute.get("tdx-states").status == "TERMINATED"


def test_wait_returns_the_operation_as_it_stands_when_its_limit_passes(compute, gce_emulator):
    gce_emulator.admin.configure(operation_seconds=3600, wait_limit_seconds=0.2)
    operation = compute.insert(tdx_instance("tdx-slow"))
    waited = compute.operations.wait(project=compute.project, zone=ZONE, operation=operation.name)
    assert status_name(waited) in ("PENDING", "RUNNING")
    assert waited.name == operation.name


def test_wait_blocks_until_done(compute):
    operation = compute.insert(tdx_instance("tdx-wait"))
    waited = compute.operations.wait(project=compute.project, zone=ZONE, operation=operation.name)
    assert status_name(waited) == "DONE"
    assert compute.get("tdx-wait").status == "RUNNING"


def test_zone_operations_list_and_an_unknown_operation(compute):
    operation = compute.insert(tdx_instance("tdx-ops"))
    listed = [op.name for op in compute.operations.list(project=compute.project, zone=ZONE)]
    assert listed == [operation.name]
    with pytest.raises(exceptions.NotFound):
        compute.operations.get(project=compute.project, zone=ZONE, operation="operation-123-nope")
    with pytest.raises(exceptions.NotFound):
        compute.operations.wait(project=compute.project, zone="us-central1-b", operation=operation.name)
