"""The log of API and token calls a test reads back, with secrets removed.

Entries hold method, path, query, parsed body, headers and the HTTP status
answered (``"dropped"`` when a fault closed the connection before the call
was served; ``"answer_dropped"`` plus ``served_status`` when the call was
served and its answer then dropped). Credentials never enter the log: the
Authorization header and its kin are dropped, and the token endpoint's
``assertion`` is removed from the logged form.
"""

import threading
import time

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-goog-api-key", "x-goog-iam-authorization-token",
})
SECRET_FIELDS = frozenset({"assertion", "access_token", "client_secret", "refresh_token", "key", "private_key"})


def _without_secret_fields(mapping):
    if not isinstance(mapping, dict):
        return mapping
    return {key: value for key, value in mapping.items() if key not in SECRET_FIELDS}


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def record(self, method, path, query, body, headers):
        entry = {
            "method": method,
            "path": path,
            "query": _without_secret_fields(dict(query)),
            "body": _without_secret_fields(body),
            "headers": {name: value for name, value in headers.items() if name.lower() not in SECRET_HEADERS},
            "status": None,
            "time": time.time(),
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self):
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self):
        with self._lock:
            self._entries = []


class InFlightGauge:
    """How many API calls are being served at this moment, and the most at once since the last reset.

    A client that promises to keep at most N calls in flight can be checked
    against ``peak`` without reading timestamps.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.current = 0
        self.peak = 0

    def __enter__(self):
        with self._lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self.current -= 1

    def reset(self):
        with self._lock:
            self.peak = self.current

    def as_dict(self):
        with self._lock:
            return {"current": self.current, "peak": self.peak}
