"""A small client for the emulator's admin interface (standard library only)."""

import json
import urllib.error
import urllib.request


class AdminCallError(RuntimeError):
    pass


class AdminClient:
    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, action, payload=None):
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(
            "%s/_emulator/%s" % (self.base_url, action), data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as failure:
            raise AdminCallError("%s /_emulator/%s: %s %s" % (method, action, failure.code, failure.read().decode()))

    def reset(self):
        return self._call("POST", "reset", {})

    def configure(self, **settings):
        """Any key of world.Config.DEFAULTS (operation_seconds, stocked_out_zones, tdx_zones_added, ...)."""
        return self._call("POST", "config", settings)

    def config(self):
        return self._call("GET", "config")

    def set_faults(self, faults):
        return self._call("POST", "faults", {"faults": list(faults)})["faults"]

    def faults(self):
        return self._call("GET", "faults")["faults"]

    def requests(self):
        return self._call("GET", "requests")["requests"]

    def clear_requests(self):
        self._call("DELETE", "requests")

    def schema_violations(self):
        """What broke Google's schema since reset: [{direction, method, where, problem, text, http_method, path}].

        Empty when the server runs without a schema (``schema_revision()`` is then None).
        """
        return self._call("GET", "schema_violations")["violations"]

    def schema_revision(self):
        """The discovery document's revision the server checks against, or None when it checks nothing."""
        return self._call("GET", "schema_violations")["schema"]

    def in_flight(self):
        """{"current", "peak"}: Compute API calls being served now, and the most at once since reset."""
        return self._call("GET", "in_flight")

    def clear_in_flight_peak(self):
        """Start counting the peak again from the calls in flight now."""
        return self._call("DELETE", "in_flight")

    def register_service_account(self, client_email, public_key_pem, key_id):
        if isinstance(public_key_pem, bytes):
            public_key_pem = public_key_pem.decode("ascii")
        return self._call("POST", "keys", {
            "client_email": client_email, "public_key_pem": public_key_pem, "key_id": key_id})

    def mint_access_token(self, client_email="tester@tdx-test-project.iam.gserviceaccount.com"):
        return self._call("POST", "tokens", {"client_email": client_email})["access_token"]

    def clock(self):
        """The emulator's clock now (seconds since the epoch, the offset included) and its offset."""
        return self._call("GET", "clock")

    def advance_clock(self, seconds):
        """Move the operations clock forward: due operations and status changes happen now."""
        return self._call("POST", "clock", {"advance_seconds": seconds})["offset_seconds"]

    def advance_clock_to_second(self, second):
        """Move the clock forward to ``second`` (0-60) of a minute, for per-minute limits, which refill at the next."""
        return self.advance_clock((second - self.clock()["now"] % 60) % 60)

    def load_state(self, state):
        return self._call("POST", "state", state)

    def state(self):
        return self._call("GET", "state")

    def instances(self):
        return self.state()["instances"]

    def set_maintenance_event(self, zone, instance, event, project=None):
        """What the instance's metadata server says at instance/maintenance-event (NONE to end it)."""
        return self._call("POST", "maintenance_event", {"zone": zone, "instance": instance, "event": event,
                                                        "project": project})

    def backing_hosts(self):
        """Backing mode: the test host of each instance (project, zone, instance, host, state, address, error)."""
        return self._call("GET", "backing")["hosts"]
