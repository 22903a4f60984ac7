# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn what Google's libraries raise into one-line messages a user can act on.

Every failure a module reports goes through ``describe``: an API error
(google.api_core), a failed Operation, a dropped connection, a rejected
credential or transient errors that outlasted the task's time. The message
names the option involved when the API says which field it disliked, and
the fix. Messages never contain credentials: they are built from the API's
error text, resource names and option names only.
"""

import email.utils
import random
import re

try:
    from google.api_core import exceptions as api_exceptions
    from google.auth import exceptions as auth_exceptions
    import requests.exceptions as requests_exceptions
except ImportError:  # the module wrapper reports the missing libraries
    api_exceptions = auth_exceptions = requests_exceptions = None

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.retries import GaveUp

TRANSIENT_HTTP_STATUSES = (429, 500, 502, 503, 504)
# Client errors that pass: a per-minute rate limit, which Compute Engine answers
# with 403 rateLimitExceeded ("Quota exceeded for quota metric 'Write requests'
# and limit 'Write requests per minute' ..."; Terraform's provider retries it,
# is403QuotaExceededPerMinuteError), and resourceNotReady (400), the answer to
# a change while the instance is in a transitional state.
TRANSIENT_REASONS = {403: ("rateLimitExceeded",), 400: ("resourceNotReady",)}
PER_MINUTE_QUOTA = re.compile(r"Quota exceeded for quota metric .* per minute", re.I)
# Compute Engine refills a per-minute rate quota at the start of the next full
# minute (cloud.google.com/compute/api-quota: reached at 10:00:15, it refills at
# 10:01:00). A call refused by one is sent again just after that minute starts,
# by the server's own clock (the answer's Date header), spread over this many
# seconds so that the callers refused together do not all return at once.
REFILL_SPREAD_SECONDS = 1.0

# Operation error codes that mean "this zone, not this request": gce_instance
# moves on to the next zone in its zones list.
CAPACITY_ERROR_CODES = ("ZONE_RESOURCE_POOL_EXHAUSTED", "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS")

# Fixes for the API's error reasons (HTTP errors) and codes (Operation errors).
FIX_BY_REASON = {
    "alreadyExists": "an instance with this name already exists in that zone; pick another name "
                     "or manage the existing one",
    "notFound": "check project, zone and name (and that the image or network exists)",
    "conditionNotMet": "the resource changed while the task ran (stale fingerprint); run the task again",
    "forbidden": "grant the credentials the Compute Instance Admin role in the project, or check "
                 "that the Compute Engine API is enabled",
    "rateLimitExceeded": "the project is throttled; retry later or raise wait_timeout",
    "quotaExceeded": "a resource quota of the project is used up; request more quota (IAM & Admin > Quotas) or "
                     "free some, or use another region through zone/zones",
    "resourceNotReady": "the instance is busy with another operation; run the task again",
    "QUOTA_EXCEEDED": "request more quota for the region, choose a smaller machine_type, or use "
                      "another region through zone/zones",
    "ZONE_RESOURCE_POOL_EXHAUSTED": "the zone has no capacity for this machine type now; list "
                                    "fallback zones in zones",
    "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS": "the zone has no capacity for this machine type "
                                                 "now; list fallback zones in zones",
    "RESOURCE_NOT_FOUND": "check project, zone and name",
}

FIX_BY_STATUS = {
    401: "the credentials were rejected; check auth_kind and its credential options",
    403: FIX_BY_REASON["forbidden"],
    404: FIX_BY_REASON["notFound"],
    409: FIX_BY_REASON["alreadyExists"],
    412: FIX_BY_REASON["conditionNotMet"],
    429: FIX_BY_REASON["rateLimitExceeded"],
}

# What to do when the API rejects the credentials (HTTP 401), by the option that holds them
# (credentials.credential_option): the message names that option, not another kind's.
FIX_BY_CREDENTIAL_OPTION = {
    "access_token": "the token has expired or is not valid; get a fresh one, for example with gcloud auth "
                    "print-access-token",
    "service_account_file": "the key was rejected (deleted or disabled, or not a key of that account); create a "
                            "new key for the service account and point service_account_file at it",
    "service_account_contents": "the key was rejected (deleted or disabled, or not a key of that account); "
                                "create a new key for the service account and give it in service_account_contents",
    "service_account_email": "the metadata server's token for that account was rejected; check "
                             "service_account_email and the scopes of the VM running Ansible",
    "auth_kind": "the application default credentials were rejected; renew them with gcloud auth "
                 "application-default login, or set auth_kind and its credential options",
}

# Which module option an API field belongs to. The API names the field it
# refused in its message ("Invalid value for field 'resource.networkIP': ...");
# the rules are matched on that field first, and on the whole message when it
# names none. A field of an additional disk (disks[N], N > 0) is that disk's
# option. The option is gce_instance's own name for it; an option a task may
# write in two ways (zone or zones) is named as the task wrote it by the task
# (renamed_option).
FIELD_PATH = re.compile(r"field '([^']+)'")
MESSAGE_RULES = (
    # The API blames confidentialInstanceConfig although the fix is another image.
    (re.compile(r"TDX compatible image"), "image", "choose an image that declares %s, such as %s" % (
        tdx_catalog.REQUIRED_GUEST_OS_FEATURE, tdx_catalog.DEFAULT_IMAGE)),
    (re.compile(r"field 'filter'"), "filters",
     'check the expressions: FIELD = "VALUE", FIELD != VALUE, FIELD:PREFIX*, one condition each'),
)
FIELD_RULES = (
    (re.compile(r"^zone$"), "zone", "use a zone name such as us-central1-a"),
    (re.compile(r"disks\[([1-9][0-9]*)\]\.initializeParams\.diskType"), "additional_disks[{disk}].type", None),
    (re.compile(r"disks\[([1-9][0-9]*)\]\.initializeParams\.diskSizeGb"), "additional_disks[{disk}].size_gb", None),
    (re.compile(r"disks\[([1-9][0-9]*)\]\.diskEncryptionKey"), "additional_disks[{disk}].kms_key_name", None),
    (re.compile(r"disks\[0\]\.diskEncryptionKey"), "boot_disk_kms_key_name", None),
    (re.compile(r"sourceImage|disks\[\d+\]\.initializeParams\.source"), "image", None),
    (re.compile(r"diskSizeGb"), "boot_disk_size_gb", None),
    (re.compile(r"diskType"), "boot_disk_type", None),
    (re.compile(r"machineType"), "machine_type", None),
    (re.compile(r"onHostMaintenance"), "on_host_maintenance", "use %s" % tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE),
    (re.compile(r"provisioningModel"), "provisioning_model", None),
    (re.compile(r"instanceTerminationAction"), "instance_termination_action", None),
    (re.compile(r"confidentialInstanceConfig|confidentialInstanceType"), "machine_type",
     "use a TDX machine type in a TDX zone"),
    (re.compile(r"networkIP"), "internal_address", "give an address in the subnetwork's range, or leave "
                                                   "internal_address out"),
    (re.compile(r"natIP"), "external_address", None),
    (re.compile(r"accessConfigs"), "external_ip", None),
    (re.compile(r"subnetwork"), "subnetwork", None),
    (re.compile(r"network"), "network", None),
    (re.compile(r"labels"), "labels", "label keys and values: lowercase letters, digits, _ and -, at most 63 characters"),
    (re.compile(r"metadata"), "metadata", None),
    (re.compile(r"tags"), "network_tags", None),
    (re.compile(r"serviceAccounts|^email$|^scopes"), "service_account", None),
    (re.compile(r"enableSecureBoot"), "secure_boot", None),
    (re.compile(r"resource\.name$|^name$|instance name"), "name", None),
)


class GceError(Exception):
    """A failure with a one-line, user-facing message and machine-readable details."""

    def __init__(self, message, **details):
        super(GceError, self).__init__(message)
        self.message = message
        self.details = details


def _one_line(text):
    return " ".join(str(text).split())


def _api_error_parts(error):
    """(HTTP status, reason, message) of a google.api_core GoogleAPICallError.

    The reason is Compute's own (``error.errors[].reason``, such as
    rateLimitExceeded), which the tables here are keyed by; api_core's
    ``error.reason`` is the ErrorInfo detail's (RATE_LIMIT_EXCEEDED) and only
    stands in when the errors list gives none.
    """
    status = getattr(error, "code", None)
    reason = None
    message = None
    response = getattr(error, "response", None)
    if response is not None:
        try:
            body = response.json().get("error", {})
            message = body.get("message")
            reason = next((item.get("reason") for item in body.get("errors", ()) if item.get("reason")), None)
        except (ValueError, AttributeError):
            pass
    if not reason:
        reason = next((item.get("reason") for item in getattr(error, "errors", ()) or ()
                       if isinstance(item, dict) and item.get("reason")), None)
    reason = reason or getattr(error, "reason", None)
    if message is None:
        # api_core prefixes "METHOD URL: "; the URL adds nothing for the user.
        message = re.sub(r"^[A-Z]+ \S+: ", "", getattr(error, "message", None) or str(error))
    return status, reason, message


def field_hint(message):
    """(option, fix) for the field an API message names (or, naming none, the first known field it mentions)."""
    message = message or ""
    for pattern, option, fix in MESSAGE_RULES:
        if pattern.search(message):
            return option, fix
    named = FIELD_PATH.search(message)
    for pattern, option, fix in FIELD_RULES:
        found = pattern.search(named.group(1) if named else message)
        if found:
            if "{disk}" in option:
                option = option.format(disk=int(found.group(1)) - 1)
            return option, fix
    return None, None


def renamed_option(error, written):
    """``error`` naming its option as the task wrote it: ``written`` maps an option to the name to use.

    The option travels in ``error.details["option"]`` and in the message's
    "; option NAME" part (_compose); both are renamed. Any other error is
    returned as it is.
    """
    option = getattr(error, "details", {}).get("option")
    if not isinstance(error, GceError) or option not in written or written[option] == option:
        return error
    message = re.sub(r"; option %s(?=;| \(|$)" % re.escape(option), "; option %s" % written[option], error.message)
    renamed = GceError(message, **dict(error.details, option=written[option]))
    return renamed


def _compose(action, what, message, option, fix):
    parts = ["%s failed: %s" % (action, what)]
    if message:
        parts[0] += ": %s" % message
    if option:
        parts.append("option %s" % option)
    if fix:
        parts.append("fix: %s" % fix)
    return _one_line("; ".join(parts))


def describe_api_error(error, action, credential_option=None):
    """A GceError for an HTTP error; ``credential_option``: the option holding the task's credentials (for 401)."""
    status, reason, message = _api_error_parts(error)
    option, fix = field_hint(message) if status == 400 else (None, None)
    if status == 401 and credential_option:
        option, fix = credential_option, FIX_BY_CREDENTIAL_OPTION.get(credential_option)
    fix = fix or FIX_BY_REASON.get(reason) or FIX_BY_STATUS.get(status)
    what = "HTTP %s%s" % (status, " %s" % reason if reason else "")
    return GceError(_compose(action, what, message, option, fix),
                    http_status=status, reason=reason, api_message=_one_line(message), option=option)


