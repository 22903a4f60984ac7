"""The gce inventory plugin in-process: each foreseeable mistake ends in one line naming the option and the fix.

The message is the plugin's own decision, asserted here against the
emulator's real answers (the wording for a synthetic API error is in
test_gce_inventory.py). How Ansible prints it, at -vvv too, and a run without
the google libraries are real ansible-inventory runs in
tests/playbooks/inventory/test_gce_inventory_errors.py.
"""

import json
import socket

import pytest

from tests.playbooks.inventory.harness import PLUGIN_LABEL, instance

pytestmark = pytest.mark.integration


def closed_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def private_key_lines(key_file):
    with open(str(key_file)) as handle:
        pem = json.load(handle)["private_key"]
    return [line for line in pem.splitlines() if line and "PRIVATE KEY" not in line]


def test_missing_key_file(inventory):
    run = inventory.run(inventory.config(service_account_file="/nonexistent/key.json"))
    run.one_line_error(PLUGIN_LABEL, "service_account_file: /nonexistent/key.json does not exist",
                       "point it at a service-account JSON key")
    assert inventory.calls() == []


def test_key_the_api_does_not_know(inventory, tmp_path):
    with open(str(inventory.service_account_file)) as handle:
        key = json.load(handle)
    key["private_key_id"] = "0" * 40  # signed by a key id the emulator never registered
    unknown = tmp_path / "unknown-key.json"
    unknown.write_text(json.dumps(key))
    run = inventory.run(inventory.config(service_account_file=str(unknown)))
    line = run.one_line_error(PLUGIN_LABEL, "list instances of project %s failed: HTTP 401" % inventory.project,
                              "option service_account_file", "credentials were rejected")
    for secret in private_key_lines(unknown):
        assert secret not in run.output
    assert "0" * 40 not in line


def test_rejected_access_token(inventory):
    run = inventory.run(inventory.config(service_account_file=None, access_token="not-a-real-token-7f3a9c"))
    run.one_line_error(PLUGIN_LABEL, "HTTP 401", "option access_token", "credentials were rejected")
    assert "not-a-real-token-7f3a9c" not in run.output


def test_nothing_listens_at_the_endpoint(inventory):
    endpoint = "http://127.0.0.1:%d" % closed_port()
    run = inventory.run(inventory.config(api_endpoint=endpoint, wait_timeout=3))
    run.one_line_error(PLUGIN_LABEL, "could not reach the Compute Engine API", "option api_endpoint",
                       "check api_endpoint and the network")


def test_endpoint_that_is_not_a_url(inventory):
    run = inventory.run(inventory.config(api_endpoint="127.0.0.1:8080"))
    run.one_line_error(PLUGIN_LABEL, "api_endpoint: 127.0.0.1:8080 must be a URL")
    assert inventory.calls() == []


def test_api_that_keeps_failing_names_wait_timeout(inventory):
    inventory.admin.set_faults([{"method": "GET", "path": r"/aggregated/instances$", "kind": "503"}])
    run = inventory.run(inventory.config(wait_timeout=5))
    run.one_line_error(PLUGIN_LABEL, "HTTP 503", "option wait_timeout", "retry later or raise wait_timeout")
    assert len(inventory.calls()) >= 2  # transient failures are retried before giving up


def test_transient_failure_is_retried_and_the_listing_succeeds(inventory):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    inventory.admin.set_faults([{"method": "GET", "path": r"/aggregated/instances$", "kind": "503", "count": 1}])
    run = inventory.run(inventory.config())
    assert run.hosts == {"10.128.0.10"}
    assert [call["status"] for call in inventory.calls()] == [503, 200]


def test_unknown_zone(inventory):
    run = inventory.run(inventory.config(zones=["mars-central1-a"]))
    run.one_line_error(PLUGIN_LABEL,
                       "list instances of project %s in zone mars-central1-a failed: HTTP 400" % inventory.project,
                       "option zones", "zone mars-central1-a is not a Compute Engine zone")


def test_filter_the_api_cannot_read(inventory):
    run = inventory.run(inventory.config(filters=["labels.role = = web ((("]))
    run.one_line_error(PLUGIN_LABEL, "HTTP 400", "option filters", "one API filter expression")


@pytest.mark.parametrize("hostnames, fragment", [
    (["hostname"], "hostname"),
    ([], "hostnames: give at least one of public_ip, private_ip, name"),
])
def test_unusable_hostnames(inventory, hostnames, fragment):
    run = inventory.run(inventory.config(hostnames=hostnames))
    message = run.one_line_error("hostnames", fragment)
    assert "hostnames" in message and fragment in message
    assert inventory.calls() == []


def test_key_file_and_contents_together(inventory):
    run = inventory.run(inventory.config(service_account_contents='{"type": "service_account"}'))
    run.one_line_error(PLUGIN_LABEL, "service_account_file: cannot be combined with service_account_contents")


def test_no_project_anywhere(inventory, access_token):
    run = inventory.run({"plugin": "confidential.tdx.gce", "api_endpoint": inventory.emulator.base_url},
                        env={"GCP_ACCESS_TOKEN": access_token})
    run.one_line_error(PLUGIN_LABEL, "projects: not set and not found in the credentials; set projects or GCP_PROJECT")
