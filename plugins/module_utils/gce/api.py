# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one door to the Compute Engine API that every cloud module and the inventory use.

- google.cloud.compute_v1 is imported once, on first use, and of its clients
  only those used (lazy_compute): importing all of it costs about three
  seconds of CPU, and a task that fails validation should not pay it. In a
  module run, of its message types too only those that the services of
  CLIENTS use are built: the rest were a third of the run's CPU.
- Every client (operations included) is built with the same credentials and
  endpoint, so an ``api_endpoint`` (Private Service Connect, the emulator)
  is used for every call; the library's ExtendedOperation is never used
  because its polling ignores the endpoint.
- Reads and writes are retried on transient failures within the task's
  deadline; a write carries one requestId for all of its attempts.
- Resources travel as dicts in the API's JSON shape (camelCase), the shape
  users see in gcloud output and Google's API reference.
- Many threads may share one ComputeApi (gce_instance's fleet mode). A
  client's HTTP session (a requests.Session) is not documented as
  thread-safe, so no client is used by two threads at once: with a bound on
  the calls in flight, each call borrows one of that many lanes, each with
  its own clients (so a fleet of any size makes no more clients and
  connections than calls may be in flight); without one, each thread has
  its own.
"""

import importlib.util
import json
import queue
import sys
import threading
import time
import uuid

try:
    from google.api_core import exceptions as api_exceptions
    import requests.exceptions as requests_exceptions
except ImportError:  # the module wrapper reports the missing libraries
    api_exceptions = requests_exceptions = None

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import (
    GceError,
    describe,
    is_transient,
    operation_error,
    rate_limit_refill_wait,
    rate_limited_writes,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.lazy_compute import (
    compute_v1 as lazy_compute_v1,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import short_name
from ansible_collections.confidential.tdx.plugins.module_utils.retries import (
    Deadline,
    RetryPolicy,
)

REQUIRED_LIBRARIES = "google-cloud-compute and google-auth"

# Bounds of one HTTP call: long enough for a slow answer, short enough that
# a hung connection is retried within the task's deadline. Between them a
# call gets half of the time left, so a retry still fits after a timeout.
CALL_TIMEOUT_MIN = 5.0
CALL_TIMEOUT_MAX = 60.0
# Yet no call may run past the task's deadline (wait_timeout), except that a
# last call always gets this long, so that a task whose time has nearly run
# out can still read what it did.
CALL_TIMEOUT_FLOOR = 1.0
# Pauses between operation polls when the server answers at once without
# the operation being done (the real API holds ``wait`` open instead): they
# grow from the first to the last value, so a short operation is seen done
# quickly and a long one is not polled too often.
OPERATION_POLL_PAUSE_FIRST = 0.25
OPERATION_POLL_PAUSE_GROWTH = 1.5
OPERATION_POLL_PAUSE_MAX = 3.0
# Answers to zoneOperations.wait from an endpoint that does not offer it.
WAIT_UNSUPPORTED_STATUSES = (404, 405, 501)

OPERATIONS = "ZoneOperationsClient"
GLOBAL_OPERATIONS = "GlobalOperationsClient"
REGION_OPERATIONS = "RegionOperationsClient"
# Every client the collection builds. A module run builds the message types
# of these clients' services only (lazy_compute), so a client not listed
# here is refused: its module would need messages that were not built.
CLIENTS = ("InstancesClient", OPERATIONS, "DisksClient", "ImagesClient", "MachineTypesClient", "ZonesClient",
           "InstanceTemplatesClient", GLOBAL_OPERATIONS, "InstanceGroupManagersClient",
           "RegionInstanceGroupManagersClient", REGION_OPERATIONS)
# The module a module run executes as __main__ (AnsiballZ runs one per process).
MODULES_PACKAGE = "ansible_collections.confidential.tdx.plugins.modules."

_compute_v1 = None


def has_google_libraries():
    """True when the Google libraries can be imported, without paying for the import."""
    try:
        return all(importlib.util.find_spec(name) is not None
                   for name in ("google.auth", "google.api_core", "google.cloud.compute_v1"))
    except (ImportError, ValueError):
        return False


def module_run():
    """True in the process of one of this collection's modules, which uses no Compute client but CLIENTS.

    The inventory plugin and the tests share their process with other
    code, which may want the whole library: they import all of it.
    """
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", "").startswith(MODULES_PACKAGE)


def compute_v1():
    """google.cloud.compute_v1, imported on first use only, each client when first used (lazy_compute).

    In a module run, only the message types of CLIENTS' services are built.
    """
    global _compute_v1  # pylint: disable=global-statement
    if _compute_v1 is None:
        _compute_v1 = lazy_compute_v1(CLIENTS if module_run() else None)
    return _compute_v1


def to_dict(message):
    """A proto-plus message as a dict in the API's JSON shape (enums by name)."""
    return json.loads(type(message).to_json(message, use_integers_for_enums=False))


def to_message(type_name, body):
    """A dict in the API's JSON shape as a compute_v1 message of ``type_name``."""
    return getattr(compute_v1(), type_name).from_json(json.dumps(body))


def new_request_id():
    return str(uuid.uuid4())


def _operation_scope(project, operation):
    """(client, request kind, request fields) to follow an operation of a zone, a region or the project."""
    # The request types by their full names: the names a module run builds (lazy_compute) are read from them.
    if operation.get("zone"):
        return OPERATIONS, ("WaitZoneOperationRequest", "GetZoneOperationRequest"), dict(
            project=project, zone=short_name(operation["zone"]), operation=operation["name"])
    if operation.get("region"):
        return REGION_OPERATIONS, ("WaitRegionOperationRequest", "GetRegionOperationRequest"), dict(
            project=project, region=short_name(operation["region"]), operation=operation["name"])
    return GLOBAL_OPERATIONS, ("WaitGlobalOperationRequest", "GetGlobalOperationRequest"), dict(
        project=project, operation=operation["name"])


class ComputeApi:
    """Compute Engine clients sharing credentials, endpoint, retries and a deadline."""

    def __init__(self, credentials, project, api_endpoint=None, deadline=None, retry_policy=None,
                 sleep=time.sleep, credential_option=None):
        self.credentials = credentials
        self.project = project
        # The option holding the credentials (access_token, service_account_file ...): an
        # error saying the API rejected them names it.
        self.credential_option = credential_option
        self.api_endpoint = api_endpoint.rstrip("/") if api_endpoint else None
        self.deadline = deadline or Deadline(300)
        self.retry_policy = retry_policy or RetryPolicy(is_transient, self.deadline, sleep=sleep,
                                                        wait_hint=self._refill_wait)
        # When a per-minute rate limit refills, per kind of call (writes, reads), by time.monotonic():
        # the calls of other threads wait for it instead of each being refused in turn.
        self._refills = {}
        self._refills_lock = threading.Lock()
        self._sleep = sleep
        # Clients of the thread that made this object; other threads keep
        # theirs in _thread_clients.
        self._owner_thread = threading.get_ident()
        self._clients = {}
        self._thread_clients = threading.local()
        self._lanes = None
        # Set by a fleet: waits for many operations together (fleet.OperationWatcher).
        self.operation_watcher = None

    def limit_concurrency(self, calls):
        """Allow at most ``calls`` HTTP calls in flight at once, whichever threads make them.

        Each call borrows one of ``calls`` lanes and uses the lane's own
        clients; the most recently returned lane is lent first, so its
        connections are still open.
        """
        lanes = queue.LifoQueue()
        for dummy in range(calls):
            lanes.put({})
        self._lanes = lanes

    def _new_client(self, name):
        if name not in CLIENTS:
            raise ValueError("%s is not in api.CLIENTS: add it there, or a module run lacks its message types" % name)
        options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
        return getattr(compute_v1(), name)(credentials=self.credentials, client_options=options)

    def client(self, name):
        """A compute_v1 client class by name ("InstancesClient"), built once per thread."""
        if threading.get_ident() == self._owner_thread:
            clients = self._clients
        else:
            clients = self._thread_clients.__dict__
        if name not in clients:
            clients[name] = self._new_client(name)
        return clients[name]

    def _with_client(self, name, use, kind=None):
        """``use(client)``: one HTTP call (or one listing), within the concurrency bound when there is one.

        Only the call holds a lane: pauses between retries and polls do not.
        A call of ``kind`` (write or read) waits first while that kind's
        per-minute quota is known to be used up, and again if it became so
        while the call waited for its lane.
        """
        if self._lanes is None:
            self._await_refill(kind)
            return use(self.client(name))
        while True:
            self._await_refill(kind)
            lane = self._lanes.get()
            if not self._refill_pending(kind):
                break
            self._lanes.put(lane)
        try:
            if name not in lane:
                lane[name] = self._new_client(name)
            return use(lane[name])
        except Exception as error:  # pylint: disable=broad-except
            # Before the lane is handed back: the thread that takes it next
            # must see a used-up quota and wait, not send into the refusal.
            self._note_refill(error)
            raise
        finally:
            self._lanes.put(lane)

    def pause(self, seconds):
        """Sleep, but never past the deadline."""
        self._sleep(min(seconds, self.deadline.remaining()))

    def _refill_wait(self, error):
        """The retry's wait for a call refused by a per-minute rate limit; noted for the other threads too."""
        return self._note_refill(error)

    def _note_refill(self, error):
        """For a call refused by a per-minute rate limit: when its kind's quota refills, for every thread; the wait."""
        wait = rate_limit_refill_wait(error)
        if wait is not None:
            kind = "write" if rate_limited_writes(error) else "read"
            with self._refills_lock:
                self._refills[kind] = max(self._refills.get(kind, 0.0), time.monotonic() + wait)
        return wait

    def _refill_pending(self, kind):
        """Seconds until this kind's used-up quota refills; 0 when it is not used up or the deadline has passed."""
        with self._refills_lock:
            until = self._refills.get(kind)
        if until is None or self.deadline.expired():
            return 0.0
        return max(0.0, until - time.monotonic())

    def _await_refill(self, kind):
        """Before a call: if this kind's quota is known to be used up, wait until it refills (or the deadline)."""
        pending = self._refill_pending(kind)
        if pending:
            self.pause(pending)

    def call_timeout(self):
        remaining = self.deadline.remaining()
        wanted = max(CALL_TIMEOUT_MIN, min(CALL_TIMEOUT_MAX, remaining / 2))
        return max(CALL_TIMEOUT_FLOOR, min(wanted, remaining))

    def read(self, client_name, method, request_type, action, **fields):
        """A retried read call; returns the answer as a dict."""
        request = getattr(compute_v1(), request_type)(**fields)

        def attempt():
            return self._with_client(client_name, lambda client: getattr(client, method)(
                request=request, retry=None, timeout=self.call_timeout()), kind="read")

        try:
            return to_dict(self.retry_policy.call(attempt))
        except Exception as error:  # pylint: disable=broad-except
            raise self.describe(error, action)

    def read_pages(self, client_name, method, request_type, action, **fields):
        """All items of a paged list call, as dicts. A transient failure restarts the listing."""
        def listing(client):
            request = getattr(compute_v1(), request_type)(**fields)
            pager = getattr(client, method)(request=request, retry=None, timeout=self.call_timeout())
            return [to_dict(page) for page in pager.pages]

        def attempt():
            # One page after the other: the listing holds one lane throughout.
            return self._with_client(client_name, listing, kind="read")

        try:
            return self.retry_policy.call(attempt)
        except Exception as error:  # pylint: disable=broad-except
            raise self.describe(error, action)

    def write(self, client_name, method, request_type, action, **fields):
        """A write call with one requestId for all its attempts; returns the Operation as a dict.

        The server answers a repeated requestId with the first attempt's
        operation, so a retry after a dropped answer never acts twice.
        """
        fields = dict(fields, request_id=new_request_id())
        request = getattr(compute_v1(), request_type)(**fields)

        def attempt():
            return self._with_client(client_name, lambda client: getattr(client, method + "_unary")(
                request=request, retry=None, timeout=self.call_timeout()), kind="write")

        try:
            return to_dict(self.retry_policy.call(attempt))
        except Exception as error:  # pylint: disable=broad-except
            raise self.describe(error, action)

    def wait_for_zone_operation(self, operation, action):
        """Wait until a zone operation is DONE (see wait_alone); with an operation_watcher, together with others."""
        if self.operation_watcher is not None:
            return self.operation_watcher.wait(operation, action)
        return self.wait_alone(operation, action)

    def wait_briefly(self, operation, seconds):
        """One ``zoneOperations.wait`` call given up after ``seconds``: the operation as it then stands.

        Without an answer in time (or after a transient failure) the
        operation is returned as it was given: the caller asks again later.
        An endpoint without ``wait`` raises GceError with its HTTP status.
        """
        request = compute_v1().WaitZoneOperationRequest(
            project=self.project, zone=short_name(operation.get("zone")), operation=operation["name"])
        timeout = max(0.1, min(seconds, self.deadline.remaining()))
        try:
            return to_dict(self._with_client(OPERATIONS, lambda client: client.wait(
                request=request, retry=None, timeout=timeout)))
        except Exception as error:  # pylint: disable=broad-except
            if is_transient(error):
                return operation
            raise self.describe(error, "wait for operation %s" % operation["name"])

    def describe(self, error, action):
        """errors.describe, naming this API door's credential option when the API rejects the credentials."""
        return describe(error, action, self.credential_option)

    def timed_out(self, operation, action):
        """The error for an operation still not DONE when the deadline passed."""
        return GceError(
            "%s failed: timed out after %d s (wait_timeout) waiting for operation %s, last "
            "status %s; it may still finish: raise wait_timeout or run the task again"
            % (action, self.deadline.seconds, operation.get("name"), operation.get("status")),
            operation=operation.get("name"), timed_out=True)

    def wait_alone(self, operation, action):
        """Wait until an operation (of a zone, a region or global) is DONE, within the deadline.

        Uses ``zoneOperations.wait``, which the API holds open until the
        operation is done (or about two minutes); an endpoint that does not
        offer it (404, 405, 501) is polled with ``zoneOperations.get`` instead.
        Returns the finished operation; raises GceError with the operation's
        own error code and message when it failed, or a timeout message
        naming the operation when the deadline passed first.
        """
        client_name, (wait_request, get_request), fields = _operation_scope(self.project, operation)
        use_wait = [True]
        pause = [OPERATION_POLL_PAUSE_FIRST]

        def attempt(current):
            started = self.deadline.elapsed()
            # The HTTP timeout keeps a held-open ``wait`` inside the deadline.
            timeout = max(0.1, min(CALL_TIMEOUT_MAX, self.deadline.remaining()))
            try:
                if use_wait[0]:
                    try:
                        answer = self._with_client(client_name, lambda client: client.wait(
                            request=getattr(compute_v1(), wait_request)(**fields), retry=None,
                            timeout=timeout))
                    except api_exceptions.GoogleAPICallError as error:
                        if error.code not in WAIT_UNSUPPORTED_STATUSES:
                            raise
                        use_wait[0] = False
                        return current
                else:
                    answer = self._with_client(client_name, lambda client: client.get(
                        request=getattr(compute_v1(), get_request)(**fields), retry=None,
                        timeout=timeout))
            except requests_exceptions.Timeout:
                return current  # still running as far as we know; the deadline decides
            answer = to_dict(answer)
            if answer.get("status") != "DONE" and self.deadline.elapsed() - started < pause[0]:
                self.pause(pause[0])
                pause[0] = min(OPERATION_POLL_PAUSE_MAX, pause[0] * OPERATION_POLL_PAUSE_GROWTH)
            return answer

        while operation.get("status") != "DONE":
            if self.deadline.expired():
                raise self.timed_out(operation, action)
            try:
                operation = self.retry_policy.call(attempt, operation)
            except Exception as error:  # pylint: disable=broad-except
                raise self.describe(error, action)
        if operation.get("error"):
            raise operation_error(operation, action)
        return operation
