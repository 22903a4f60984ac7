"""The plugin's documentation renders, and its examples use real options and work against the emulator."""

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.confidential.tdx.plugins.inventory import gce as plugin
from tests.conftest import collections_path
from tests.playbooks.inventory.harness import VENV_BIN, instance

pytestmark = pytest.mark.integration


def documented_options():
    completed = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-doc"), "-t", "inventory", "--json", "confidential.tdx.gce"],
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path()), capture_output=True, text=True,
        timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)["confidential.tdx.gce"]["doc"]["options"]


def examples():
    return [example for example in yaml.safe_load_all(plugin.EXAMPLES) if example]


def test_every_example_uses_documented_options_only():
    options = documented_options()
    for name in ("projects", "zones", "filters", "tdx_only", "hostnames", "wait_timeout", "compose", "keyed_groups",
                 "cache", "cache_plugin", "auth_kind", "service_account_contents", "access_token", "api_endpoint"):
        assert name in options
    assert [entry["name"] for entry in options["access_token"]["env"]] == ["GCP_ACCESS_TOKEN"]
    assert [entry["name"] for entry in options["projects"]["env"]] == ["GCP_PROJECT"]
    assert len(examples()) >= 3
    for example in examples():
        assert example["plugin"] == "confidential.tdx.gce"
        assert set(example) <= set(options), set(example) - set(options)


def test_the_emulator_example_works_against_the_emulator(inventory):
    [example] = [item for item in examples() if item.get("api_endpoint", "").startswith("http://127.0.0.1")]
    inventory.load([instance("web-1", internal_ip="10.128.0.10", external_ip="203.0.113.10"),
                    instance("db-1", internal_ip="10.128.0.11")])
    example.update(api_endpoint=inventory.emulator.base_url, service_account_file=str(inventory.service_account_file))
    run = inventory.run(example)
    assert run.ok, run.output
    assert dict((host, variables["ansible_host"]) for host, variables in run.hostvars.items()) == {
        "web-1": "203.0.113.10", "db-1": "10.128.0.11"}
