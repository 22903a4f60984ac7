"""The metadata server's HTTP side: one listener per test host, the header rules, long polls.

``MetadataService(describe)``; ``attach(key, netns_path)`` serves the
instance ``key`` at 169.254.169.254:80 inside that network namespace
(``serve(key, address)`` on any address, for tests on loopback);
``detach(key)``; ``close()``. ``describe(key)`` returns the instance's
facts, or None once it is gone:

    id, name, zone, machine_type, project_id, numeric_project_id, ip,
    and optionally external_ip, hostname, attributes (dict), tags,
    cpu_platform, description, image, maintenance_event (``instance/maintenance-event``, default NONE).

Project attributes (``set_project_attributes``) and OS Login
(``oslogin``, an OsLoginDirectory) are kept here per project, since the
emulator has no project metadata of its own. ``notify()`` wakes the long
polls at once; they also look again every POLL_SECONDS, so a change made
through the Compute API reaches the guest without any call.

The rules, as the real server applies them: every request under
/computeMetadata/v1/ needs ``Metadata-Flavor: Google`` (403 otherwise),
one carrying ``X-Forwarded-For`` is refused (403: it came through a
proxy), and every answer carries ``Metadata-Flavor: Google``.
"""

import http.server
import json
import threading
import time
import urllib.parse

from . import netns, tree
from .oslogin import OsLoginDirectory

METADATA_ADDRESS = "169.254.169.254"
METADATA_PORT = 80
PREFIX = "/computeMetadata/v1"
POLL_SECONDS = 0.5
# The real server holds a wait_for_change without timeout_sec for a long
# time; a bound keeps a forgotten client from holding a thread for ever.
MAX_WAIT_SECONDS = 3600
_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # what Go's strconv.ParseBool reads as true (the agent)


def attribute_true(facts, project_attributes, name):
    """An attribute switch as the guest agent reads it: the instance's value wins over the project's."""
    value = (project_attributes or {}).get(name)
    instance_value = (facts.get("attributes") or {}).get(name)
    if instance_value is not None:
        value = instance_value
    return value in _TRUE


