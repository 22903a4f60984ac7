"""Foreseeable mistakes end in one line naming the option and the fix; secrets never show, even at -vvv."""

import json
import os
import socket

import pytest

from tests.playbooks.inventory.harness import PLUGIN_LABEL, instance

pytestmark = pytest.mark.integration

# An importer that makes every google.* package look uninstalled.
NO_GOOGLE_SITECUSTOMIZE = '''
import sys


class HideGoogleLibraries:
    def find_spec(self, name, path=None, target=None):
        if name == "google" or name.startswith("google."):
            raise ImportError("hidden by the test: " + name)
        return None


sys.meta_path.insert(0, HideGoogleLibraries())
'''


def closed_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def one_line_error(run, *fragments):
    """The line of the output that carries the plugin's message; it holds every fragment."""
    assert not run.ok, run.output
    assert "Traceback" not in run.output, run.output
    lines = [line for line in run.plugin_error_lines() if all(fragment in line for fragment in fragments)]
    assert lines, "no single line holds %r in:\n%s" % (fragments, run.output[-4000:])
    return lines[0]


def private_key_lines(key_file):
    with open(str(key_file)) as handle:
        pem = json.load(handle)["private_key"]
    return [line for line in pem.splitlines() if line and "PRIVATE KEY" not in line]


def test_missing_key_file(inventory):
    run = inventory.run(inventory.config(service_account_file="/nonexistent/key.json"))
    one_line_error(run, PLUGIN_LABEL, "service_account_file: /nonexistent/key.json does not exist",
                   "point it at a service-account JSON key")
    assert inventory.calls() == []


def test_key_file_that_is_not_a_key(inventory, tmp_path):
    not_a_key = tmp_path / "notes.json"
    not_a_key.write_text('{"hello": "world"}')
    run = inventory.run(inventory.config(service_account_file=str(not_a_key)))
    one_line_error(run, "service_account_file: not a service-account key")


def test_key_the_api_does_not_know(inventory, tmp_path):
    with open(str(inventory.service_account_file)) as handle:
        key = json.load(handle)
    key["private_key_id"] = "0" * 40  # signed by a key id the emulator never registered
    unknown = tmp_path / "unknown-key.json"
    unknown.write_text(json.dumps(key))
    run = inventory.run(inventory.config(service_account_file=str(unknown)))
    line = one_line_error(run, "list instances of project %s failed: HTTP 401" % inventory.project,
                          "option service_account_file", "credentials were rejected")
    for secret in private_key_lines(unknown):
        assert secret not in run.output
    assert "0" * 40 not in line


def test_rejected_access_token(inventory):
    run = inventory.run(inventory.config(service_account_file=None, access_token="not-a-real-token-7f3a9c"))
    one_line_error(run, "HTTP 401", "option access_token", "credentials were rejected")
    assert "not-a-real-token-7f3a9c" not in run.output


def test_nothing_listens_at_the_endpoint(inventory):
    endpoint = "http://127.0.0.1:%d" % closed_port()
    run = inventory.run(inventory.config(api_endpoint=endpoint, wait_timeout=3))
    one_line_error(run, "could not reach the Compute Engine API", "option api_endpoint",
                   "check api_endpoint and the network")


def test_endpoint_that_is_not_a_url(inventory):
    run = inventory.run(inventory.config(api_endpoint="127.0.0.1:8080"))
    one_line_error(run, "api_endpoint: 127.0.0.1:8080 must be a URL")
    assert inventory.calls() == []


def test_api_that_keeps_failing_names_wait_timeout(inventory):
    inventory.admin.set_faults([{"method": "GET", "path": r"/aggregated/instances$", "kind": "503"}])
    run = inventory.run(inventory.config(wait_timeout=5))
    one_line_error(run, "HTTP 503", "option wait_timeout", "retry later or raise wait_timeout")
    assert len(inventory.calls()) >= 2  # transient failures are retried before giving up


def test_transient_failure_is_retried_and_the_listing_succeeds(inventory):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    inventory.admin.set_faults([{"method": "GET", "path": r"/aggregated/instances$", "kind": "503", "count": 1}])
    run = inventory.run(inventory.config())
    assert run.hosts == {"10.128.0.10"}
    assert [call["status"] for call in inventory.calls()] == [503, 200]