def operation_error(operation, action):
    """A GceError from a finished Operation (dict in API JSON shape) that carries an error."""
    errors = ((operation.get("error") or {}).get("errors")) or [{}]
    first = errors[0]
    code = first.get("code") or "UNKNOWN"
    message = first.get("message") or operation.get("httpErrorMessage") or ""
    option, fix = field_hint(message)
    fix = FIX_BY_REASON.get(code) or fix
    quota = quota_info(first)
    if quota and code == "QUOTA_EXCEEDED":
        fix = "request more quota for %s in %s (now %s), choose a smaller machine_type, or use another region " \
              "through zone/zones" % (quota["limitName"] or quota["metricName"], quota["region"] or "the project",
                                      quota["limit"])
    what = "operation %s ended with %s" % (operation.get("name", "?"), code)
    return GceError(_compose(action, what, message, option, fix),
                    operation_error_code=code, api_message=_one_line(message), option=option,
                    http_status=operation.get("httpErrorStatusCode"), zones_available=zones_available(first) or None)


def quota_info(error_item):
    """{metricName, limitName, region, limit} of an error's errorDetails[].quotaInfo, or None."""
    for detail in error_item.get("errorDetails") or ():
        info = detail.get("quotaInfo")
        if info:
            limit = info.get("limit")
            return {"metricName": info.get("metricName"), "limitName": info.get("limitName"),
                    "region": (info.get("dimensions") or {}).get("region"),
                    "limit": "%g" % limit if isinstance(limit, (int, float)) else limit}
    return None


