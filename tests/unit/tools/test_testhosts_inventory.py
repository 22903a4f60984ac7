"""The Ansible inventory the tool writes, read back by YAML (by Ansible: tests/playbooks/test_testhosts_inventory.py)."""

import pytest
import yaml

from testhosts import inventory, settings


def _vars(**overrides):
    values = inventory.host_vars("container", "169.254.3.2", "/run/x/id_ed25519", "/run/x/known_hosts")
    values.update(overrides)
    return values


def test_the_contract_variables_are_all_there():
    values = _vars()
    assert values["ansible_user"] == settings.TEST_USER
    assert values["ansible_become"] is True
    assert values["testhost_password"] == settings.TEST_PASSWORD
    assert "StrictHostKeyChecking=no" in values["ansible_ssh_common_args"]
    assert "UserKnownHostsFile=/dev/null" in values["ansible_ssh_common_args"]
    assert "ansible_port" not in values
    assert inventory.host_vars("vm", "127.0.0.1", "k", "kh", port=40022)["ansible_port"] == 40022


def test_rendered_yaml_reads_back_to_the_same_values():
    hosts = {"b-host": _vars(), "a-host": _vars(ansible_host="169.254.4.2", odd="x: y # z 'q' \"w\"")}
    loaded = yaml.safe_load(inventory.render(hosts))
    assert loaded == {"all": {"hosts": hosts}}
    assert loaded["all"]["hosts"]["b-host"]["ansible_become"] is True


def test_a_group_puts_the_hosts_under_children():
    loaded = yaml.safe_load(inventory.render({"h1": _vars()}, group="webservers"))
    assert loaded["all"]["children"]["webservers"]["hosts"]["h1"]["ansible_host"] == "169.254.3.2"


@pytest.mark.parametrize("name", ["yes", "on", "null", "2024"])
def test_names_yaml_would_misread_stay_strings(name):
    loaded = yaml.safe_load(inventory.render({name: _vars()}))
    assert list(loaded["all"]["hosts"]) == [name]
