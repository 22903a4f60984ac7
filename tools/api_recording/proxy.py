"""RecordingProxy: a local HTTP endpoint that passes Compute API calls on and keeps each exchange.

Point a module's ``api_endpoint`` (or GCP_API_ENDPOINT) at ``base_url``. The
proxy forwards the call, Authorization header included, to ``upstream`` and
answers with upstream's answer; what it keeps is the method, path, query,
JSON body and the answer's status and JSON, with the project scrubbed. No
header is kept, so no token or key can reach a recording.
"""

import datetime
import http.server
import json
import threading
import urllib.parse

import requests

from .recording import save, scrub

FORWARDED_HEADERS = ("Authorization", "Content-Type", "User-Agent", "x-goog-api-client", "x-goog-user-project")
UPSTREAM_TIMEOUT_SECONDS = 120


class RecordingProxy:
    def __init__(self, upstream, project, host="127.0.0.1"):
        self.upstream = upstream.rstrip("/")
        self.project = project
        self.exchanges = []
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._server = http.server.ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        # Looking for a shutdown every 50 ms (serve_forever's default is 0.5 s): leaving returns at once.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="recording-proxy", daemon=True)

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return "http://%s:%d" % (host, port)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()

    def save(self, path):
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            save(path, list(self.exchanges), self.upstream, started)

    def _keep(self, method, target, body, status, answer):
        parsed = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        exchange = {"method": method, "path": parsed.path, "query": query, "body": body,
                    "status": status, "response": answer}
        with self._lock:
            self.exchanges.append(scrub(exchange, self.project))

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # the test's output is for the test
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = dict((name, self.headers[name]) for name in FORWARDED_HEADERS if self.headers.get(name))
                answer = proxy._session.request(self.command, proxy.upstream + self.path, data=raw or None,
                                                headers=headers, timeout=UPSTREAM_TIMEOUT_SECONDS)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = {"_unparsed": True}
                try:
                    answered = answer.json() if answer.content else None
                except ValueError:
                    answered = {"_unparsed": True}
                proxy._keep(self.command, self.path, body, answer.status_code, answered)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        return Handler
