"""Holds request and response bodies to Google's published Compute v1 schema.

The schema is Google's discovery document for Compute Engine v1
(``compute.v1.json``), as the ``google-api-python-client`` package ships it
(``googleapiclient/discovery_cache/documents/``); the document is read from
the installed package, never copied here. A call is mapped to its discovery
method by HTTP method and URL (``flatPath``/``path`` and ``httpMethod``),
which names the ``request`` and ``response`` schemas and the query
``parameters``.

What a body must be, per the discovery format
(https://developers.google.com/discovery/v1/type-format):

* an object with ``properties`` has no other keys (an unknown field fails);
  one with ``additionalProperties`` has values of that schema;
* ``string``/``integer``/``number``/``boolean``/``array``/``object`` are the
  JSON kinds; ``int64``/``uint64`` travel as decimal strings, ``int32``/
  ``uint32`` as JSON integers; ``enum`` lists every allowed value;
* ``readOnly`` is informational (the clients echo output fields back).

Error answers are held to Google's JSON error format (``ERROR_SCHEMAS``),
which the discovery document does not describe.

Hand-written rather than a JSON Schema library: the discovery format is not
JSON Schema (``$ref`` names a schema id, formats carry wire types), and a
translation would be as long as this checker.

    discovery = Discovery.installed()
    violation = discovery.check_request("POST", "/compute/v1/projects/p/zones/z/instances", query, body)
    str(violation)  # "request compute.instances.insert: Instance.disks[0].initializeParams.diskType: unknown field"
"""

import importlib.util
import json
import os
import re
import threading

DOCUMENT = os.path.join("discovery_cache", "documents", "compute.v1.json")
API_PREFIX = "/compute/v1/"

# Google's JSON error format, in the discovery document's own notation (ids
# under "rpc.", apart from the document's own: it has an ErrorInfo of its own). Sources:
# https://cloud.google.com/apis/design/errors (google.rpc.Status: code, message,
# status, details with "@type"), https://google.aip.dev/193 (ErrorInfo: reason,
# domain, metadata) and the Compute API's v1 error list ("errors": domain,
# reason, message, location, locationType), as every Compute error answer carries.
_STRING = {"type": "string"}
_STRING_MAP = {"type": "object", "additionalProperties": _STRING}
ERROR_SCHEMAS = {
    "rpc.ErrorResponse": {"type": "object", "required": ["error"],
                          "properties": {"error": {"$ref": "rpc.ErrorStatus"}}},
    "rpc.ErrorStatus": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "integer", "format": "int32"},
        "message": _STRING,
        "status": {"type": "string", "enum": [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]},
        "errors": {"type": "array", "items": {"$ref": "rpc.ErrorItem"}},
        "details": {"type": "array", "items": {"$ref": "rpc.ErrorDetail"}},
    }},
    "rpc.ErrorItem": {"type": "object", "properties": {
        "domain": _STRING, "reason": _STRING, "message": _STRING, "location": _STRING, "locationType": _STRING,
        "extendedHelp": _STRING, "sendReport": _STRING, "debugInfo": _STRING,
    }},
    # One object per "@type"; ERROR_DETAIL_TYPES says which keys each may have.
    "rpc.ErrorDetail": {"type": "object", "required": ["@type"], "properties": {"@type": _STRING},
                    "additionalProperties": {"type": "any"}},
    "rpc.ErrorInfo": {"type": "object", "properties": {
        "@type": _STRING, "reason": _STRING, "domain": _STRING, "metadata": _STRING_MAP}},
    "rpc.Help": {"type": "object", "properties": {"@type": _STRING, "links": {"type": "array", "items": {
        "type": "object", "properties": {"description": _STRING, "url": _STRING}}}}},
    "rpc.LocalizedMessage": {"type": "object", "properties": {"@type": _STRING, "locale": _STRING, "message": _STRING}},
    "rpc.BadRequest": {"type": "object", "properties": {"@type": _STRING, "fieldViolations": {"type": "array",
                                                                                              "items": {
        "type": "object", "properties": {"field": _STRING, "description": _STRING, "reason": _STRING}}}}},
    "rpc.QuotaFailure": {"type": "object", "properties": {"@type": _STRING, "violations": {"type": "array", "items": {
        "type": "object", "properties": {
            "subject": _STRING, "description": _STRING, "apiService": _STRING, "quotaMetric": _STRING,
            "quotaId": _STRING, "quotaDimensions": _STRING_MAP, "quotaValue": {"type": "string", "format": "int64"},
            "futureQuotaValue": {"type": "string", "format": "int64"}}}}}},
}
ERROR_DETAIL_TYPES = {"type.googleapis.com/google.rpc." + name: "rpc." + name
                      for name in ("ErrorInfo", "Help", "LocalizedMessage", "BadRequest", "QuotaFailure")}

