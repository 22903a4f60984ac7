"""Error translation: API answers, operations, transport failures -> one line naming the option and the fix.

The exceptions are the real google.api_core ones, made from HTTP responses
as the REST transport makes them.
"""

import json

import pytest
import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import (
    GceError,
    describe,
    is_transient,
    operation_error,
    rate_limit_refill_wait,
    renamed_option,
    zones_available,
)
from ansible_collections.confidential.tdx.plugins.module_utils.retries import GaveUp

TDX_IMAGE_MESSAGE = ("Invalid value for field 'resource.confidentialInstanceConfig': "
                     "'{ \"confidentialInstanceType\": \"TDX\"}'. Confidential Instance Config can only be "
                     "set when using a TDX compatible image.")


def api_error(status, reason, message, method="POST", details=None, date=None):
    response = requests.Response()
    response.status_code = status
    if date:
        response.headers["Date"] = date
    body = {"code": status, "message": message, "errors": [{"domain": "global", "reason": reason, "message": message}]}
    if details:
        body["details"] = details
    response._content = json.dumps({"error": body}).encode()
    response.request = requests.Request(
        method, "http://127.0.0.1:1/compute/v1/projects/p/zones/z/instances?requestId=x").prepare()
    return api_exceptions.from_http_response(response)


def assert_one_line(error):
    assert isinstance(error, GceError)
    assert "\n" not in error.message
    assert "127.0.0.1" not in error.message  # the request URL adds nothing for the user
    return error.message


def test_the_tdx_image_refusal_points_at_the_image_option():
    message = assert_one_line(describe(api_error(400, "invalid", TDX_IMAGE_MESSAGE), "create instance web-1"))
    assert message.startswith("create instance web-1 failed: HTTP 400 invalid: Invalid value for field")
    assert "option image" in message
    assert "fix: choose an image that declares TDX_CAPABLE, such as ubuntu-os-cloud/ubuntu-2204-lts" in message


@pytest.mark.parametrize("status, reason, message, expected", [
    (409, "alreadyExists", "The resource 'projects/p/zones/z/instances/web-1' already exists",
     "HTTP 409 alreadyExists: The resource 'projects/p/zones/z/instances/web-1' already exists; fix: an instance with this name already exists"),
    (404, "notFound", "The resource 'projects/p/zones/z/instances/web-1' was not found",
     "HTTP 404 notFound: The resource 'projects/p/zones/z/instances/web-1' was not found; fix: check project, zone and name"),
    (412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.",
     "HTTP 412 conditionNotMet: Supplied fingerprint does not match current metadata fingerprint.; fix: the resource changed while the task ran"),
    (403, "forbidden", "Required 'compute.instances.create' permission for 'projects/p'",
     "fix: grant the credentials the Compute Instance Admin role"),
    (400, "invalid", "Invalid value for field 'resource.machineType': 'zones/z/machineTypes/x'. Machine type does not exist.",
     "option machine_type"),
    (400, "invalid", "Invalid value for field 'resource.labels.Env': 'x'.", "option labels; fix: label keys and values"),
    (400, "invalid", "Invalid value for field 'resource.scheduling.onHostMaintenance': 'MIGRATE'.",
     "option on_host_maintenance; fix: use TERMINATE"),
])
def test_api_errors_name_the_field_and_the_fix(status, reason, message, expected):
    assert expected in assert_one_line(describe(api_error(status, reason, message), "create instance web-1"))


@pytest.mark.parametrize("message, option", [
    # The field the API names decides, not a word elsewhere in its sentence ("subnetwork range").
    ("Invalid value for field 'resource.networkInterfaces[0].networkIP': '192.0.2.10'. Requested internal IP is "
     "outside the subnetwork range.", "internal_address"),
    ("Invalid value for field 'resource.networkInterfaces[0].accessConfigs[0].natIP': '198.51.100.1'. The "
     "address is not reserved.", "external_address"),
    ("Invalid value for field 'resource.networkInterfaces[0].subnetwork': 'x'.", "subnetwork"),
    ("Invalid value for field 'resource.disks[0].initializeParams.diskType': 'zones/z/diskTypes/pd-x'.",
     "boot_disk_type"),
    ("Invalid value for field 'resource.disks[2].initializeParams.diskType': 'zones/z/diskTypes/pd-x'.",
     "additional_disks[1].type"),
    ("Invalid value for field 'resource.disks[1].initializeParams.diskSizeGb': '5'.", "additional_disks[0].size_gb"),
    ("Invalid value for field 'zone': 'us-central2-a'. Unknown zone.", "zone"),
    ("Invalid value for field 'resource.scheduling.provisioningModel': 'X'.", "provisioning_model"),
    (TDX_IMAGE_MESSAGE, "image"),
])
def test_the_option_is_the_one_of_the_field_the_api_names(message, option):
    text = assert_one_line(describe(api_error(400, "invalid", message), "create instance web-1"))
    assert "; option %s" % option in text, text


