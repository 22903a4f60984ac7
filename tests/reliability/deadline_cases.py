"""What the deadline tests share: the writes, how one is set up, and how a write that gave up is judged.

A write under a fault that never ends must give up by its deadline
(``wait_timeout``), in one line naming the fault and saying that the
retries ran out. The bound is the deadline plus the client's floor for a
last call (CALL_TIMEOUT_FLOOR) and a little scheduling slack: a call
started just before the deadline may not be cut shorter than that.
test_deadlines.py judges this on a fake clock (make unit),
test_deadlines_wall_clock.py on the real one (make pytest, make reliability).
"""

import re

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import CALL_TIMEOUT_FLOOR, ComputeApi
from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import build_credentials
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import InstanceCalls
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline

ZONE = "us-central1-a"
DEADLINE_SECONDS = 3.0
SCHEDULING_SLACK_SECONDS = 2.0
BOUND_SECONDS = DEADLINE_SECONDS + CALL_TIMEOUT_FLOOR + SCHEDULING_SLACK_SECONDS

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


def instance_calls(emulator, access_token, seconds, clock=None):
    """InstanceCalls over the real client against ``emulator``, with a deadline of ``seconds`` on ``clock``."""
    credentials, dummy = build_credentials({"access_token": access_token})
    if clock is None:
        api = ComputeApi(credentials, emulator.project, api_endpoint=emulator.base_url, deadline=Deadline(seconds))
    else:
        api = ComputeApi(credentials, emulator.project, api_endpoint=emulator.base_url,
                         deadline=Deadline(seconds, clock=clock.monotonic), sleep=clock.sleep)
    return InstanceCalls(api)


def set_up(write, emulator, access_token):
    """The instance a write other than create acts on, created (its operation finished by the emulator's clock)."""
    if write == "create":
        return
    calls = instance_calls(emulator, access_token, 60)
    operation = calls.insert(ZONE, BODY)
    emulator.admin.advance_clock(60)
    calls.wait(operation, "set-up")


def give_up_under(write, fault, rule, named, emulator, calls, clock, ledger):
    """Inject the endless ``rule`` into ``write``, run it on ``calls`` and judge how it gave up (by ``clock``)."""
    method, path, act = WRITES[write]
    emulator.admin.set_faults([dict(rule, method=method, path=path)])
    calls.api.client("InstancesClient")  # the client library is loaded before the clock matters
    started = clock()
    with pytest.raises(GceError) as raised:
        act(calls)
    seconds = clock() - started
    message = raised.value.message
    problems = []
    if seconds > BOUND_SECONDS:
        problems.append("gave up after %.1f s, the deadline was %.0f s" % (seconds, DEADLINE_SECONDS))
    if named not in message or "\n" in message:
        problems.append("the message does not name the fault in one line: %r" % message)
    if not re.search(r"gave up after \d+ attempts", message):
        problems.append("the message does not say the retries ran out: %r" % message)
    ledger.record("fault", "%s x endless %s (in-process deadline)" % (write, fault), problems,
                  fault=fault, mode="endless", path=write, seconds=round(seconds, 2))
    assert not problems
    return seconds
