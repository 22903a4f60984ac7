"""The tdx_quote filter in a real ansible-playbook run, by its collection name (its logic: tests/unit/plugins/filter)."""

import base64
import json
import os
import subprocess
import sys

import pytest

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from tests import conftest


@pytest.mark.integration
def test_the_filter_runs_in_a_playbook_by_its_collection_name(tmp_path):
    quote, expected = build.quote_v4()
    playbook = tmp_path / "decode.yml"
    result = tmp_path / "decoded.json"
    playbook.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.copy:\n        dest: %s\n        mode: '0600'\n"
        "        content: \"{{ quote_b64 | confidential.tdx.tdx_quote | to_json }}\"\n" % result)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=conftest.collections_path(),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    completed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook),
         "-e", "quote_b64=%s" % base64.b64encode(quote).decode()],
        env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    message = json.loads(result.read_text())
    assert message["mrtd"] == expected["mrtd"]
    assert message["td_attributes"] == "0000000010000000"
