"""The plugin's documentation renders, and its examples use real options.

ansible-doc on the installed collection: the options as Ansible reads them,
doc fragments merged. That the emulator example works against the emulator
is asserted in-process (tests/inprocess/inventory/test_plugin_listing.py).
"""

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.confidential.tdx.plugins.inventory import gce as plugin
from tests.conftest import collections_path
from tests.playbooks.inventory.harness import VENV_BIN

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
