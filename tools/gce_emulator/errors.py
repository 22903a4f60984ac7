"""Errors in the shape Google's JSON APIs return them.

Every refusal the emulator gives goes through :class:`ApiError`, so that the
body always has ``error.code``, ``error.message``, ``error.errors[]`` (with
``domain``, ``reason``, ``message``) and ``error.status`` as google-api-core
expects when it maps a response to an exception class.
"""

import hashlib

# HTTP status -> the canonical gRPC status name Google adds to the body.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """A refusal that becomes an HTTP error response in Google's format."""

    def __init__(self, code, reason, message, location=None, location_type=None, headers=None, details=None):
        super().__init__(message)
        self.details = details or []  # google.rpc detail objects, each with its "@type"
        self.code = code
        self.reason = reason
        self.message = message
        self.location = location
        self.location_type = location_type
        self.headers = headers or {}

    def body(self):
        detail = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.location:
            detail["location"] = self.location
            detail["locationType"] = self.location_type or "parameter"
        error = {"code": self.code, "message": self.message, "errors": [detail]}
        if self.code in _STATUS_NAMES:
            error["status"] = _STATUS_NAMES[self.code]
        if self.details:
            error["details"] = list(self.details)
        return {"error": error}


def schema_refusal(violation):
    """The 400 Google answers a body or query parameter its schema does not have.

    Google's wording for an unknown field and an unknown query parameter
    (docs/emulator.md cites where they are seen); other violations name the
    field and the emulator's reading of the schema.
    """
    field = violation.field
    if violation.unknown_name and violation.where.startswith("query."):
        message = ("Invalid JSON payload received. Unknown name \"%s\": Cannot bind query parameter. "
                   "Field '%s' could not be found in request message." % (violation.unknown_name,
                                                                          violation.unknown_name))
    elif violation.unknown_name:
        parent = field.rsplit(".", 1)[0] if "." in field else ""
        message = "Invalid JSON payload received. Unknown name \"%s\"%s: Cannot find field." % (
            violation.unknown_name, " at 'resource.%s'" % parent if parent else "")
    else:
        message = "Invalid value at '%s': %s" % (field, violation.problem)
    detail = {"@type": "type.googleapis.com/google.rpc.BadRequest",
              "fieldViolations": [{"field": field, "description": message}]}
    return ApiError(400, "invalid", message, details=[detail])


def resource_path(project, *parts):
    """``projects/P/zones/Z/instances/N`` as Google names a resource in messages."""
    return "/".join(("projects", project) + parts)


def not_found(path):
    return ApiError(404, "notFound", "The resource '%s' was not found" % path)


def already_exists(path):
    return ApiError(409, "alreadyExists", "The resource '%s' already exists" % path)


def invalid_field(field, value, explanation):
    return ApiError(400, "invalid", "Invalid value for field '%s': '%s'. %s" % (field, value, explanation))


def required_field(field):
    return ApiError(400, "required", "Required field '%s' not specified" % field)


def not_ready(path):
    return ApiError(400, "resourceNotReady", "The resource '%s' is not ready" % path)


def unsupported_operation(message):
    # Google documents the code UNSUPPORTED_OPERATION for refused suspends; the
    # reason word is the emulator's guess in the API's camelCase style.
    return ApiError(400, "unsupportedOperation", message)


def bad_request(message, reason="badRequest"):
    return ApiError(400, reason, message)


def login_required():
    return ApiError(
        401,
        "required",
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def invalid_credentials(why):
    # Google does not say why a token is bad; the emulator adds the reason in
    # brackets because a test author needs it and nothing parses it.
    return ApiError(
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. [emulator: %s]" % why,
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def condition_not_met(message):
    return ApiError(412, "conditionNotMet", message, location="If-Match", location_type="header")


def rate_limited(project):
    return ApiError(
        429,
        "rateLimitExceeded",
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service "
        "'compute.googleapis.com' for consumer 'project_number:%s'." % project,
    )


def project_number(project):
    """A stable 12-digit stand-in for the project's number (Google quotes the number, not the id)."""
    return str(int(hashlib.sha256(project.encode("utf-8")).hexdigest(), 16) % 10 ** 12).rjust(12, "1")


def per_minute_limit(project, write, limit=None):
    """403 rateLimitExceeded for a per-minute request quota, as Compute Engine answers it.

    The sentence is Google's (gcp-tdx.md; the quota metrics are named on
    https://cloud.google.com/compute/api-quota); the ErrorInfo follows AIP-193.
    """
    kind = "Write" if write else "Read"
    consumer = "project_number:%s" % project_number(project)
    message = ("Quota exceeded for quota metric '%s requests' and limit '%s requests per minute' of service "
               "'compute.googleapis.com' for consumer '%s'." % (kind, kind, consumer))
    metadata = {"service": "compute.googleapis.com", "consumer": "projects/%s" % project_number(project),
                "quota_metric": "compute.googleapis.com/%s_requests" % kind.lower(),
                "quota_limit": "%sRequestsPerMinutePerProject" % kind}
    if limit is not None:
        metadata["quota_limit_value"] = str(limit)
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com", "metadata": metadata}]
    return ApiError(403, "rateLimitExceeded", message, details=details)


def quota_exceeded_now(metric, limit, region):
    """403 quotaExceeded: a resource quota refused at once (not inside an operation)."""
    return ApiError(403, "quotaExceeded", "Quota '%s' exceeded.  Limit: %.1f in region %s." % (metric, limit, region))


def backend_error(code):
    if code == 503:
        return ApiError(503, "backendError", "The service is currently unavailable.")
    return ApiError(500, "backendError", "Internal error. Please try again or contact Google Support.")