def test_unknown_zone(inventory):
    run = inventory.run(inventory.config(zones=["mars-central1-a"]))
    one_line_error(run, "list instances of project %s in zone mars-central1-a failed: HTTP 400" % inventory.project,
                   "option zones", "zone mars-central1-a is not a Compute Engine zone")


def test_filter_the_api_cannot_read(inventory):
    run = inventory.run(inventory.config(filters=["labels.role = = web ((("]))
    one_line_error(run, "HTTP 400", "option filters", "one API filter expression")


@pytest.mark.parametrize("hostnames, fragment", [
    (["hostname"], "hostname"),
    ([], "hostnames: give at least one of public_ip, private_ip, name"),
])
def test_unusable_hostnames(inventory, hostnames, fragment):
    run = inventory.run(inventory.config(hostnames=hostnames))
    assert not run.ok
    assert "Traceback" not in run.output
    assert any("hostnames" in line and fragment in line for line in run.output.splitlines()), run.output
    assert inventory.calls() == []


def test_key_file_and_contents_together(inventory):
    run = inventory.run(inventory.config(service_account_contents='{"type": "service_account"}'))
    one_line_error(run, "service_account_file: cannot be combined with service_account_contents")


def test_no_project_anywhere(inventory, access_token):
    run = inventory.run({"plugin": "confidential.tdx.gce", "api_endpoint": inventory.emulator.base_url},
                        env={"GCP_ACCESS_TOKEN": access_token})
    one_line_error(run, "projects: not set and not found in the credentials; set projects or GCP_PROJECT")


def test_missing_google_libraries_are_named(inventory, tmp_path):
    hide = tmp_path / "hide-google"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(NO_GOOGLE_SITECUSTOMIZE)
    run = inventory.run(inventory.config(), env={"PYTHONPATH": str(hide)})
    one_line_error(run, "needs the Python libraries google-cloud-compute and google-auth",
                   "pip install google-cloud-compute google-auth")
    assert inventory.calls() == []


def test_vvv_never_shows_the_key_or_the_token(inventory, access_token):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    with open(str(inventory.service_account_file)) as handle:
        contents = handle.read()
    secrets = private_key_lines(inventory.service_account_file) + [access_token]

    outputs = []
    by_contents = inventory.run(inventory.config(service_account_file=None), verbosity=3,
                                env={"GCP_SERVICE_ACCOUNT_CONTENTS": contents})
    assert by_contents.hosts == {"10.128.0.10"}
    outputs.append(by_contents.output)
    in_file = inventory.run(inventory.config(service_account_file=None, service_account_contents=json.loads(contents)),
                            verbosity=3)
    assert in_file.hosts == {"10.128.0.10"}
    outputs.append(in_file.output)
    by_token = inventory.run(inventory.config(service_account_file=None), verbosity=3,
                             env={"GCP_ACCESS_TOKEN": access_token})
    assert by_token.hosts == {"10.128.0.10"}
    outputs.append(by_token.output)
    # Failing runs print the most: the token rejected, the key with an unreachable endpoint.
    inventory.admin.set_faults([{"method": "GET", "path": r"/aggregated/instances$", "kind": "500"}])
    outputs.append(inventory.run(inventory.config(service_account_file=None, wait_timeout=2), verbosity=3,
                                 env={"GCP_ACCESS_TOKEN": access_token}).output)
    outputs.append(inventory.run(inventory.config(service_account_file=None, wait_timeout=2,
                                                  api_endpoint="http://127.0.0.1:%d" % closed_port()),
                                 verbosity=3, env={"GCP_SERVICE_ACCOUNT_CONTENTS": contents}).output)
    for output in outputs:
        assert "Parsed" in output or PLUGIN_LABEL in output, output[-2000:]
        for secret in secrets:
            assert secret not in output
        assert "PRIVATE KEY" not in output


def test_vvv_shows_no_traceback_for_a_foreseeable_error(inventory):
    run = inventory.run(inventory.config(service_account_file=os.path.join("/nonexistent", "key.json")), verbosity=3)
    one_line_error(run, "service_account_file: /nonexistent/key.json does not exist")
