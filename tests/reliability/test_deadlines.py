"""wait_timeout is a promise: a write under a fault that never ends gives up by then, naming the fault.

In-process through module_utils/gce and the real client against the
emulator, so that what is measured is the module's own deadline, not
Ansible's start-up on a busy machine (the fault matrix checks the same
through ansible-playbook with a start-up allowance). The bound is the
deadline plus the client's floor for a last call (CALL_TIMEOUT_FLOOR) and a
little scheduling slack: a call started just before the deadline may not be
cut shorter than that.
"""

import re
import time

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import CALL_TIMEOUT_FLOOR, ComputeApi
from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import build_credentials
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import InstanceCalls
from ansible_collections.confidential.tdx.plugins.module_utils.gce.retries import Deadline

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"
DEADLINE_SECONDS = 3.0
SCHEDULING_SLACK_SECONDS = 2.0

BODY = {
    "name": "rel-deadline",
    "machineType": "zones/%s/machineTypes/c3-standard-4" % ZONE,
    "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
    "scheduling": {"onHostMaintenance": "TERMINATE"},
    "disks": [{"boot": True, "autoDelete": True, "initializeParams": {
        "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"}}],
    "networkInterfaces": [{"network": "global/networks/default"}],
}

WRITES = {
    "create": ("POST", r"/zones/%s/instances$" % ZONE, lambda calls: calls.insert(ZONE, BODY)),
    "delete": ("DELETE", r"/instances/rel-deadline$", lambda calls: calls.delete(ZONE, "rel-deadline")),
    "stop": ("POST", r"/instances/rel-deadline/stop$", lambda calls: calls.stop(ZONE, "rel-deadline")),
    "labels": ("POST", r"/instances/rel-deadline/setLabels$",
               lambda calls: calls.set_labels(ZONE, "rel-deadline", {"env": "b"}, None)),
}

# Faults that never stop, and what the message must say.
ENDLESS = {
    "latency": ({"kind": "latency", "latency_seconds": 8.0}, "timed out"),
    "503": ({"kind": "503"}, "HTTP 503"),
    "drop": ({"kind": "drop"}, "Connection aborted"),
}


@pytest.fixture
def calls_with_deadline(gce_emulator, access_token):
    def make(seconds):
        credentials, dummy = build_credentials({"access_token": access_token})
        api = ComputeApi(credentials, gce_emulator.project, api_endpoint=gce_emulator.base_url,
                         deadline=Deadline(seconds))
        return InstanceCalls(api)
    return make


@pytest.mark.parametrize("fault", sorted(ENDLESS))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_under_an_endless_fault_gives_up_by_its_deadline(write, fault, calls_with_deadline, gce_emulator,
                                                                 ledger):
    if write != "create":
        setup = calls_with_deadline(60)
        setup.wait(setup.insert(ZONE, BODY), "set-up")
    method, path, act = WRITES[write]
    rule, named = ENDLESS[fault]
    gce_emulator.admin.set_faults([dict(rule, method=method, path=path)])
    calls = calls_with_deadline(DEADLINE_SECONDS)
    calls.api.client("InstancesClient")  # the client library is loaded before the clock matters
    started = time.monotonic()
    with pytest.raises(GceError) as raised:
        act(calls)
    seconds = time.monotonic() - started
    message = raised.value.message
    bound = DEADLINE_SECONDS + CALL_TIMEOUT_FLOOR + SCHEDULING_SLACK_SECONDS
    problems = []
    if seconds > bound:
        problems.append("gave up after %.1f s, the deadline was %.0f s" % (seconds, DEADLINE_SECONDS))
    if named not in message or "\n" in message:
        problems.append("the message does not name the fault in one line: %r" % message)
    if not re.search(r"gave up after \d+ attempts", message):
        problems.append("the message does not say the retries ran out: %r" % message)
    ledger.record("fault", "%s x endless %s (in-process deadline)" % (write, fault), problems,
                  fault=fault, mode="endless", path=write, seconds=round(seconds, 2))
    assert not problems
    # Let slowed calls finish before the next test resets the emulator.
    deadline = time.time() + 15
    while time.time() < deadline and any(entry["status"] is None for entry in gce_emulator.admin.requests()):
        time.sleep(0.2)