def test_an_error_names_the_zone_option_as_the_task_wrote_it():
    error = describe(api_error(400, "invalid", "Invalid value for field 'zone': 'us-central2-a'. Unknown zone."),
                     "read instance web-1")
    assert "; option zone;" in error.message
    assert renamed_option(error, {"zone": "zone"}) is error
    renamed = renamed_option(error, {"zone": "zones"})
    assert "; option zones; fix: use a zone name" in renamed.message and renamed.details["option"] == "zones"
    assert renamed.details["http_status"] == 400
    # Wrapped when retries gave up, the option is still renamed.
    gave_up = describe(GaveUp(api_error(400, "invalid", "Invalid value for field 'zone': 'x'."), 3, 9.0), "read")
    assert "; option zones;" in renamed_option(gave_up, {"zone": "zones"}).message
    assert renamed_option(ValueError("x"), {"zone": "zones"}).args == ("x",)


@pytest.mark.parametrize("option, says", [
    ("service_account_file", "point service_account_file at it"),
    ("access_token", "get a fresh one"),
    (None, "check auth_kind and its credential options"),
])
def test_a_rejected_credential_names_the_option_that_holds_it(option, says):
    error = api_error(401, "authError", "Request had invalid authentication credentials.")
    message = assert_one_line(describe(error, "read instance web-1", credential_option=option))
    assert says in message, message
    if option:
        assert "; option %s;" % option in message
    assert "renew access_token" not in message


def operation(code, message, name="operation-1"):
    return {"name": name, "status": "DONE", "httpErrorStatusCode": 412,
            "error": {"errors": [{"code": code, "message": message}]}}


def test_capacity_on_the_operation_suggests_zones():
    error = operation_error(operation("ZONE_RESOURCE_POOL_EXHAUSTED", "The zone 'projects/p/zones/z' does not have "
                                                                      "enough resources available to fulfill the request."),
                            "create instance web-1")
    message = assert_one_line(error)
    assert message.startswith("create instance web-1 failed: operation operation-1 ended with ZONE_RESOURCE_POOL_EXHAUSTED")
    assert "fix: the zone has no capacity for this machine type now; list fallback zones in zones" in message
    assert error.details["operation_error_code"] == "ZONE_RESOURCE_POOL_EXHAUSTED"


def test_quota_on_the_operation():
    message = assert_one_line(operation_error(
        operation("QUOTA_EXCEEDED", "Quota 'CPUS' exceeded.  Limit: 8.0 in region us-central1."), "create instance x"))
    assert "ended with QUOTA_EXCEEDED: Quota 'CPUS' exceeded. Limit: 8.0 in region us-central1." in message
    assert "request more quota" in message


def test_an_unknown_operation_error_keeps_its_code_and_message():
    message = assert_one_line(operation_error(operation("SOMETHING_NEW", "details\non two lines"), "stop instance x"))
    assert "ended with SOMETHING_NEW: details on two lines" in message


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_server_errors_are_transient(status):
    assert is_transient(api_error(status, "backendError", "try again", method="GET"))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
def test_client_errors_are_not_transient(status):
    assert not is_transient(api_error(status, "invalid", "no", method="GET"))


RATE_LIMIT_MESSAGE = ("Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute' of "
                      "service 'compute.googleapis.com' for consumer 'project_number:482917305516'.")


@pytest.mark.parametrize("status, reason, message", [
    (403, "rateLimitExceeded", RATE_LIMIT_MESSAGE),
    # The reason alone, or the per-minute sentence alone, is enough.
    (403, "rateLimitExceeded", "Rate Limit Exceeded"),
    (403, "forbidden", RATE_LIMIT_MESSAGE),
    (400, "resourceNotReady", "The resource 'projects/p/zones/z/instances/web-1' is not ready"),
])
def test_rate_limits_and_resources_not_ready_are_transient(status, reason, message):
    assert is_transient(api_error(status, reason, message))


@pytest.mark.parametrize("status, reason, message", [
    (403, "forbidden", "Required 'compute.instances.create' permission for 'projects/p'"),
    (403, "quotaExceeded", "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1."),
    (400, "invalid", "Invalid value for field 'resource.name'"),
])
def test_a_missing_permission_or_a_used_up_quota_is_not_retried(status, reason, message):
    assert not is_transient(api_error(status, reason, message))


def test_a_rate_limit_with_its_error_info_is_named_by_compute_s_reason_and_told_to_wait():
    # As Compute Engine answers it: its own reason, and an AIP-193 ErrorInfo whose
    # reason (RATE_LIMIT_EXCEEDED) api_core offers as error.reason.
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com", "metadata": {"quota_limit": "WriteRequestsPerMinutePerProject"}}]
    raised = api_error(403, "rateLimitExceeded", RATE_LIMIT_MESSAGE, details=details)
    assert raised.reason == "RATE_LIMIT_EXCEEDED"
    assert is_transient(raised)
    message = assert_one_line(describe(raised, "stop instance web-1"))
    assert message.startswith("stop instance web-1 failed: HTTP 403 rateLimitExceeded: Quota exceeded"), message
    assert "fix: the project is throttled; retry later or raise wait_timeout" in message
    assert "grant the credentials" not in message


