"""The operation waiter's loop: wait, fall back to get, deadline, the operation's own error.

The ZoneOperations client is replaced by a scripted stand-in returning real
compute_v1 Operation messages; the clock is fake, so nothing sleeps.
"""

import pytest
import requests
from google.api_core import exceptions as api_exceptions

# compute_v1() imports google.cloud.compute_v1 when first called, not while pytest collects.
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import ComputeApi, compute_v1
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline
from tests.fake_clock import SteppedClock

ZONE_URL = "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a"


def op(status, error=None):
    body = {"name": "operation-7", "zone": ZONE_URL, "status": status}
    if error:
        body["error"] = {"errors": [{"code": error, "message": "the zone is full"}]}
    return compute_v1().Operation.from_json(__import__("json").dumps(body))


class ScriptedOperations:
    """Answers wait/get from a script; each entry is an Operation or an exception to raise."""

    def __init__(self, clock, wait_script, get_script=(), seconds_per_call=1.0):
        self.clock = clock
        self.wait_script = list(wait_script)
        self.get_script = list(get_script)
        self.seconds_per_call = seconds_per_call
        self.calls = []
        self.timeouts = []

    def _answer(self, method, script, request):
        self.calls.append((method, request.zone, request.operation))
        self.clock.now += self.seconds_per_call
        answer = script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def wait(self, request, retry, timeout):
        assert retry is None  # retries are ours, never the library's
        self.timeouts.append(timeout)
        return self._answer("wait", self.wait_script, request)

    def get(self, request, retry, timeout):
        return self._answer("get", self.get_script, request)


def api_with(operations, clock, seconds=60):
    api = ComputeApi(credentials=None, project="p", deadline=Deadline(seconds, clock=clock), sleep=clock.sleep)
    api._clients["ZoneOperationsClient"] = operations
    return api


def started():
    return {"name": "operation-7", "zone": ZONE_URL, "status": "RUNNING"}


def test_waits_until_done():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [op("RUNNING"), op("DONE")])
    finished = api_with(operations, clock).wait_for_zone_operation(started(), "create instance x")
    assert finished["status"] == "DONE"
    assert operations.calls == [("wait", "us-central1-a", "operation-7")] * 2


def test_falls_back_to_get_where_wait_is_not_offered():
    clock = SteppedClock(start=0.0)
    not_offered = api_exceptions.NotFound("The requested URL was not found on this server.")
    operations = ScriptedOperations(clock, [not_offered], [op("RUNNING"), op("DONE")])
    finished = api_with(operations, clock).wait_for_zone_operation(started(), "create instance x")
    assert finished["status"] == "DONE"
    assert [method for method, _, _ in operations.calls] == ["wait", "get", "get"]


def test_a_read_timeout_counts_as_still_running():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [requests.exceptions.ReadTimeout("read timed out"), op("DONE")])
    assert api_with(operations, clock).wait_for_zone_operation(started(), "x")["status"] == "DONE"


def test_the_deadline_ends_the_wait_naming_the_operation():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [op("RUNNING")] * 100, seconds_per_call=2.0)
    with pytest.raises(GceError) as raised:
        api_with(operations, clock, seconds=7).wait_for_zone_operation(started(), "create instance x")
    message = raised.value.message
    assert message.startswith("create instance x failed: timed out after 7 s (wait_timeout) waiting for "
                              "operation operation-7, last status RUNNING")
    assert raised.value.details["timed_out"] is True
    assert len(operations.calls) == 4  # 2 s each: the fourth ends past the 7 s deadline


def test_a_failed_operation_reports_its_own_error():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [op("DONE", error="ZONE_RESOURCE_POOL_EXHAUSTED")])
    with pytest.raises(GceError) as raised:
        api_with(operations, clock).wait_for_zone_operation(started(), "create instance x")
    assert raised.value.details["operation_error_code"] == "ZONE_RESOURCE_POOL_EXHAUSTED"
    assert "ended with ZONE_RESOURCE_POOL_EXHAUSTED: the zone is full" in raised.value.message


def test_transient_poll_failures_are_retried():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [api_exceptions.ServiceUnavailable("busy"), op("DONE")])
    assert api_with(operations, clock).wait_for_zone_operation(started(), "x")["status"] == "DONE"


def test_an_operation_already_done_needs_no_call():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [])
    done = dict(started(), status="DONE")
    assert api_with(operations, clock).wait_for_zone_operation(done, "x") == done
    assert operations.calls == []


# -- one brief wait (the fleet's watcher: fleet.OperationWatcher) --------------------------


def test_a_brief_wait_that_times_out_gives_the_operation_back_as_it_was():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [requests.exceptions.ReadTimeout("read timed out"), op("DONE")])
    api = api_with(operations, clock, seconds=10)
    assert api.wait_briefly(started(), 2.0) == started()  # still running as far as anyone knows: ask again later
    clock.now = 9.5
    assert api.wait_briefly(started(), 2.0)["status"] == "DONE"
    assert operations.timeouts == [2.0, 0.5]  # never past the deadline


def test_a_brief_wait_refused_for_good_fails_naming_the_operation():
    clock = SteppedClock(start=0.0)
    operations = ScriptedOperations(clock, [api_exceptions.Forbidden("no permission compute.zoneOperations.wait")])
    with pytest.raises(GceError) as raised:
        api_with(operations, clock).wait_briefly(started(), 2.0)
    assert "wait for operation operation-7" in raised.value.message and "\n" not in raised.value.message
