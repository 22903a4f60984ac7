"""Foreseeable mistakes end in one line naming the option and the fix; secrets never show, even at -vvv.

Real ansible-inventory runs for what only Ansible's own output shows: the
one line a user reads when a key is no key, the libraries named when
google-* cannot be imported (the plugin still loads), and -vvv output free
of keys, tokens and tracebacks. The message for every other mistake (a
missing key file, an unknown key, a rejected token, no endpoint, an
endpoint that is no URL, an API that keeps failing or fails once, an
unknown zone, a bad filter, bad hostnames, key file and contents together,
no project) is the plugin's decision, asserted in-process against the
emulator in tests/inprocess/inventory/test_plugin_errors.py.
"""

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


def test_key_file_that_is_not_a_key(inventory, tmp_path):
    """The one line Ansible prints for the plugin's error, nothing else: no traceback, the message unwrapped."""
    not_a_key = tmp_path / "notes.json"
    not_a_key.write_text('{"hello": "world"}')
    run = inventory.run(inventory.config(service_account_file=str(not_a_key)))
    one_line_error(run, "service_account_file: not a service-account key")


def test_missing_google_libraries_are_named(inventory, tmp_path):
    """A process of its own: the plugin must load without google-* and say what to install."""
    hide = tmp_path / "hide-google"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(NO_GOOGLE_SITECUSTOMIZE)
    run = inventory.run(inventory.config(), env={"PYTHONPATH": str(hide)})
    one_line_error(run, "needs the Python libraries google-cloud-compute and google-auth",
                   "pip install google-cloud-compute google-auth")
    assert inventory.calls() == []


def test_vvv_never_shows_the_key_or_the_token(inventory, access_token):
    """Everything Ansible prints at -vvv, for each way of giving credentials and two failures."""
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
    """At -vvv Ansible prints more about a failed source; a foreseeable error stays one line."""
    run = inventory.run(inventory.config(service_account_file=os.path.join("/nonexistent", "key.json")), verbosity=3)
    one_line_error(run, "service_account_file: /nonexistent/key.json does not exist")
