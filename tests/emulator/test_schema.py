"""The discovery-document checker (tools/gce_emulator/schema.py) and its place in the emulator.

The checker's own tests use the installed Compute v1 document with
hand-made bad bodies; the hook tests send bad calls over HTTP and read the
emulator's answer and its violation log.
"""

import copy

import pytest
import requests

from gce_emulator import EmulatorServer, schema

INSERT = ("POST", "/compute/v1/projects/p/zones/us-central1-a/instances")
LIST = ("GET", "/compute/v1/projects/p/zones/us-central1-a/instances")
GOOD_INSTANCE = {
    "name": "tdx-1",
    "machineType": "zones/us-central1-a/machineTypes/c3-standard-4",
    "disks": [{"boot": True, "autoDelete": True, "initializeParams": {
        "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts", "diskSizeGb": "20"}}],
    "labels": {"env": "prod"},
    "scheduling": {"onHostMaintenance": "TERMINATE"},
    "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
}


@pytest.fixture(scope="module")
def discovery():
    return schema.Discovery.installed()


def _instance(**changes):
    body = copy.deepcopy(GOOD_INSTANCE)
    body.update(changes)
    return body


def test_a_good_insert_passes(discovery):
    assert discovery.check_request(*INSERT, {"requestId": "0f6c3f8e-1a7b-4c1e-9d59-5b0c7e1c2a11"},
                                   GOOD_INSTANCE) is None


def test_calls_map_to_their_discovery_methods(discovery):
    assert discovery.method(*INSERT).id == "compute.instances.insert"
    assert discovery.method("POST", INSERT[1] + "/bulkInsert").id == "compute.instances.bulkInsert"
    assert discovery.method("GET", INSERT[1] + "/tdx-1").id == "compute.instances.get"
    assert discovery.method("GET", "/compute/v1/projects/p/global/images/family/ubuntu-2204-lts").id == \
        "compute.images.getFromFamily"
    assert discovery.method("PATCH", INSERT[1] + "/tdx-1") is None
    assert discovery.method("GET", "/elsewhere") is None


def test_an_unknown_nested_field_is_named_with_its_path(discovery):
    body = _instance()
    body["disks"][0]["initializeParams"]["diskTypo"] = "pd-ssd"
    violation = discovery.check_request(*INSERT, {}, body)
    assert str(violation) == ("request compute.instances.insert: "
                              "Instance.disks[0].initializeParams.diskTypo: unknown field")
    assert violation.field == "disks[0].initializeParams.diskTypo"


def test_wrong_types_fail(discovery):
    cases = [
        (_instance(name=7), "Instance.name: expected a string, got integer 7"),
        (_instance(canIpForward="yes"), "Instance.canIpForward: expected a boolean"),
        (_instance(disks={"boot": True}), "Instance.disks: expected an array, got object"),
        (_instance(scheduling=["TERMINATE"]), "Instance.scheduling: expected an object, got array"),
        (_instance(labels={"env": 1}), "Instance.labels.env: expected a string, got integer 1"),
    ]
    for body, expected in cases:
        assert str(discovery.check("Instance", body)).startswith(expected), body


def test_int64_travels_as_a_decimal_string(discovery):
    body = _instance()
    body["disks"][0]["initializeParams"]["diskSizeGb"] = 20
    assert "expected a string, got integer 20 (int64 travels as a decimal string)" in str(
        discovery.check("Instance", body))
    body["disks"][0]["initializeParams"]["diskSizeGb"] = "20GB"
    assert "'20GB' is not a decimal int64" in str(discovery.check("Instance", body))


def test_int32_must_be_a_json_integer(discovery):
    assert "expected an integer, got string" in str(discovery.check("Operation", {"progress": "50"}))
    assert "expected an integer, got boolean" in str(discovery.check("Operation", {"progress": True}))


def test_a_bad_enum_value_fails(discovery):
    violation = discovery.check("Instance", _instance(scheduling={"onHostMaintenance": "TERMINATED"}))
    assert violation.where == "Instance.scheduling.onHostMaintenance"
    assert violation.problem.startswith("'TERMINATED' is not one of the enum values (MIGRATE, TERMINATE)")


def test_read_only_fields_are_allowed_in_a_request(discovery):
    """readOnly is informational: clients send back what they read."""
    assert discovery.check("Instance", _instance(status="RUNNING", id="123", selfLink="x")) is None


def test_query_parameters_are_checked(discovery):
    assert discovery.check_request(*LIST, {"maxResults": "500", "filter": "name = x", "$alt": "json;enum-encoding=int",
                                           "orderBy": "name"}, None) is None
    assert str(discovery.check_request(*LIST, {"maxResult": "5"}, None)) == (
        "request compute.instances.list: query.maxResult: unknown query parameter of compute.instances.list")
    assert "'many' is not an integer" in str(discovery.check_request(*LIST, {"maxResults": "many"}, None))
    assert "'yes' is not true or false" in str(discovery.check_request(
        "GET", "/compute/v1/projects/p/aggregated/instances", {"includeAllScopes": "yes"}, None))
    stop = ("POST", INSERT[1] + "/tdx-1/stop")
    assert discovery.check_request(*stop, {"discardLocalSsd": "false"}, None) is None
    # A path parameter is no query parameter.
    assert "unknown query parameter" in str(discovery.check_request(*LIST, {"zone": "us-central1-a"}, None))
    assert "'keep' is not one of" in str(discovery.check_request(
        "GET", "/compute/v1/projects/p/aggregated/instances", {"serviceProjectNumber": "1", "$alt": "json",
                                                               "$.xgafv": "keep"}, None))