_INTEGER_STRING = re.compile(r"\A-?[0-9]+\Z")
_UNSIGNED_STRING = re.compile(r"\A[0-9]+\Z")
# alt's documented values may carry options after ";" (google-api-core sends "json;enum-encoding=int").
_ALT_OPTIONS = frozenset({"enum-encoding=int"})


class SchemaError(Exception):
    """The discovery document cannot be found or read."""


class Violation:
    """The first place a body or query breaks the schema.

    ``where`` is the JSON path (``Instance.disks[0].type``), ``problem`` what
    is wrong there, ``direction`` ``request`` or ``response``, ``method`` the
    discovery method id (``compute.instances.insert``) or None when the URL
    names none. ``field`` is the path below the schema name (for API errors).
    """

    def __init__(self, where, problem, direction=None, method=None, unknown_name=None):
        self.where = where
        self.problem = problem
        self.direction = direction
        self.method = method
        self.unknown_name = unknown_name

    @property
    def field(self):
        return self.where.split(".", 1)[1] if "." in self.where else ""

    def located(self, direction, method):
        self.direction, self.method = direction, method
        return self

    def __str__(self):
        head = "%s %s: " % (self.direction, self.method or "(no discovery method)") if self.direction else ""
        return "%s%s: %s" % (head, self.where, self.problem)

    def as_dict(self):
        return {"direction": self.direction, "method": self.method, "where": self.where, "problem": self.problem,
                "text": str(self)}


def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


class Method:
    """One discovery method: its id, HTTP method, request/response schema names and parameters."""

    def __init__(self, spec):
        self.id = spec["id"]
        self.http_method = spec["httpMethod"]
        self.request = (spec.get("request") or {}).get("$ref")
        self.response = (spec.get("response") or {}).get("$ref")
        self.parameters = spec.get("parameters") or {}
        template = spec.get("flatPath") or spec["path"]
        self.literal_segments = sum(1 for part in template.split("/") if "{" not in part)
        self.pattern = re.compile(r"\A%s\Z" % "/".join(
            "[^/]+" if part.startswith("{") else re.escape(part) for part in template.split("/")))