def test_a_per_minute_rate_limit_is_waited_out_until_the_server_s_next_full_minute():
    limited = api_error(403, "rateLimitExceeded", RATE_LIMIT_MESSAGE, date="Wed, 02 Dec 2026 10:00:15 GMT")
    assert rate_limit_refill_wait(limited, rand=lambda: 0.0) == 45.0
    assert rate_limit_refill_wait(limited, rand=lambda: 0.5) == 45.5  # spread over a second
    # Only a per-minute rate limit waits for the minute; others keep the backoff.
    assert rate_limit_refill_wait(api_error(403, "quotaExceeded", "Quota 'CPUS' exceeded.",
                                            date="Wed, 02 Dec 2026 10:00:15 GMT")) is None
    assert rate_limit_refill_wait(api_error(503, "backendError", "x", date="Wed, 02 Dec 2026 10:00:15 GMT")) is None
    assert rate_limit_refill_wait(api_error(403, "rateLimitExceeded", RATE_LIMIT_MESSAGE)) is None  # no Date
    assert rate_limit_refill_wait(ConnectionError("reset")) is None


def test_a_used_up_quota_is_told_to_ask_for_more():
    error = describe(api_error(403, "quotaExceeded", "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1."),
                     "create instance web-1")
    assert error.message.startswith("create instance web-1 failed: HTTP 403 quotaExceeded: Quota 'CPUS' exceeded.")
    assert "fix: a resource quota of the project is used up; request more quota" in error.message
    assert "grant the credentials" not in error.message


def test_dropped_connections_are_transient():
    assert is_transient(requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"))
    assert is_transient(requests.exceptions.ReadTimeout("read timed out"))
    assert is_transient(auth_exceptions.TransportError("token endpoint unreachable"))
    assert not is_transient(ValueError("bug"))


def test_giving_up_names_the_last_error_and_the_budget():
    last = api_error(503, "backendError", "Backend Error", method="GET")
    message = assert_one_line(describe(GaveUp(last, attempts=7, elapsed=58.2), "read instance web-1"))
    assert message.startswith("read instance web-1 failed: HTTP 503 backendError: Backend Error")
    assert "gave up after 7 attempts in 58 s; raise wait_timeout or retry later" in message


def test_unreachable_endpoint_points_at_api_endpoint():
    error = requests.exceptions.ConnectionError("HTTPConnectionPool(host='10.0.0.1', port=443): Max retries exceeded\nmore")
    message = assert_one_line(describe(error, "read instance web-1"))
    assert "could not reach the Compute Engine API" in message and "option api_endpoint" in message


def test_a_token_endpoint_refusal():
    message = assert_one_line(describe(auth_exceptions.RefreshError("invalid_grant: Invalid JWT Signature.", {}),
                                       "read instance web-1"))
    assert "could not get an access token: invalid_grant: Invalid JWT Signature." in message


def test_no_default_credentials():
    message = assert_one_line(describe(auth_exceptions.DefaultCredentialsError("not found"), "load credentials"))
    assert "option auth_kind" in message and "gcloud auth application-default login" in message


def test_a_gce_error_passes_through_and_anything_else_is_one_line():
    original = GceError("image: x/y is neither an image nor an image family")
    assert describe(original, "anything") is original
    assert assert_one_line(describe(KeyError("selfLink"), "create instance x")) == \
        "create instance x failed: KeyError: 'selfLink'"


def test_the_zones_a_stockout_names_as_having_capacity_are_read_from_its_error_details():
    item = {"code": "ZONE_RESOURCE_POOL_EXHAUSTED", "message": "no room", "errorDetails": [
        {"errorInfo": {"reason": "resource_availability", "domain": "compute.googleapis.com",
                       "metadatas": {"zone": "us-central1-a", "zonesAvailable": "us-central1-b, us-central1-c"}}},
        {"help": {"links": []}}]}
    assert zones_available(item) == ["us-central1-b", "us-central1-c"]
    error = operation_error({"name": "op-1", "error": {"errors": [item]}}, "create instance web-1")
    assert error.details["zones_available"] == ["us-central1-b", "us-central1-c"]
    assert zones_available({"code": "ZONE_RESOURCE_POOL_EXHAUSTED"}) == []
    # None when none are named, so that a failure's error details do not carry an empty list.
    plain = operation_error({"name": "op-2", "error": {"errors": [{"code": "ZONE_RESOURCE_POOL_EXHAUSTED"}]}}, "x")
    assert plain.details["zones_available"] is None
    assert zones_available({"errorDetails": [{"errorInfo": {"metadatas": {"zone": "x"}}}]}) == []