def test_responses_are_checked_and_errors_against_googles_error_format(discovery):
    get = ("GET", INSERT[1] + "/tdx-1")
    assert discovery.check_response(*get, 200, {"name": "tdx-1", "status": "RUNNING", "id": "1"}) is None
    assert str(discovery.check_response(*get, 200, {"name": "tdx-1", "status": "BOOTING"})).startswith(
        "response compute.instances.get: Instance.status: 'BOOTING' is not one of")
    error = {"error": {"code": 404, "message": "gone", "status": "NOT_FOUND",
                       "errors": [{"domain": "global", "reason": "notFound", "message": "gone"}]}}
    assert discovery.check_response(*get, 404, error) is None
    bad = copy.deepcopy(error)
    bad["error"]["errors"][0]["hint"] = "x"
    assert str(discovery.check_response(*get, 404, bad)).endswith("ErrorResponse.error.errors[0].hint: unknown field")
    assert "ErrorResponse.error: required field missing" in str(discovery.check_response(*get, 500, {"oops": 1}))
    info = dict(error)
    info["error"] = dict(error["error"], details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                   "reason": "STOCKOUT", "domain": "compute.googleapis.com",
                                                   "metadata": {"zone": "z"}}])
    assert discovery.check_response(*get, 503, info) is None
    info["error"]["details"][0]["@type"] = "type.googleapis.com/google.rpc.Madeup"
    assert "is not a google.rpc error detail type" in str(discovery.check_response(*get, 503, info))


def test_a_method_without_a_body_takes_none(discovery):
    assert "takes no request body" in str(discovery.check_request("POST", INSERT[1] + "/tdx-1/stop", {},
                                                                  {"force": True}))


def test_missing_document_is_one_clear_error(tmp_path):
    with pytest.raises(schema.SchemaError, match="cannot read the discovery document"):
        schema.Discovery.load(str(tmp_path / "missing.json"))


def test_the_option_and_the_environment(monkeypatch, discovery):
    monkeypatch.setenv("GCE_EMULATOR_SCHEMA", "0")
    assert schema.resolve(None) is None
    monkeypatch.setenv("GCE_EMULATOR_SCHEMA", "1")
    assert schema.resolve(None) is discovery
    assert schema.resolve(False) is None
    assert schema.resolve(discovery) is discovery


# -- in the emulator --------------------------------------------------------------------------
@pytest.fixture
def checked_server():
    """A private server (so that its violations stay out of the run's teardown check)."""
    listeners = list(schema._listeners)
    schema._listeners.clear()
    server = EmulatorServer(port=0, operation_seconds=0, schema=True).start()
    token = server.admin.mint_access_token()
    try:
        yield server, {"Authorization": "Bearer " + token}
    finally:
        server.stop()
        schema._listeners[:] = listeners


def test_the_emulator_answers_a_bad_body_as_google_does_and_logs_it(checked_server):
    server, headers = checked_server
    body = _instance()
    body["disks"][0]["initializeParams"]["diskTypo"] = "pd-ssd"
    answer = requests.post(server.base_url + INSERT[1], json=body, headers=headers, timeout=10)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["message"] == ("Invalid JSON payload received. Unknown name \"diskTypo\" at "
                                "'resource.disks[0].initializeParams': Cannot find field.")
    assert error["details"][0]["fieldViolations"][0]["field"] == "disks[0].initializeParams.diskTypo"
    assert server.admin.instances() == []
    [logged] = server.admin.schema_violations()
    assert logged["text"] == "request compute.instances.insert: Instance.disks[0].initializeParams.diskTypo: " \
                             "unknown field"
    assert server.admin.requests()[-1]["schema_violation"]["where"] == "Instance.disks[0].initializeParams.diskTypo"
    server.admin.reset()
    assert server.admin.schema_violations() == []


def test_the_emulator_refuses_an_unknown_query_parameter(checked_server):
    server, headers = checked_server
    answer = requests.get(server.base_url + LIST[1], params={"pageSize": "5"}, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(
        "Invalid JSON payload received. Unknown name \"pageSize\": Cannot bind query parameter.")


def test_a_bad_answer_of_the_emulator_is_logged(checked_server):
    """Answers are checked too: a state loaded with a made-up field comes back and is caught."""
    server, headers = checked_server
    server.admin.load_state({"instances": [{"name": "odd", "zone": "us-central1-a", "colour": "blue"}]})
    answer = requests.get(server.base_url + "/compute/v1/projects/tdx-test-project/zones/us-central1-a/instances/odd",
                          headers=headers, timeout=10)
    assert answer.status_code == 200  # the answer is sent: the bug is the emulator's, the log tells
    [logged] = server.admin.schema_violations()
    assert logged["text"] == "response compute.instances.get: Instance.colour: unknown field"


def test_the_run_fails_a_test_on_a_violation():
    """The teardown check's text, from the first of the entries a test saw."""
    from tests.fixtures.gce_emulator import schema_failure
    entries = [{"text": "request compute.instances.insert: Instance.x: unknown field", "http_method": "POST",
                "path": INSERT[1]}] * 2
    assert schema_failure([]) is None
    assert schema_failure(entries) == ("Compute API schema violation: request compute.instances.insert: "
                                       "Instance.x: unknown field -- POST %s (and 1 more)" % INSERT[1])


def test_without_a_schema_nothing_is_checked():
    with EmulatorServer(port=0, schema=False) as server:
        assert server.admin.schema_revision() is None
