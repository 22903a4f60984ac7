# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Work on many instances at once: a thread per instance up to a bound, every outcome kept.

Each instance's work is a short series of API calls and operation waits.
Giving each instance a thread of its own lets all of them wait for their
operations at the same time, so a fleet takes about as long as its slowest
member; the load on the API is bounded separately, by the number of HTTP
calls in flight (ComputeApi.limit_concurrency), not by the number of
threads. The threads themselves are bounded too (FLEET_THREADS): beyond
that many instances, the others wait for a free thread.

The operations themselves are waited for together by one OperationWatcher
rather than by one ``zoneOperations.wait`` per operation, which the API
holds open for the operation's whole duration: with a bound on calls in
flight, a few such waits would hold every place the writes of the other
instances need. The watcher waits on the oldest pending operation only, a
little at a time, and after each of those waits lists every pending
operation of a zone with one ``zoneOperations.list`` call. Whatever ends
the watcher, every thread waiting on it is let go: with its operation, its
error, or the watcher's own failure; and none waits past the deadline.
"""

import threading

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import CALL_TIMEOUT_MIN
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError, describe, operation_error
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import LIST_PAGE_SIZE, names_filters
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import short_name

# The most threads a fleet runs at once. A thread holds its instance from the
# first call to the end of its last operation, so fewer threads than
# instances means waves of operations one after the other (a thousand
# instances on 256 threads: four operation times instead of one). Threads
# also count against a container's process limit (the pids cgroup counts
# every thread; CRI-O's old default was 1024, OpenShift's is 4096): when the
# system refuses another thread, the fleet goes on with those it has.
FLEET_THREADS = 1000

# How long the watcher waits on the oldest operation before it lists the
# others: the wait returns as soon as that operation is done, so this only
# bounds how late an operation that finishes before an older one is seen.
WATCH_WINDOW_SECONDS = 2.0

# Answers of an endpoint that does not offer a call the watcher uses:
# zoneOperations.wait (then it only lists) or a list by name (then each
# operation is waited for alone).
UNSUPPORTED_STATUSES = (400, 404, 405, 501)

# How long past the deadline a waiting thread trusts the watcher to end its
# wait (one wait on the oldest and a list call, which gets at least
# CALL_TIMEOUT_MIN) before it ends it itself.
WAITER_GRACE_SECONDS = WATCH_WINDOW_SECONDS + CALL_TIMEOUT_MIN


class Outcome:
    """What the work on one item returned, or the exception it raised."""

    def __init__(self, item, value=None, error=None):
        self.item = item
        self.value = value
        self.error = error

    @property
    def failed(self):
        return self.error is not None


def run_each(items, work, threads=FLEET_THREADS):
    """Call ``work(item)`` for every item, on at most ``threads`` threads; Outcomes in the items' order.

    The items are taken in order by whichever thread is free; when the
    system refuses to start another thread, those already started do all
    the work. An exception ends only its own item's work: it is kept in that
    Outcome, and the others go on. ``work`` must not exit the process (no
    fail_json).
    """
    outcomes = [Outcome(item) for item in items]
    to_do = iter(outcomes)
    taking = threading.Lock()

    def next_outcome():
        with taking:
            return next(to_do, None)

    def run():
        outcome = next_outcome()
        while outcome is not None:
            try:
                outcome.value = work(outcome.item)
            except Exception as error:  # pylint: disable=broad-except
                outcome.error = error
            outcome = next_outcome()

    workers = []
    for index in range(min(threads, len(outcomes))):
        worker = threading.Thread(target=run, name="gce-fleet-%d" % index, daemon=True)
        try:
            worker.start()
        except RuntimeError:  # "can't start new thread": the process limit; the started ones take the rest
            if not workers:
                raise
            break
        workers.append(worker)
    for worker in workers:
        worker.join()
    return outcomes


class WatcherFailed(Exception):
    """The operation watcher ended on an unexpected exception (a bug); its traceback is the cause's."""

    def __init__(self, cause):
        super(WatcherFailed, self).__init__("the operation watcher ended on %s: %s" % (type(cause).__name__, cause))


class _Waiting:
    """One operation a thread is waiting for, and how it ended."""

    def __init__(self, operation, action, order):
        self.operation = operation
        self.action = action
        self.order = order
        self.error = None
        self.alone = False  # wait for it alone after all (the list call is not offered)
        self.done = threading.Event()

    @property
    def zone(self):
        return short_name(self.operation.get("zone"))

    @property
    def key(self):
        return (self.zone, self.operation["name"])

    def finish(self, operation=None, error=None, alone=False):
        if operation is not None:
            self.operation = operation
        self.error = error
        self.alone = alone
        self.done.set()


