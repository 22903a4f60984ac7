"""Service-account and access-token authentication, and secrets kept out of every output."""

import json
import urllib.request

import pytest

from tests.inprocess.gce.harness import instance_task

# Credentials from the environment, no_log and -vvv output are Ansible's: every test runs a playbook.
pytestmark = [pytest.mark.integration, pytest.mark.playbook]


def operation_users(gce, access_token, zone="us-central1-a"):
    """Who started each operation in a zone, as the emulator's API reports it."""
    url = "%s/compute/v1/projects/%s/zones/%s/operations" % (gce.emulator.base_url, gce.project, zone)
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + access_token})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return [operation.get("user") for operation in json.load(answer).get("items", [])]


def key_fragments(service_account_file):
    """Pieces of the private key that must never be printed."""
    body = "".join(line for line in service_account_file.private_key_pem.splitlines() if "-----" not in line)
    return [body[index:index + 40] for index in range(0, len(body) - 40, 400)]


def test_service_account_key_file(gce, service_account_file):
    defaults = gce.module_defaults(auth_kind="serviceaccount", service_account_file=str(service_account_file))
    run = gce.run([instance_task(name="tdx-sa")], module_defaults=defaults, env=gce.env(GCP_ACCESS_TOKEN=None))
    assert run.status("create") == "changed", run.output
    assert operation_users(gce, gce.access_token) == [service_account_file.email]


def test_service_account_key_contents_from_the_environment_and_project_from_the_key(gce, service_account_file):
    with open(str(service_account_file)) as handle:
        contents = handle.read()
    defaults = {"group/confidential.tdx.gce": {"api_endpoint": gce.emulator.base_url}}
    env = gce.env(GCP_ACCESS_TOKEN=None, GCP_SERVICE_ACCOUNT_CONTENTS=contents)
    run = gce.run([instance_task(name="tdx-sa-env")], module_defaults=defaults, env=env)
    assert run.status("create") == "changed", run.output
    assert run.result("create")["instance"]["self_link"].split("/projects/")[1].startswith(gce.project + "/")


def test_access_token_option(gce):
    defaults = gce.module_defaults(access_token=gce.access_token)
    run = gce.run([instance_task(name="tdx-token")], module_defaults=defaults, env=gce.env(GCP_ACCESS_TOKEN=None))
    assert run.status("create") == "changed", run.output


def test_a_rejected_token_is_one_clear_line(gce):
    run = gce.run([instance_task(name="tdx-badtoken")], env=gce.env(GCP_ACCESS_TOKEN="ya29.not-a-token-the-emulator-issued"))
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert message.startswith("access_token: rejected by the API (HTTP 401)"), message
    assert "\n" not in message and "Traceback" not in run.output
    assert "ya29.not-a-token" not in run.output


def test_no_key_and_no_token_in_results_errors_or_vvv_output(gce, service_account_file):
    with open(str(service_account_file)) as handle:
        key = json.load(handle)
    tasks = [
        {"name": "with key contents", "confidential.tdx.gce_instance": {
            "name": "tdx-secret-1", "zone": "us-central1-a", "auth_kind": "serviceaccount",
            "service_account_contents": key, "labels": {"env": "a"}}},
        {"name": "with token", "confidential.tdx.gce_instance": {
            "name": "tdx-secret-1", "zone": "us-central1-a", "access_token": gce.access_token,
            "labels": {"env": "b"}}},
        {"name": "failing with token", "confidential.tdx.gce_instance": {
            "name": "tdx-secret-1", "zone": "us-central1-a", "access_token": gce.access_token,
            "machine_type": "c3-standard-8"}, "ignore_errors": True},
        {"name": "failing with key", "confidential.tdx.gce_instance": {
            "name": "tdx-secret-1", "zone": "us-central1-a", "auth_kind": "serviceaccount",
            "service_account_contents": key,
            "image": "debian-cloud/debian-12", "recreate": True, "machine_type": "c3-standard-8"},
         "ignore_errors": True},
        {"name": "info with key", "confidential.tdx.gce_instance_info": {
            "auth_kind": "serviceaccount", "service_account_contents": key}},
        {"name": "with the token from the environment", "confidential.tdx.gce_instance": {
            "name": "tdx-secret-1", "zone": "us-central1-a", "labels": {"env": "c"}}},
    ]
    run = gce.run(tasks, verbosity=3, diff=True)
    assert run.status("with key contents") == "changed", run.output
    assert run.status("with token") == "changed", run.output
    assert run.status("failing with token") == "failed"
    assert run.status("failing with key") == "failed"
    assert run.status("info with key") == "ok", run.output
    assert run.status("with the token from the environment") == "changed", run.output
    assert "<masked>" in run.output or "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output  # -vvv did show args

    recorded = json.dumps(run.results)
    secrets = [gce.access_token] + key_fragments(service_account_file)
    for secret in secrets:
        assert secret not in run.output
        assert secret not in recorded
