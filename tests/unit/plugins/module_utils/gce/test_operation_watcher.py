"""The fleet's operation watcher: one thread waits for the operations of many, and its fallbacks.

The API is a scripted stand-in speaking the API's JSON shapes (the same
stand-in style as test_operation_waiting); the watcher's calls are recorded.
"""

import threading
import time
import traceback

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.fleet import OperationWatcher, WatcherFailed
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline
from tests.polling import wait_until

ZONE_URL = "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a"


def op(name, status="RUNNING", error=None):
    body = {"name": name, "zone": ZONE_URL, "status": status}
    if error:
        body["error"] = {"errors": [{"code": error, "message": "the zone is full"}]}
    return body


class ScriptedApi:
    """Operations finish when the test says so; wait/list answer from that state."""

    project = "p"

    def __init__(self, list_status=None, wait_status=None):
        self.deadline = Deadline(60)
        self.done = {}
        self.calls = []
        self.lock = threading.Lock()
        self.list_status = list_status
        self.wait_status = wait_status
        self.changed = threading.Condition(self.lock)

    def finish(self, name, error=None):
        with self.lock:
            self.done[name] = op(name, "DONE", error)
            self.changed.notify_all()

    def wait_briefly(self, operation, seconds):
        with self.lock:
            self.calls.append(("wait", operation["name"]))
            if self.wait_status:
                raise GceError("no wait here", http_status=self.wait_status)
            self.changed.wait_for(lambda: operation["name"] in self.done, timeout=min(seconds, 0.2))
            return self.done.get(operation["name"], operation)

    def read_pages(self, client, method, request, action, project, zone, filter, max_results):
        names = filter[len('name eq "('):-2].split("|")
        with self.lock:
            self.calls.append(("list", tuple(names)))
            if self.list_status:
                raise GceError("no such list", http_status=self.list_status)
            return [{"items": [self.done.get(name, op(name)) for name in names]}]

    def wait_alone(self, operation, action):
        with self.lock:
            self.calls.append(("alone", operation["name"]))
            self.changed.wait_for(lambda: operation["name"] in self.done, timeout=10)
            return self.done[operation["name"]]

    def pause(self, seconds):
        pass

    def timed_out(self, operation, action):
        return GceError("%s timed out" % action, timed_out=True)


