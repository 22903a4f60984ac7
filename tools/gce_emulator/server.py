"""The HTTP server: one thread per connection, three kinds of URL.

* ``/compute/v1/...`` -- the Compute API: logged, faults applied, bearer token
  required, then routed to :mod:`compute_api`;
* ``/token`` -- the OAuth 2.0 token endpoint (logged without the assertion,
  faults applied, no bearer token);
* ``/_emulator/...`` -- the admin interface for tests (:mod:`admin_api`).
"""

import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import admin_api, compute_api, errors
from . import schema as schema_module
from .admin import AdminClient
from .auth import Authenticator, OAuthError
from .backing import make_backing
from .catalog import CATALOG_PATH, Catalog
from .faults import FaultSchedule, is_write
from .metadata_view import metadata_service
from .request_log import InFlightGauge, RequestLog
from .world import Config, World

TOKEN_PATH = "/token"
ADMIN_PREFIX = "/_emulator/"
API_PREFIX = "/compute/v1/"
# How long a blocked zoneOperations.wait sleeps between looks at the clock.
_WAIT_POLL_SECONDS = 0.05


def _project_of(path):
    parts = path.split("/")
    return parts[4] if len(parts) > 4 and parts[3] == "projects" else "unknown"


class _Handler(BaseHTTPRequestHandler):
    server_version = "gce-emulator"
    sys_version = ""

    def log_message(self, fmt, *args):  # the request log replaces the default stderr chatter
        if self.server.emulator.verbose:
            super().log_message(fmt, *args)

    def date_time_string(self, timestamp=None):
        """The Date header by the emulator's clock, which advance_clock moves, as a server tells its own time."""
        world = getattr(self.server.emulator, "world", None)
        return super().date_time_string(timestamp if timestamp is not None or world is None else world.clock())

    # -- plumbing ---------------------------------------------------------------------
    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status, payload, extra_headers=None):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self):
        """Close the connection without a response, as a dropped connection does."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_PUT(self):
        self._dispatch("PUT")

    # -- dispatch ------------------------------------------------------------------------
    def _dispatch(self, method):
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        raw_body = self._read_body()
        if path.startswith(ADMIN_PREFIX):
            self._admin(method, path, raw_body)
        elif path == TOKEN_PATH:
            self._token(method, path, query, raw_body)
        elif path.startswith(API_PREFIX):
            # In flight from the moment the call arrives (latency included) to its answer.
            with self.server.emulator.in_flight:
                self._api(method, path, query, raw_body)
        else:
            self._send_json(404, errors.ApiError(404, "notFound", "Not found: %s" % path).body())

    def _admin(self, method, path, raw_body):
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            self._send_json(400, {"error": "admin body is not JSON"})
            return
        status, payload = admin_api.handle(self.server.emulator, method, path, body)
        self._send_json(status, payload)

    def _apply_faults(self, method, path, entry, body=None):
        """The faults' outcome; ``outcome.answered`` when a fault answered (or dropped) the call."""
        emulator = self.server.emulator
        outcome = emulator.faults.decide(method, path, _project_of(path), body)
        delay = emulator.world.config.latency_seconds + outcome.latency
        if delay > 0:
            time.sleep(delay)
        if outcome.drop:
            entry["status"] = "dropped"
            self._drop()
            outcome.answered = True
        elif outcome.error is not None:
            entry["status"] = outcome.error.code
            self._check_response(entry, outcome.error.code, outcome.error.body())
            self._send_json(outcome.error.code, outcome.error.body(), outcome.error.headers)
            outcome.answered = True
        return outcome

    def _check_response(self, entry, status, payload):
        """With a schema: hold a Compute API answer to it; a violation is the emulator's own bug, logged."""
        discovery = self.server.emulator.discovery
        if discovery is None or not entry["path"].startswith(API_PREFIX):
            return
        violation = discovery.check_response(entry["method"], entry["path"], status, payload)
        if violation is not None:
            entry["schema_violation"] = self.server.emulator.schema_violations.add(
                violation, entry["method"], entry["path"])

    def _check_request(self, entry, method, path, query, body):
        """With a schema: the 400 Google gives a call its schema does not have (and the violation logged)."""
        discovery = self.server.emulator.discovery
        if discovery is None:
            return
        violation = discovery.check_request(method, path, query, body)
        if violation is not None:
            entry["schema_violation"] = self.server.emulator.schema_violations.add(violation, method, path)
            raise errors.schema_refusal(violation)

    def _answer(self, entry, outcome, status, payload, headers=None):
        """Send the answer, or, under a drop_answer fault, close the connection instead."""
        self._check_response(entry, status, payload)
        if outcome.drop_answer:
            entry["status"] = "answer_dropped"
            entry["served_status"] = status
            self._drop()
            return
        entry["status"] = status
        self._send_json(status, payload, headers)

    def _token(self, method, path, query, raw_body):
        emulator = self.server.emulator
        form = dict(urllib.parse.parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True))
        entry = emulator.request_log.record(method, path, query, form, dict(self.headers))
        outcome = self._apply_faults(method, path, entry)
        if outcome.answered:
            return
        if method != "POST":
            self._answer(entry, outcome, 405, {"error": "invalid_request", "error_description": "POST only"})
            return
        try:
            payload = emulator.authenticator.exchange(form, emulator.base_url + TOKEN_PATH)
            status = 200
        except OAuthError as refusal:
            payload, status = refusal.body(), refusal.status
        self._answer(entry, outcome, status, payload)

    def _api(self, method, path, query, raw_body):
        emulator = self.server.emulator
        body = None
        parse_error = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                parse_error = errors.ApiError(400, "parseError", "Invalid JSON payload received.")
        entry = emulator.request_log.record(method, path, query, body, dict(self.headers))
        outcome = self._apply_faults(method, path, entry, body)
        if outcome.answered:
            return
        try:
            principal = emulator.authenticator.authenticate(self.headers.get("Authorization"), emulator.base_url)
            if parse_error:
                raise parse_error
            with emulator.world.lock:
                emulator.world.advance()
                limited = emulator.world.over_rate_limit(_project_of(path), is_write(method, path))
            if limited is not None:
                raise limited
            self._check_request(entry, method, path, query, body)
            handler, params = compute_api.route(method, path)
            call = compute_api.Call(emulator.world, method, params, query, body, principal)
            if handler == compute_api.WAIT_ROUTE_NAME:
                status, payload = self._wait(call)
            else:
                with emulator.world.lock:
                    emulator.world.advance()
                    if outcome.transitional is not None:
                        compute_api.hold_named_instance(call, *outcome.transitional)
                    if outcome.operation_error is not None:
                        status, payload = compute_api.failed_write(call, handler, outcome.operation_error)
                    else:
                        status, payload = handler(call)
                    payload = json.loads(json.dumps(payload))  # a snapshot, taken under the lock
        except errors.ApiError as refusal:
            self._answer(entry, outcome, refusal.code, refusal.body(), refusal.headers)
            return
        self._answer(entry, outcome, status, payload)

    def _wait(self, call):
        """zoneOperations.wait: block until DONE or the wait limit, then answer as it stands."""
        world = call.world
        with world.lock:
            world.advance()
            deadline = world.clock() + world.config.wait_limit_seconds
        while True:
            with world.lock:
                world.advance()
                operation = compute_api.operations_get(call)[1]
                if operation["status"] == "DONE":
                    return 200, json.loads(json.dumps(operation))
                next_event = world.next_event_time()
            now = world.clock()
            if now >= deadline:
                return 200, json.loads(json.dumps(operation))
            wake = min(deadline, next_event if next_event is not None else deadline, now + _WAIT_POLL_SECONDS)
            time.sleep(max(0.0, wake - now))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator = None  # the EmulatorServer this serves, set by EmulatorServer.start()

    def handle_error(self, request, client_address):
        # A client that stops waiting (a zoneOperations.wait given up after
        # a timeout) closes its connection before the answer: not an error
        # of the emulator, so no traceback on stderr.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class EmulatorServer:
    """The Compute Engine emulator, served from a background thread.

    ``EmulatorServer(port=0, operation_seconds=0.3).start()``; then
    ``base_url``, ``admin`` (an AdminClient) and ``stop()``. Also a context
    manager. ``schema=True`` holds every Compute API call and answer to
    Google's discovery document (see :mod:`schema`); violations are in
    ``schema_violations`` and the admin API. Extra keyword arguments are settings as for
    ``AdminClient.configure`` (``stocked_out_zones``, ``cpu_quota``, ...).
    """

    def __init__(self, host="127.0.0.1", port=0, operation_seconds=1.0, catalog_path=CATALOG_PATH, seed=None,
                 verbose=False, backing=None, schema=None, backing_variant=None, **settings):
        self.host = host
        # schema: hold every API call and answer to Google's discovery document
        # (schema.resolve: None reads GCE_EMULATOR_SCHEMA, True the installed one).
        self.discovery = schema_module.resolve(schema)
        self.schema_violations = schema_module.ViolationLog()
        self.port = port
        self.verbose = verbose
        # What reset() returns to; further keys as in AdminClient.configure().
        self._initial_settings = dict(settings, operation_seconds=operation_seconds)
        self.world = World(Catalog(catalog_path), Config(**self._initial_settings), seed=seed)
        # backing="testhosts": every running instance is a real test host (backing.py).
        # Checked here, so a machine that cannot do it fails before serving.
        self.world.backing = make_backing(backing, variant=backing_variant) if backing else None
        if self.world.backing is not None:
            self.world.backing.metadata = metadata_service(self.world)
        self.authenticator = Authenticator()
        self.faults = FaultSchedule()
        self.request_log = RequestLog()
        self.in_flight = InFlightGauge()
        self._httpd = None
        self._thread = None
        self.admin = None

    @property
    def base_url(self):
        if self._httpd is None:
            raise RuntimeError("the emulator is not started")
        return "http://%s:%d" % (self.host, self._httpd.server_address[1])

    def start(self):
        self._httpd = _Server((self.host, self.port), _Handler)
        self._httpd.emulator = self
        # Looking for a shutdown every 50 ms (serve_forever's default is 0.5 s): stop() returns at once.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="gce-emulator", daemon=True)
        self._thread.start()
        self.admin = AdminClient(self.base_url)
        return self

    def stop(self):
        """Stop serving; in backing mode, also remove every test host this emulator started."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None
        if self.world.backing is not None:
            self.world.backing.close()

    def reset(self):
        """Empty state, default config, no faults, empty log; keys and tokens stay.

        In backing mode the test hosts of the dropped instances are removed
        (this waits for boots in flight).
        """
        with self.world.lock:
            self.world.config = Config(**self._initial_settings)
            self.world.clear()
            self.world.clock_offset = 0.0
        if self.world.backing is not None:
            self.world.backing.remove_all()
        self.faults.replace([])
        self.request_log.clear()
        self.schema_violations.clear()
        self.in_flight.reset()

    def serve_forever(self):
        """Serve in the calling thread (the command line's way)."""
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