def zones_available(error_item):
    """The zones a stockout names as having capacity (errorDetails[].errorInfo.metadatas.zonesAvailable), or []."""
    for detail in error_item.get("errorDetails") or ():
        named = ((detail.get("errorInfo") or {}).get("metadatas") or {}).get("zonesAvailable")
        if named:
            return [zone.strip() for zone in named.split(",") if zone.strip()]
    return []


def operation_error_codes(operation):
    return [item.get("code") for item in ((operation.get("error") or {}).get("errors") or ())]


def is_transient(error):
    """Worth retrying: throttling (per-minute rate limits too), server errors, a resource not ready yet,
    dropped or timed-out connections."""
    if api_exceptions is None:
        return False
    if isinstance(error, api_exceptions.GoogleAPICallError):
        status, reason, message = _api_error_parts(error)
        if status in TRANSIENT_HTTP_STATUSES or reason in TRANSIENT_REASONS.get(status, ()):
            return True
        return status == 403 and reason != "quotaExceeded" and bool(PER_MINUTE_QUOTA.search(message or ""))
    return isinstance(error, (requests_exceptions.ConnectionError,
                              requests_exceptions.Timeout,
                              requests_exceptions.ChunkedEncodingError,
                              auth_exceptions.TransportError,
                              ConnectionError))