class Discovery:
    """A loaded discovery document: method lookup and body checks."""

    def __init__(self, document):
        self.revision = document.get("revision")
        self.schemas = dict(document["schemas"])
        self.schemas.update(ERROR_SCHEMAS)
        self.global_parameters = document.get("parameters") or {}
        self._methods = {}
        self._collect(document.get("resources") or {})
        for methods in self._methods.values():
            methods.sort(key=lambda method: -method.literal_segments)

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as handle:
                return cls(json.load(handle))
        except (OSError, ValueError, KeyError) as problem:
            raise SchemaError("cannot read the discovery document %s: %s" % (path, problem)) from problem

    @staticmethod
    def installed_path():
        """Where the installed google-api-python-client keeps compute.v1.json."""
        spec = importlib.util.find_spec("googleapiclient")  # found, not imported
        if spec is None or not spec.submodule_search_locations:
            raise SchemaError("the google-api-python-client package (its compute.v1.json discovery document) "
                              "is not installed; pip install -r requirements-dev.txt")
        return os.path.join(list(spec.submodule_search_locations)[0], DOCUMENT)

    _installed = None
    _installed_lock = threading.Lock()

    @classmethod
    def installed(cls):
        """The installed document, read once per process (it is 2 MB)."""
        with cls._installed_lock:
            if cls._installed is None:
                cls._installed = cls.load(cls.installed_path())
            return cls._installed

    def _collect(self, resources):
        for resource in resources.values():
            for spec in (resource.get("methods") or {}).values():
                self._methods.setdefault(spec["httpMethod"], []).append(Method(spec))
            self._collect(resource.get("resources") or {})

    # -- lookup ----------------------------------------------------------------------------
    def method(self, http_method, url_path):
        """The discovery Method for ``POST /compute/v1/projects/...``, or None."""
        if not url_path.startswith(API_PREFIX):
            return None
        relative = url_path[len(API_PREFIX):]
        for method in self._methods.get(http_method, ()):
            if method.pattern.match(relative):
                return method  # the most literal segments win: instances/bulkInsert over instances/{instance}
        return None

    # -- checks ------------------------------------------------------------------------------
    def check(self, schema_name, value):
        """The first Violation of ``value`` against the named schema, or None."""
        return self._check({"$ref": schema_name}, value, schema_name)

    def check_request(self, http_method, url_path, query, body):
        method = self.method(http_method, url_path)
        if method is None:
            return Violation(url_path, "no discovery method is %s at this URL" % http_method).located(
                "request", None)
        violation = self._check_query(method, query or {})
        if violation is None:
            if method.request is None:
                if body not in (None, {}):
                    violation = Violation("body", "%s takes no request body" % method.id)
            elif body is not None:
                violation = self.check(method.request, body)
        return violation.located("request", method.id) if violation else None

    def check_response(self, http_method, url_path, status, body):
        method = self.method(http_method, url_path)
        if status >= 400:
            violation = self._check_error(body)
        elif method is None:
            violation = Violation(url_path, "no discovery method is %s at this URL" % http_method)
        elif method.response is None:
            violation = None if body in (None, {}) else Violation("body", "%s answers no body" % method.id)
        else:
            violation = self.check(method.response, body)
        return violation.located("response", method.id if method else None) if violation else None

    def _check_error(self, body):
        violation = self._check({"$ref": "rpc.ErrorResponse"}, body, "ErrorResponse")
        if violation is not None:
            return violation
        for index, detail in enumerate(body["error"].get("details") or ()):
            name = ERROR_DETAIL_TYPES.get(detail["@type"])
            where = "ErrorResponse.error.details[%d]" % index
            if name is None:
                return Violation(where + ".@type", "%r is not a google.rpc error detail type" % detail["@type"])
            violation = self._check({"$ref": name}, detail, where)
            if violation is not None:
                return violation
        return None

    def _check_query(self, method, query):
        for name, raw in sorted(query.items()):
            spec = method.parameters.get(name)
            if spec is not None and spec.get("location") != "query":
                spec = None
            if spec is None:  # system parameters, also as "$name" ("$alt"); one is named "$.xgafv" itself
                spec = self.global_parameters.get(name) or self.global_parameters.get(name[1:] if name[:1] == "$"
                                                                                      else None)
            if spec is None:
                return Violation("query.%s" % name, "unknown query parameter of %s" % method.id, unknown_name=name)
            values = raw if isinstance(raw, list) else [raw]
            for value in values:
                problem = self._query_value_problem(name, spec, value)
                if problem:
                    return Violation("query.%s" % name, problem)
        return None

    @staticmethod
    def _query_value_problem(name, spec, value):
        if name.lstrip("$") == "alt":
            value, _, options = value.partition(";")
            unknown = [option for option in options.split(";") if option and option not in _ALT_OPTIONS]
            if unknown:
                return "unknown alt option %r" % unknown[0]
        kind = spec.get("type")
        if kind == "integer" and not _INTEGER_STRING.match(value):
            return "%r is not an integer" % value
        if kind == "integer" and spec.get("format", "").startswith("uint") and value.startswith("-"):
            return "%r is negative" % value
        if kind == "boolean" and value not in ("true", "false"):
            return "%r is not true or false" % value
        if "enum" in spec and value not in spec["enum"]:
            return "%r is not one of %s" % (value, ", ".join(spec["enum"]))
        return None

    def _check(self, schema, value, where):
        while "$ref" in schema:
            name = schema["$ref"]
            if name not in self.schemas:
                return Violation(where, "the schema names an unknown schema %r" % name)
            schema = self.schemas[name]
        kind = schema.get("type")
        actual = _kind(value)
        if kind == "any":
            return None
        if kind == "string":
            return self._check_string(schema, value, actual, where)
        if kind == "integer":
            if actual != "integer":
                return Violation(where, "expected an integer, got %s %s" % (actual, json.dumps(value)))
            if schema.get("format", "").startswith("uint") and value < 0:
                return Violation(where, "%d is negative (%s)" % (value, schema["format"]))
            return None
        if kind == "number":
            ok = actual in ("integer", "number") or value in ("NaN", "Infinity", "-Infinity")
            return None if ok else Violation(where, "expected a number, got %s %s" % (actual, json.dumps(value)))
        if kind == "boolean":
            return None if actual == "boolean" else Violation(
                where, "expected a boolean, got %s %s" % (actual, json.dumps(value)))
        if kind == "array":
            if actual != "array":
                return Violation(where, "expected an array, got %s" % actual)
            for index, item in enumerate(value):
                violation = self._check(schema.get("items") or {"type": "any"}, item, "%s[%d]" % (where, index))
                if violation:
                    return violation
            return None
        if kind == "object":
            return self._check_object(schema, value, actual, where)
        return Violation(where, "the schema has an unknown type %r" % kind)

    @staticmethod
    def _check_string(schema, value, actual, where):
        fmt = schema.get("format")
        if actual != "string":
            wire = " (%s travels as a decimal string)" % fmt if fmt in ("int64", "uint64") else ""
            return Violation(where, "expected a string, got %s %s%s" % (actual, json.dumps(value), wire))
        if fmt == "int64" and not _INTEGER_STRING.match(value):
            return Violation(where, "%r is not a decimal int64" % value)
        if fmt == "uint64" and not _UNSIGNED_STRING.match(value):
            return Violation(where, "%r is not a decimal uint64" % value)
        if "enum" in schema and value not in schema["enum"]:
            return Violation(where, "%r is not one of the enum values (%s)" % (value, ", ".join(schema["enum"])))
        return None

    def _check_object(self, schema, value, actual, where):
        if actual != "object":
            return Violation(where, "expected an object, got %s %s" % (actual, json.dumps(value)[:80]))
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for name in schema.get("required", ()):
            if name not in value:
                return Violation("%s.%s" % (where, name), "required field missing")
        if properties is None and extra is None:
            return None  # google.protobuf.Any and the like: free-form
        for key in sorted(value):
            child = "%s.%s" % (where, key)
            if properties is not None and key in properties:
                violation = self._check(properties[key], value[key], child)
            elif extra is not None:
                violation = self._check(extra, value[key], child)
            else:
                return Violation(child, "unknown field", unknown_name=key)
            if violation:
                return violation
        return None


_listeners = []


def add_listener(listener):
    """Call ``listener(entry)`` for every violation any server in this process logs (a test run's hook)."""
    _listeners.append(listener)


class ViolationLog:
    """The violations a server has seen since its last reset, oldest first (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._violations = []

    def add(self, violation, method, path):
        entry = dict(violation.as_dict(), http_method=method, path=path)
        with self._lock:
            self._violations.append(entry)
        for listener in list(_listeners):
            listener(entry)
        return entry

    def entries(self):
        with self._lock:
            return list(self._violations)

    def clear(self):
        with self._lock:
            self._violations = []


def resolve(option):
    """A Discovery for the emulator's ``schema`` option, or None.

    ``None`` reads ``GCE_EMULATOR_SCHEMA`` (unset, ``""`` or ``0``: off; ``1``:
    the installed package's document; anything else: a path to a document);
    ``True`` is the installed document, ``False`` off, a string a path, a
    Discovery itself.
    """
    if option is None:
        option = os.environ.get("GCE_EMULATOR_SCHEMA", "")
        if option in ("", "0"):
            return None
        if option == "1":
            option = True
    if option is False:
        return None
    if option is True:
        return Discovery.installed()
    if isinstance(option, Discovery):
        return option
    return Discovery.load(option)
