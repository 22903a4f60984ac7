"""Every error of gce_instance names the option the task wrote (issue 26), against the emulator."""

import json

import pytest
from gce_emulator.service_account import ServiceAccountKey  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from tests.inprocess.gce.harness import instance_task

pytestmark = pytest.mark.integration


def test_a_zone_the_api_does_not_know_is_named_zone_when_the_task_wrote_zone(gce):
    assert gce.run([instance_task(name="tdx-z")]).status("create") == "changed"
    run = gce.run([instance_task(name="tdx-z", zone="us-central2-a")])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "Unknown zone" in message and "; option zone;" in message, message
    assert "option zones" not in message


def test_an_internal_address_outside_the_subnetwork_is_named_internal_address(gce):
    run = gce.run([instance_task(name="tdx-ip", internal_address="192.0.2.10")])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "Requested internal IP is outside the subnetwork range" in message
    assert "; option internal_address" in message and "option subnetwork" not in message, message


def test_a_rejected_service_account_key_names_the_key_option_not_access_token(gce, tmp_path):
    # A key the emulator was never told about: the API rejects what it signs.
    key = ServiceAccountKey("stranger@tdx-test-project.iam.gserviceaccount.com", gce.project)
    path = tmp_path / "unknown-key.json"
    path.write_text(json.dumps(key.key_file_json(gce.emulator.base_url)))
    run = gce.run([instance_task(name="tdx-key", access_token=None, service_account_file=str(path))])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "HTTP 401" in message and "option service_account_file" in message, message
    assert "access_token" not in message
