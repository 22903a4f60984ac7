"""module_utils/gce in-process, through the real client, against the emulator: API answers become one-line messages.

The emulator answers with Google's error bodies; these tests check that what
a user reads names the field and the fix, for each error the issue lists.
"""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import ComputeApi
from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import build_credentials
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import InstanceCalls
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline
from tests.fake_clock import EmulatorClock
from tests.inprocess.gce.conftest import IN_PROCESS_OPERATION_SECONDS

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"


@pytest.fixture
def calls(gce_emulator, access_token):
    """Instance calls on the fake clock, with operations as short as the other in-process tests have them."""
    gce_emulator.admin.configure(operation_seconds=IN_PROCESS_OPERATION_SECONDS)
    clock = EmulatorClock(gce_emulator.admin)
    credentials, dummy = build_credentials({"access_token": access_token})
    api = ComputeApi(credentials, gce_emulator.project, api_endpoint=gce_emulator.base_url,
                     deadline=Deadline(60, clock=clock.monotonic), sleep=clock.sleep)
    return InstanceCalls(api)


def body(name, image="projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts", zone=ZONE):
    return {
        "name": name,
        "machineType": "zones/%s/machineTypes/c3-standard-4" % zone,
        "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
        "scheduling": {"onHostMaintenance": "TERMINATE"},
        "disks": [{"boot": True, "autoDelete": True, "initializeParams": {"sourceImage": image}}],
        "networkInterfaces": [{"network": "global/networks/default"}],
    }


def failure(action):
    with pytest.raises(GceError) as raised:
        action()
    message = raised.value.message
    assert "\n" not in message
    return raised.value


def test_tdx_image_refusal_names_the_image_option_and_the_fix(calls):
    error = failure(lambda: calls.insert(ZONE, body("bad-image", image="projects/debian-cloud/global/images/family/debian-12")))
    assert error.details["http_status"] == 400
    assert "Confidential Instance Config can only be set when using a TDX compatible image" in error.message
    assert "option image" in error.message
    assert "fix: choose an image that declares TDX_CAPABLE" in error.message


def test_already_exists(calls):
    calls.wait(calls.insert(ZONE, body("twice")), "create twice")
    error = failure(lambda: calls.insert(ZONE, body("twice")))
    assert "HTTP 409 alreadyExists" in error.message and "pick another name" in error.message


def test_not_found(calls):
    error = failure(lambda: calls.start(ZONE, "missing"))
    assert "start instance missing failed: HTTP 404 notFound" in error.message
    assert "check project, zone and name" in error.message
    assert calls.get(ZONE, "missing") is None  # a read of a missing instance is not an error


def test_stale_fingerprint_is_condition_not_met(calls):
    calls.wait(calls.insert(ZONE, body("fingerprinted")), "create")
    stale = calls.get(ZONE, "fingerprinted")["labelFingerprint"]
    calls.wait(calls.set_labels(ZONE, "fingerprinted", {"a": "1"}, stale), "set labels")
    error = failure(lambda: calls.set_labels(ZONE, "fingerprinted", {"a": "2"}, stale))
    assert "HTTP 412 conditionNotMet" in error.message and "run the task again" in error.message


def test_quota_exceeded_on_the_operation(calls, gce_emulator):
    gce_emulator.admin.configure(cpu_quota={"us-central1": 2})
    operation = calls.insert(ZONE, body("over-quota"))
    error = failure(lambda: calls.wait(operation, "create over-quota"))
    assert error.details["operation_error_code"] == "QUOTA_EXCEEDED"
    assert "ended with QUOTA_EXCEEDED" in error.message and "request more quota" in error.message


def test_zone_resource_pool_exhausted_on_the_operation(calls, gce_emulator):
    gce_emulator.admin.configure(stocked_out_zones=[ZONE])
    operation = calls.insert(ZONE, body("no-room"))
    error = failure(lambda: calls.wait(operation, "create no-room"))
    assert error.details["operation_error_code"].startswith("ZONE_RESOURCE_POOL_EXHAUSTED")
    assert "fallback zones in zones" in error.message


def test_operation_polling_uses_the_api_endpoint(calls, gce_emulator):
    calls.wait(calls.insert(ZONE, body("polled")), "create polled")
    polls = [entry for entry in gce_emulator.admin.requests() if "/operations/" in entry["path"]]
    assert polls, "the operation was never polled through the emulator"