class OperationWatcher:
    """Waits for the zone operations of many threads at once.

    A thread calls ``wait(operation, action)`` and blocks. One watching
    thread, started when there is something to wait for and ending when
    there is not, repeats: wait on the oldest pending operation (for at
    most WATCH_WINDOW_SECONDS), then list the other pending operations, one
    call per zone and few thousand characters of names. Operations of
    about the same length finish about in the order they began, so most are
    seen done by the list that follows the wait on the oldest.
    """

    def __init__(self, api, grace_seconds=WAITER_GRACE_SECONDS):
        self.api = api
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._pending = {}  # (zone, name) -> _Waiting
        self._registered = 0
        self._watcher = None
        self._use_wait = True
        self._alone = False

    def _describe(self, error, action):
        """describe(), naming the API door's credential option should the API reject the credentials."""
        return describe(error, action, getattr(self.api, "credential_option", None))

    def wait(self, operation, action):
        if operation.get("status") == "DONE" or self._alone:
            return self.api.wait_alone(operation, action)
        with self._lock:
            self._registered += 1
            waiting = _Waiting(operation, action, self._registered)
            self._pending[waiting.key] = waiting
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch_until_idle, name="gce-operations", daemon=True)
                self._watcher.start()
        if not waiting.done.wait(self.api.deadline.remaining() + self.grace_seconds):
            # The watcher is stuck in a call past the deadline: end this wait here.
            self._finish(waiting, error=self.api.timed_out(waiting.operation, action))
            waiting.done.wait()  # at once: whoever took it from _pending has just finished it
        if waiting.alone:
            return self.api.wait_alone(waiting.operation, action)
        if waiting.error is not None:
            raise waiting.error
        return waiting.operation

    def _watch_until_idle(self):
        try:
            self._watch()
        except BaseException as error:  # pylint: disable=broad-except
            # A bug (or an exit) in the watcher must not leave threads waiting
            # for ever: each gets the failure, with its traceback as the cause.
            with self._lock:
                stranded = list(self._pending.values())
                self._pending.clear()
                self._watcher = None
            for waiting in stranded:
                failure = WatcherFailed(error)
                failure.__cause__ = error
                waiting.finish(error=failure)
            if not isinstance(error, Exception):
                raise

    def _watch(self):
        while True:
            with self._lock:
                if not self._pending:
                    self._watcher = None
                    return
                oldest = min(self._pending.values(), key=lambda waiting: waiting.order)
            if self.api.deadline.expired():
                for waiting in self._snapshot():
                    self._finish(waiting, error=self.api.timed_out(waiting.operation, waiting.action))
                continue
            self._wait_on(oldest, WATCH_WINDOW_SECONDS)
            rest = self._snapshot()
            if rest:
                self._list_and_finish(rest)

    def _snapshot(self):
        with self._lock:
            return list(self._pending.values())

    def _wait_on(self, waiting, seconds):
        if not self._use_wait:
            self.api.pause(seconds)
            return
        try:
            operation = self.api.wait_briefly(waiting.operation, seconds)
        except GceError as error:
            if error.details.get("http_status") in UNSUPPORTED_STATUSES:
                self._use_wait = False  # the list calls alone will see it finish
                self.api.pause(seconds)
            else:
                self._finish(waiting, error=self._describe(error, waiting.action))
            return
        self._update(waiting, operation)

    def _list_and_finish(self, pending):
        by_zone = {}
        for waiting in pending:
            by_zone.setdefault(waiting.zone, {})[waiting.operation["name"]] = waiting
        for zone, waiting_by_name in sorted(by_zone.items()):
            try:
                seen = self._list(zone, sorted(waiting_by_name))
            except GceError as error:
                unsupported = error.details.get("http_status") in UNSUPPORTED_STATUSES
                self._alone = self._alone or unsupported
                for waiting in waiting_by_name.values():
                    if unsupported:
                        self._finish(waiting, alone=True)
                    else:
                        self._finish(waiting, error=self._describe(error, waiting.action))
                continue
            for operation in seen:
                waiting = waiting_by_name.get(operation.get("name"))
                if waiting is not None:
                    self._update(waiting, operation)

    def _list(self, zone, names):
        found = []
        for expression in names_filters(names):
            pages = self.api.read_pages("ZoneOperationsClient", "list", "ListZoneOperationsRequest",
                                        "wait for %d operations in %s" % (len(names), zone),
                                        project=self.api.project, zone=zone, filter=expression,
                                        max_results=LIST_PAGE_SIZE)
            for page in pages:
                found.extend(page.get("items") or ())
        return found

    def _update(self, waiting, operation):
        """Take in the operation as the API last showed it; finish the waiting thread once it is DONE."""
        if operation.get("status") != "DONE":
            waiting.operation = operation  # its last status, for a timeout message
            return
        error = operation_error(operation, waiting.action) if operation.get("error") else None
        self._finish(waiting, operation=operation, error=error)

    def _finish(self, waiting, **outcome):
        with self._lock:
            if self._pending.pop(waiting.key, None) is None:
                return  # finished already
        waiting.finish(**outcome)
