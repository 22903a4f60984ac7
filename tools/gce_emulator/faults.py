"""Faults on demand: errors, dropped connections and latency, per method and path.

A schedule is a list of rules, checked in order for each API call. A rule
matches on ``method`` (or ``*``) and a regular expression searched in the URL
path, then fires either for its next ``count`` matching calls, or with
``probability`` drawn from its own ``random.Random(seed)`` (so the same calls in
the same order see the same faults), or always when it has neither. With
``skip``, the first ``skip`` matching calls pass untouched before the rule
starts (a fault on a later call of the same kind, such as the read-back list
after the list that found the instances). With ``name`` (a regular
expression), a rule fires only on calls about a resource of that name: one
a segment of the URL path names (the write of an existing resource), or the
``name`` of the call's JSON body (an insert, whose URL names only the
collection), so that a fault can be aimed at one template or group among
several inserts to the same URL.

``drop`` closes the connection before the call is served. ``drop_answer``
serves the call (a write takes effect), then closes the connection without
answering, as when a reply is lost on its way back: a client that retries
such a write must send the same requestId to get the first operation back
instead of acting twice.

``operation_error`` fires on writes only (not on reads, nor on
``zoneOperations.wait``): the call is accepted and answered with an
Operation as usual, but nothing changes and the operation ends DONE with
the rule's ``code`` and ``message`` (``httpErrorStatusCode`` ``http_status``),
as a write that Compute Engine gives up on does.

``403`` is the per-minute rate limit (``rateLimitExceeded``, "Quota exceeded
for quota metric 'Write requests' ... per minute" on writes, 'Read requests'
on reads), ``quota_exceeded`` a 403 ``quotaExceeded`` (a resource quota
refused at once), ``412`` a fingerprint race (``conditionNotMet``: another
writer changed the resource first; nothing is changed). ``transitional``
puts the instance the call names into ``status`` (default ``REPAIRING``) for
``hold_seconds`` of the emulator's clock, then serves the call: a change
while it lasts gets ``resourceNotReady`` as on Compute Engine.
"""

import random
import re
import threading

from . import errors

KINDS = ("403", "412", "429", "500", "503", "drop", "drop_answer", "latency", "operation_error", "quota_exceeded",
         "transitional")
# Statuses a transitional fault may hold an instance in (the discovery document's enum).
TRANSITIONAL_STATUSES = ("PENDING", "PENDING_STOP", "DEPROVISIONING", "REPAIRING", "STOPPING", "PROVISIONING",
                         "STAGING", "SUSPENDING")

# What an operation_error rule ends the operation with unless it says otherwise.
DEFAULT_OPERATION_ERROR = {
    "code": "INTERNAL_ERROR",
    "message": "Internal error. Please try again or contact Google Support.",
    "http_status": 500,
}
_READ_METHODS = ("GET", "HEAD")
_WAIT_SUFFIX = "/wait"


def _region_in(path):
    match = re.search(r"/(?:zones|regions)/([a-z]+-[a-z]+[0-9]+)", path)
    return match.group(1) if match else "global"


def _race_sentence(path):
    """What Compute Engine says when the fingerprint a write carries is stale (labels and metadata: its words)."""
    if path.endswith("/setLabels"):
        return "Labels fingerprint either invalid or resource labels have changed"
    if path.endswith("/setTags"):
        return "Supplied fingerprint does not match current tags fingerprint."
    return "Supplied fingerprint does not match current metadata fingerprint."


def is_write(method, path):
    # listManagedInstances is a POST that only reads (Compute Engine counts it as a read).
    return (method not in _READ_METHODS and not path.endswith(_WAIT_SUFFIX)
            and not path.endswith("/listManagedInstances"))


class FaultSpecError(ValueError):
    pass


