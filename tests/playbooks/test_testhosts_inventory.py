"""The inventory tools/testhosts writes, read by ansible-inventory (its YAML: tests/unit/tools/test_testhosts_inventory.py)."""

import json
import subprocess
import sys

from testhosts import inventory  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)


def _vars(**overrides):
    values = inventory.host_vars("container", "169.254.3.2", "/run/x/id_ed25519", "/run/x/known_hosts")
    values.update(overrides)
    return values


def test_ansible_reads_the_inventory(tmp_path):
    path = tmp_path / "inventory.yml"
    path.write_text(inventory.render({"th1": _vars(), "th2": _vars(ansible_host="169.254.9.2")}, group="g"))
    result = subprocess.run(
        [sys.executable, "-m", "ansible.cli.inventory", "-i", str(path), "--list"],
        capture_output=True, text=True, check=True,
    )
    listed = json.loads(result.stdout)
    assert listed["g"]["hosts"] == ["th1", "th2"]
    assert listed["_meta"]["hostvars"]["th2"]["ansible_host"] == "169.254.9.2"