def wait_in_threads(watcher, names):
    outcomes = {}

    def wait(name):
        try:
            outcomes[name] = watcher.wait(op(name), "create instance %s" % name)
        except Exception as error:  # pylint: disable=broad-except
            outcomes[name] = error

    threads = [threading.Thread(target=wait, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    return outcomes, threads


def join(threads):
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()


def test_the_oldest_is_waited_on_and_the_others_are_listed_together():
    api = ScriptedApi()
    watcher = OperationWatcher(api)
    outcomes, threads = wait_in_threads(watcher, ["op-a"])
    assert wait_until(lambda: api.calls, 10, interval=0.01)  # the watcher has started on op-a, the oldest
    more, more_threads = wait_in_threads(watcher, ["op-b", "op-c", "op-d"])
    # All four wait before any finishes; op-a, finishing last, stays the oldest
    # pending, so it is the only one waited on, whatever the threads' timing.
    assert wait_until(lambda: len(watcher._pending) == 4, 10, interval=0.01)  # pylint: disable=protected-access
    for name in ("op-b", "op-c", "op-d", "op-a"):
        api.finish(name, error="ZONE_RESOURCE_POOL_EXHAUSTED" if name == "op-c" else None)
    join(threads + more_threads)
    outcomes.update(more)
    assert outcomes["op-a"]["status"] == "DONE" and outcomes["op-b"]["status"] == "DONE"
    assert isinstance(outcomes["op-c"], GceError)
    assert outcomes["op-c"].details["operation_error_code"] == "ZONE_RESOURCE_POOL_EXHAUSTED"
    assert set(name for kind, name in api.calls if kind == "wait") == {"op-a"}
    assert [names for kind, names in api.calls if kind == "list" and {"op-b", "op-c", "op-d"} <= set(names)]
    assert not [call for call in api.calls if call[0] == "alone"]


def test_without_the_list_call_each_operation_is_waited_for_alone():
    api = ScriptedApi(list_status=400)
    watcher = OperationWatcher(api)
    names = {"op-a", "op-b", "op-c"}
    outcomes, threads = wait_in_threads(watcher, sorted(names))
    # Nothing finishes until every waiter has fallen back: an operation that
    # finished earlier could be seen by the watcher's wait and never listed.
    assert wait_until(lambda: set(name for kind, name in list(api.calls) if kind == "alone") == names, 10, interval=0.01)
    for name in names:
        api.finish(name)
    join(threads)
    assert all(outcome["status"] == "DONE" for outcome in outcomes.values())
    assert [call for call in api.calls if call[0] == "list"]


def test_without_the_wait_call_the_list_alone_sees_them_finish():
    api = ScriptedApi(wait_status=404)
    watcher = OperationWatcher(api)
    outcomes, threads = wait_in_threads(watcher, ["op-a", "op-b"])
    # Nothing finishes before the watcher has listed twice: it goes on listing, pausing in between.
    assert wait_until(lambda: [kind for kind, name in list(api.calls)].count("list") >= 2, 10, interval=0.01)
    api.finish("op-a")
    api.finish("op-b")
    join(threads)
    assert all(outcome["status"] == "DONE" for outcome in outcomes.values())
    assert [kind for kind, name in api.calls].count("wait") == 1  # asked once, then never again
    assert not [call for call in api.calls if call[0] == "alone"]


def test_the_deadline_ends_every_wait_with_the_timeout_message():
    api = ScriptedApi()
    api.deadline = Deadline(0)
    watcher = OperationWatcher(api)
    outcomes, threads = wait_in_threads(watcher, ["op-a", "op-b"])
    join(threads)
    assert all(isinstance(outcome, GceError) and outcome.details["timed_out"] for outcome in outcomes.values())


class CrashingApi(ScriptedApi):
    """The list call meets a bug: an exception that is no API answer."""

    def read_pages(self, *args, **kwargs):
        raise KeyError("items")


def test_a_bug_in_the_watcher_lets_every_waiting_thread_go_with_its_traceback():
    api = CrashingApi()
    watcher = OperationWatcher(api)
    outcomes, threads = wait_in_threads(watcher, ["op-a", "op-b", "op-c"])
    join(threads)
    assert sorted(outcomes) == ["op-a", "op-b", "op-c"]
    for outcome in outcomes.values():
        assert isinstance(outcome, WatcherFailed), outcome
        assert str(outcome) == "the operation watcher ended on KeyError: 'items'"
        assert isinstance(outcome.__cause__, KeyError)
        assert "read_pages" in "".join(traceback.format_exception(type(outcome), outcome, outcome.__traceback__))
    # The watcher is gone; a later wait starts a new one.
    api.finish("op-d")
    assert watcher.wait(op("op-d"), "create instance op-d")["status"] == "DONE"


class StuckApi(ScriptedApi):
    """zoneOperations.wait never comes back (a call hung past the deadline)."""

    def __init__(self):
        super(StuckApi, self).__init__()
        self.release = threading.Event()

    def wait_briefly(self, operation, seconds):
        self.release.wait(30)
        return operation


def test_a_waiting_thread_ends_its_own_wait_soon_after_the_deadline_if_the_watcher_is_stuck():
    api = StuckApi()
    api.deadline = Deadline(0.2)
    watcher = OperationWatcher(api, grace_seconds=0.3)
    started = time.monotonic()
    outcomes, threads = wait_in_threads(watcher, ["op-a", "op-b"])
    join(threads)
    assert time.monotonic() - started < 5  # not the 30 s the stuck call would take
    api.release.set()
    assert all(isinstance(outcome, GceError) and outcome.details["timed_out"] for outcome in outcomes.values())