class _Rule:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise FaultSpecError("each fault must be an object")
        unknown = set(spec) - {"method", "path", "kind", "count", "probability", "seed", "latency_seconds",
                               "code", "message", "http_status", "status", "hold_seconds", "skip", "name"}
        if unknown:
            raise FaultSpecError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        self.kind = str(spec.get("kind", ""))
        if self.kind not in KINDS:
            raise FaultSpecError("fault kind must be one of %s, not %r" % (", ".join(KINDS), self.kind))
        self.method = str(spec.get("method", "*")).upper()
        try:
            self.path = re.compile(spec.get("path", ".*"))
        except re.error as problem:
            raise FaultSpecError("fault path is not a regular expression: %s" % problem)
        try:
            self.name = re.compile(spec["name"]) if spec.get("name") is not None else None
        except (re.error, TypeError) as problem:
            raise FaultSpecError("fault name is not a regular expression: %s" % problem)
        if "count" in spec and "probability" in spec:
            raise FaultSpecError("a fault takes count or probability, not both")
        self.remaining = int(spec["count"]) if "count" in spec else None
        self.to_skip = int(spec.get("skip", 0))
        if self.to_skip < 0:
            raise FaultSpecError("skip must be 0 or more")
        self.probability = float(spec["probability"]) if "probability" in spec else None
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise FaultSpecError("probability must be between 0 and 1")
        self.random = random.Random(spec.get("seed", 0))
        self.latency_seconds = float(spec.get("latency_seconds", 0.0))
        if self.kind == "latency" and self.latency_seconds <= 0:
            raise FaultSpecError("a latency fault needs latency_seconds > 0")
        if self.kind == "operation_error":
            self.operation_error = dict(DEFAULT_OPERATION_ERROR)
            self.operation_error.update(
                (key, spec[key]) for key in DEFAULT_OPERATION_ERROR if spec.get(key) is not None)
            self.operation_error["http_status"] = int(self.operation_error["http_status"])
        elif {"code", "message", "http_status"} & set(spec):
            raise FaultSpecError("code, message and http_status belong to operation_error faults only")
        self.status = str(spec.get("status", "REPAIRING"))
        self.hold_seconds = float(spec.get("hold_seconds", 1.0))
        if self.kind == "transitional":
            if self.status not in TRANSITIONAL_STATUSES:
                raise FaultSpecError("a transitional fault's status must be one of %s" % ", ".join(
                    TRANSITIONAL_STATUSES))
            if self.hold_seconds <= 0:
                raise FaultSpecError("a transitional fault needs hold_seconds > 0")
        elif {"status", "hold_seconds"} & set(spec):
            raise FaultSpecError("status and hold_seconds belong to transitional faults only")
        self.spec = dict(spec)
        self.fired = 0

    def names(self, path, body):
        """Whether the call is about a resource of the rule's name (by its URL, or an insert's body)."""
        named = path.split("/") + ([body["name"]] if isinstance(body, dict) and isinstance(body.get("name"), str)
                                   else [])
        return any(self.name.fullmatch(name) for name in named)

    def fires(self, method, path, body=None):
        if self.method not in ("*", method) or not self.path.search(path):
            return False
        if self.name is not None and not self.names(path, body):
            return False
        if self.kind == "operation_error" and not is_write(method, path):
            return False
        if self.to_skip > 0:
            self.to_skip -= 1
            return False
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
        elif self.probability is not None and self.random.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def describe(self):
        described = dict(self.spec)
        described["fired"] = self.fired
        if self.remaining is not None:
            described["remaining"] = self.remaining
        return described


class Outcome:
    """What the faults decided for one call: extra latency, then maybe an error, a drop or a failed operation."""

    def __init__(self):
        self.latency = 0.0
        self.error = None
        self.operation_error = None  # {"code", "message", "http_status"}: accept the write, fail its operation
        self.drop = False
        self.drop_answer = False
        self.transitional = None  # (status, hold_seconds): hold the named instance there, then serve
        self.answered = False  # set by the server once a fault has answered or dropped the call


class FaultSchedule:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    def replace(self, specs):
        rules = [_Rule(spec) for spec in specs]
        with self._lock:
            self._rules = rules

    def describe(self):
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def decide(self, method, path, project, body=None):
        """The outcome for one call; ``body`` is its JSON body (for rules aimed by ``name``)."""
        outcome = Outcome()
        with self._lock:
            for rule in self._rules:
                if not rule.fires(method, path, body):
                    continue
                if rule.kind == "latency":
                    outcome.latency += rule.latency_seconds
                    continue
                if rule.kind == "transitional":
                    outcome.transitional = (rule.status, rule.hold_seconds)
                    continue
                if rule.kind == "drop":
                    outcome.drop = True
                elif rule.kind == "drop_answer":
                    outcome.drop_answer = True
                elif rule.kind == "operation_error":
                    outcome.operation_error = dict(rule.operation_error)
                elif rule.kind == "429":
                    outcome.error = errors.rate_limited(project)
                elif rule.kind == "403":
                    outcome.error = errors.per_minute_limit(project, is_write(method, path))
                elif rule.kind == "412":
                    outcome.error = errors.condition_not_met(_race_sentence(path))
                elif rule.kind == "quota_exceeded":
                    outcome.error = errors.quota_exceeded_now("CPUS", 24.0, _region_in(path))
                else:
                    outcome.error = errors.backend_error(int(rule.kind))
                break
        return outcome
