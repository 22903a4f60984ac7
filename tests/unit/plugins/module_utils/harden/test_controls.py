"""Which harden controls run on a host, and why the others do not."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.harden import controls

from .role_data import VARS, values

CONTROLS = VARS["_harden_controls"]


def state(programs=None, sshd=True, check_mode=False):
    found = dict((entry["program"], "/usr/bin/" + entry["program"]) for entry in values()["_harden_os_packages"].values())
    found.update(programs or {})
    return {"programs": found, "ssh": {"installed": sshd}, "check_mode": check_mode}


def switches(**off):
    named = dict((control["switch"], True) for control in CONTROLS)
    named.update(off)
    return named


def plan(container=False, checking=False, disruptive=False, host=None, **off):
    return controls.plan_controls(CONTROLS, switches(**off), disruptive, container, checking, host or state(),
                                  values()["_harden_os_packages"])


def test_on_a_full_host_every_control_but_the_disruptive_one_runs():
    planned = plan()
    assert [name for name, entry in planned.items() if not entry["run"]] == ["firewall"]
    assert planned["firewall"]["reason"] == ("disruptive: it drops every inbound connection except SSH and the ports "
                                             "you list (needs harden_disruptive: true)")
    assert all(entry["kernel"] and entry["ready"] and not entry["packages"] for entry in planned.values() if entry["run"])
    assert list(planned) == [control["name"] for control in CONTROLS]


def test_a_switch_turns_its_control_off_with_the_reason():
    planned = plan(harden_sysctl=False, harden_swap_disable="no")
    assert planned["sysctl"]["reason"] == "switched off (harden_sysctl: false)"
    assert planned["swap"]["reason"] == "switched off (harden_swap_disable: false)"
    assert not planned["sysctl"]["run"] and planned["kdump"]["run"]


def test_in_a_container_kernel_controls_are_skipped_and_file_controls_only_write():
    planned = plan(container=True, disruptive=True)
    assert planned["swap"]["reason"] == "not applicable in a container: swap belongs to the container's host kernel"
    assert planned["sysctl"]["run"] and not planned["sysctl"]["kernel"]
    assert planned["sysctl"]["notes"] == ["container: the file is written but not applied, the kernel is the host's"]
    assert planned["sshd"]["kernel"] and planned["firewall"]["run"]


def test_without_sshd_the_ssh_control_is_not_applicable():
    assert plan(host=state(sshd=False))["sshd"]["reason"] == "not applicable: no sshd on this host"


def test_a_missing_program_asks_for_its_package_and_check_mode_waits_for_it():
    host = state(programs={"auditctl": None})
    planned = plan(host=host)
    assert planned["auditd"]["packages"] == ["auditd"] and planned["auditd"]["ready"]
    checked = plan(host=host, checking=True)
    assert not checked["auditd"]["ready"]
    assert checked["auditd"]["notes"] == ["check mode: would install auditd first; the rest of the control is checked "
                                          "once it is installed"]
    assert controls.packages_to_install(dict(planned, x={"packages": ["auditd", "nftables"]})) == ["auditd", "nftables"]


def test_a_program_the_state_did_not_report_is_not_taken_for_missing():
    host = state()
    del host["programs"]["auditctl"]
    assert plan(host=host)["auditd"]["packages"] == []


@pytest.mark.parametrize("kind, detected, role, virt, expected", [
    ("container", None, "", "", True),
    ("host", "systemd-nspawn", "guest", "docker", False),
    ("auto", "systemd-nspawn", "", "", True),
    ("auto", "", "guest", "lxc", True),
    ("auto", None, "guest", "kvm", False),
    ("auto", "", "host", "docker", False),
])
def test_container_detection(kind, detected, role, virt, expected):
    assert controls.in_container(kind, detected, role, virt, VARS["_harden_container_types"]) is expected


def test_check_mode_from_either_source():
    assert controls.check_mode(False, {"check_mode": True})
    assert controls.check_mode(True, {})
    assert not controls.check_mode(False, {"check_mode": False})