def rate_limited_writes(error):
    """Whether a per-minute rate limit refused a write (its quota metric is 'Write requests'), not a read."""
    message = _api_error_parts(error)[2]
    return "quota metric 'Write" in (message or "")


def rate_limit_refill_wait(error, rand=random.random):
    """Seconds to wait before sending a call refused by a per-minute rate limit again; None for other errors.

    The wait ends just after the next full minute by the answer's Date
    header (the server's time, so this machine's clock does not matter),
    plus a spread of up to REFILL_SPREAD_SECONDS.
    """
    if api_exceptions is None or not isinstance(error, api_exceptions.GoogleAPICallError):
        return None
    status, reason, message = _api_error_parts(error)
    if status != 403 or reason == "quotaExceeded" or not (
            reason == "rateLimitExceeded" or PER_MINUTE_QUOTA.search(message or "")):
        return None
    response = getattr(error, "response", None)
    date = getattr(response, "headers", {}).get("Date") if response is not None else None
    try:
        server_time = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None
    return 60.0 - server_time % 60.0 + rand() * REFILL_SPREAD_SECONDS


def describe(error, action, credential_option=None):
    """Any exception raised while doing ``action`` (e.g. "create instance web-1") -> GceError.

    ``credential_option``: the option holding the task's credentials
    (credentials.credential_option), named when the API rejects them.
    """
    if isinstance(error, GceError):
        return error
    if isinstance(error, GaveUp):
        inner = describe(error.last_error, action, credential_option)
        return GceError(_one_line("%s (%s; raise wait_timeout or retry later)" % (inner.message, error)),
                        attempts=error.attempts, **inner.details)
    if api_exceptions is not None:
        if isinstance(error, api_exceptions.GoogleAPICallError):
            return describe_api_error(error, action, credential_option)
        if isinstance(error, auth_exceptions.RefreshError):
            # args[0] is the token endpoint's answer; it never echoes the key.
            reason = error.args[0] if error.args else "no details"
            return GceError(_compose(action, "could not get an access token", reason, None,
                                     "check auth_kind and its credential options"))
        if isinstance(error, auth_exceptions.DefaultCredentialsError):
            return GceError(_compose(action, "no credentials found", None, "auth_kind",
                                     "set auth_kind and its credential options, or run "
                                     "gcloud auth application-default login"))
        if isinstance(error, (requests_exceptions.ConnectionError, requests_exceptions.Timeout,
                              auth_exceptions.TransportError)):
            return GceError(_compose(action, "could not reach the Compute Engine API",
                                     _first_line(error), "api_endpoint",
                                     "check api_endpoint and the network"))
    return GceError(_compose(action, type(error).__name__, _first_line(error), None, None))


def _first_line(error):
    text = str(error)
    return text.splitlines()[0] if text else ""