class _Reply:
    def __init__(self, status, body="", content_type="application/text", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


class MetadataService:
    def __init__(self, describe, oslogin=None):
        self.describe = describe
        self.oslogin = oslogin or OsLoginDirectory()
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._closing = False
        self._project_attributes = {}  # project id -> {key: value}
        self._guest_attributes = {}    # instance key -> {"namespace/key": value}
        self._listeners = {}           # instance key -> http server
        self._macs = {}                # instance key -> MAC of the guest's first NIC

    # -- state -------------------------------------------------------------------------
    def set_project_attributes(self, project, attributes):
        with self._lock:
            self._project_attributes[project] = dict(attributes)
        self.notify()

    def project_attributes(self, project):
        with self._lock:
            return dict(self._project_attributes.get(project, {}))

    def guest_attributes(self, key):
        with self._lock:
            return dict(self._guest_attributes.get(key, {}))

    def notify(self):
        with self._changed:
            self._changed.notify_all()

    # -- listeners ---------------------------------------------------------------------
    def attach(self, key, netns_path):
        """Serve ``key`` at 169.254.169.254:80 inside the network namespace at ``netns_path``."""
        netns.add_address(netns_path, METADATA_ADDRESS)
        sock = netns.listen_in(netns_path, METADATA_ADDRESS, METADATA_PORT)
        macs = netns.link_macs(netns_path)
        self._start(key, sock)
        with self._lock:
            # systemd-nspawn names the guest's end of the veth host0.
            mac = macs.get("host0") or next(iter(macs.values()), None)
            if mac:
                self._macs[key] = mac

    def serve(self, key, address=("127.0.0.1", 0)):
        """Serve ``key`` on ``address`` in this namespace (tests); returns (host, port)."""
        httpd = self._start(key, None, address)
        return httpd.server_address[:2]

    def _start(self, key, sock, address=None):
        self.detach(key)
        if sock is None:
            httpd = _Server(address, _Handler)
        else:
            httpd = _Server(sock.getsockname(), _Handler, bind_and_activate=False)
            httpd.socket.close()
            httpd.socket = sock
        httpd.service, httpd.key = self, key
        # Looking for a shutdown every 50 ms (serve_forever's default is 0.5 s): detach() returns at once.
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="metadata-%s" % key[-1],
                         daemon=True).start()
        with self._lock:
            self._listeners[key] = httpd
        return httpd

    def detach(self, key):
        with self._lock:
            httpd = self._listeners.pop(key, None)
            self._guest_attributes.pop(key, None)
            self._macs.pop(key, None)
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def close(self):
        self._closing = True
        self.notify()
        with self._lock:
            keys = list(self._listeners)
        for key in keys:
            self.detach(key)

    # -- answers -------------------------------------------------------------------------
    def reply(self, key, method, raw_path, headers, body=b""):
        """The answer to one request of the instance ``key``."""
        if headers.get("X-Forwarded-For") is not None:
            return _Reply(403, "Request denied: it carries X-Forwarded-For (the metadata server answers the VM "
                               "itself, not a proxy).\n")
        url = urllib.parse.urlsplit(raw_path)
        if url.path == "/":
            return _Reply(200, "computeMetadata/\n")
        if url.path != PREFIX and not url.path.startswith(PREFIX + "/"):
            return _Reply(404, "Not found: %s\n" % url.path)
        if headers.get("Metadata-Flavor") != "Google":
            return _Reply(403, "Missing Metadata-Flavor:Google header.\n")
        facts = self.describe(key)
        if facts is None:
            return _Reply(503, "The instance is gone.\n")
        rest = url.path[len(PREFIX):]
        parts = [part for part in rest.split("/") if part]
        params = {name: values[-1] for name, values in urllib.parse.parse_qs(url.query).items()}
        project_attributes = self.project_attributes(facts["project_id"])
        if parts[:1] == ["oslogin"]:
            return self._oslogin(facts, project_attributes, parts, url.query)
        if parts[:2] == ["instance", "guest-attributes"] and (method == "PUT" or len(parts) > 2):
            return self._guest_attribute(key, facts, project_attributes, method, parts[2:], body)
        if method != "GET":
            return _Reply(405, "Method not allowed.\n")
        return self._metadata(key, facts, parts, rest.endswith("/") or not parts, params)

    def _tree(self, key, facts):
        facts = dict(facts, project_attributes=self.project_attributes(facts["project_id"]))
        with self._lock:
            if key in self._macs:
                facts["mac"] = self._macs[key]
        return tree.build_tree(facts, self.guest_attributes(key))

    def _render(self, key, parts, recursive, alt):
        facts = self.describe(key)
        if facts is None:
            return None
        node = tree.lookup(self._tree(key, facts), parts)
        verbatim = any(part in ("attributes", "guest-attributes") for part in parts)
        return tree.render(node, recursive, alt, verbatim) + (tree.is_directory(node),)

    def _metadata(self, key, facts, parts, slash, params):
        recursive = params.get("recursive", "").lower() == "true"
        alt = params.get("alt")
        if alt not in (None, "json", "text"):
            return _Reply(400, "alt must be json or text.\n")
        try:
            rendered = self._render(key, parts, recursive, alt)
        except KeyError:
            return _Reply(404, "Not found: %s\n" % "/".join(parts))
        if rendered is None:
            return _Reply(503, "The instance is gone.\n")
        body, content_type, directory = rendered
        if directory and not slash and not recursive:
            return _Reply(301, "", headers={"Location": "%s/%s/" % (PREFIX, "/".join(parts))})
        if params.get("wait_for_change", "").lower() == "true":
            try:
                timeout = min(float(params.get("timeout_sec", MAX_WAIT_SECONDS)), MAX_WAIT_SECONDS)
            except ValueError:
                return _Reply(400, "timeout_sec must be a number.\n")
            body, content_type = self._wait(key, parts, recursive, alt, params.get("last_etag"), timeout,
                                            (body, content_type))
        return _Reply(200, body, content_type, {"ETag": tree.etag(body)})

    def _wait(self, key, parts, recursive, alt, last_etag, timeout, current):
        """Hold the request until the rendered node's ETag differs from ``last_etag``, or the timeout."""
        if last_etag is None:
            last_etag = tree.etag(current[0])
        deadline = time.monotonic() + timeout
        while tree.etag(current[0]) == last_etag and not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._changed:
                self._changed.wait(min(POLL_SECONDS, remaining))
            try:
                rendered = self._render(key, parts, recursive, alt)
            except KeyError:
                break
            if rendered is None:
                break
            current = rendered[:2]
        return current

    def _oslogin(self, facts, project_attributes, parts, query):
        # The OS Login modules read 404 as "OS Login is not enabled on this instance".
        if not attribute_true(facts, project_attributes, "enable-oslogin") or len(parts) != 2:
            return _Reply(404, "Not found.\n")
        status, answer = self.oslogin.answer(facts["project_id"], parts[1], query)
        if answer is None:
            return _Reply(status, "Not found.\n" if status == 404 else "Bad request.\n")
        return _Reply(status, json.dumps(answer), "application/json")

    def _guest_attribute(self, key, facts, project_attributes, method, parts, body):
        if not attribute_true(facts, project_attributes, "enable-guest-attributes"):
            return _Reply(403, "Guest attributes endpoint access is disabled.\n")
        path = "/".join(parts)
        if method == "PUT":
            if len(parts) != 2:
                return _Reply(400, "Guest attributes are namespace/key.\n")
            with self._lock:
                self._guest_attributes.setdefault(key, {})[path] = body.decode("utf-8", errors="replace")
            self.notify()
            return _Reply(200, "")
        if method != "GET":
            return _Reply(405, "Method not allowed.\n")
        value = self.guest_attributes(key).get(path)
        if value is None:
            return self._metadata(key, facts, ["instance", "guest-attributes"] + parts, True, {})
        return _Reply(200, value)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A long poll whose client gave up: not an error of the server.
        return


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "Metadata Server for VM"
    sys_version = ""

    def _answer(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.service.reply(self.server.key, method, self.path, self.headers, body)
        data = reply.body.encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (the http.server interface)
        self._answer("GET")

    def do_PUT(self):  # noqa: N802
        self._answer("PUT")

    def do_POST(self):  # noqa: N802
        self._answer("POST")

    def log_message(self, format, *args):  # noqa: A002 (quiet: the agent long-polls all the time)
        return
