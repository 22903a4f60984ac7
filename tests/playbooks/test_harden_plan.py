"""The harden_plan action in a real ansible-playbook run on the controller (no host, no root).

The role's own variables are loaded as the role loads them, so the action
resolves them through Ansible's templar as it does inside the role; the
planning decisions themselves are tested in module_utils/harden/.
"""

import os

import pytest
import yaml

from tests.playbooks.playbook import run_playbook

pytestmark = pytest.mark.integration

ROLE = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), *([os.pardir] * 2), "roles", "harden"))
SYSCTL_FILE = "/etc/sysctl.d/90-confidential-tdx-harden.conf"


def root_file(mode="0644"):
    return {"exists": True, "type": "file", "mode": mode, "owner": "root", "group": "root"}


STATE = {
    "check_mode": False, "root": True, "login_user": "tester", "container": "systemd-nspawn",
    "programs": {"auditctl": None, "apparmor_parser": "/usr/sbin/apparmor_parser", "nft": "/usr/sbin/nft",
                 "unattended-upgrade": "/usr/bin/unattended-upgrade", "sshd": "/usr/sbin/sshd"},
    "units": {}, "sysctl": {}, "paths": {SYSCTL_FILE: root_file(), "/etc/login.defs": root_file()},
    "files": {"/etc/login.defs": "UMASK 022\n", "/etc/fstab": "", "/etc/nftables.conf": ""},
    "checksums": {}, "mounts": {}, "swap": {}, "audit": {}, "nft": {}, "apparmor": {},
    "ssh": {"installed": True, "error": None, "effective": {"passwordauthentication": "no"}, "ports": [22],
            "accounts": {"tester": {"exists": True, "home": "/home/tester", "key_files": ["/k"],
                                    "key_files_with_keys": [], "keys": 0, "configuration": "candidate",
                                    "key_sources": [{"kind": "file", "source": "/k", "keys": 0, "note": None}],
                                    "sshd": {"pubkeyauthentication": "yes"}}}},
}


def run(tmp_path, tasks, play_vars=None):
    """Run ``tasks`` in a role that has the harden role's defaults, variables and templates."""
    probe = tmp_path / "roles" / "plan_probe"
    (probe / "tasks").mkdir(parents=True)
    for part in ("defaults", "vars", "templates"):
        os.symlink(os.path.join(ROLE, part), str(probe / part))
    load = {"name": "per-OS values", "ansible.builtin.include_vars": {"file": "Debian-12.yml"}}
    (probe / "tasks" / "main.yml").write_text(yaml.safe_dump([load] + tasks))
    plays = [{"name": "plan", "hosts": "localhost", "gather_facts": False,
              "vars": dict({"_harden_os": "Debian-12", "harden_state_read": STATE, "_harden_state": {"state": STATE}}, **(play_vars or {})),
              "roles": ["plan_probe"]}]
    workdir = tmp_path / "run"
    workdir.mkdir()
    return run_playbook(plays, workdir, inventory={"all": {"hosts": {"localhost": {"ansible_connection": "ssh"}}}},
                        env={"ANSIBLE_ROLES_PATH": str(tmp_path / "roles")})


def plan_task(name, step, register, **args):
    return {"name": name, "confidential.tdx.harden_plan": dict(step=step, **args), "register": register}


def test_the_steps_resolve_the_role_variables_and_render_its_templates(tmp_path):
    tasks = [
        plan_task("inputs", "inputs", "inputs"),
        plan_task("controls", "controls", "plan", state="{{ harden_state_read }}"),
        {"name": "expected sysctl file", "ansible.builtin.set_fact": {
            "sysctl_sha1": "{{ lookup('ansible.builtin.template', 'sysctl-harden.conf.j2') | hash('sha1') }}"}},
        plan_task("work", "work", "work", plan="{{ plan }}",
                  state="{{ harden_state_read | combine({'checksums': {'%s': sysctl_sha1}}) }}" % SYSCTL_FILE),
        plan_task("report", "report", "report", plan="{{ plan }}", work="{{ work }}", state="{{ harden_state_read }}"),
    ]
    run_ = run(tmp_path, tasks, play_vars={"harden_tdx_guest_group": "Attest"})
    assert run_.ok, run_.output[-3000:]
    assert run_.result("plan_probe : inputs")["errors"] == [
        "harden_tdx_guest_group: Attest is not a valid group name (lower case letters, digits, _ and -)."]
    plan = run_.result("plan_probe : controls")
    assert plan["container"] is True and plan["check_mode"] is False and plan["changed"] is False
    assert plan["controls"]["swap"]["reason"].startswith("not applicable in a container")
    assert plan["controls"]["sysctl"]["run"] and not plan["controls"]["sysctl"]["kernel"]
    assert plan["controls"]["firewall"]["reason"].startswith("disruptive:")
    assert plan["packages"] == []  # auditd does not run in a container
    assert len(plan["lockouts"]) == 1 and "would lock out tester" in plan["lockouts"][0]
    assert "AuthorizedKeysFile /k: no key" in plan["lockouts"][0]
    work = run_.result("plan_probe : work")
    # The file rendered as the template lookup renders it is current; the others are missing.
    assert work["stale"][SYSCTL_FILE] is False
    assert work["stale"]["/etc/login.defs"] is True
    assert sorted(work["missing_dirs"]) == ["/etc/apt/apt.conf.d", "/etc/modprobe.d", "/etc/security/limits.d",
                                            "/etc/ssh/sshd_config.d", "/etc/sysctl.d", "/etc/systemd/coredump.conf.d",
                                            "/etc/systemd/system.conf.d", "/etc/udev/rules.d"]
    report = run_.result("plan_probe : report")["report"]
    assert report["host"] == "localhost" and report["os"] == "Debian-12" and report["container"] is True
    assert report["skipped"]["sysctl"] == "not selected by --tags"


def test_check_mode_and_a_local_connection_are_read_from_the_run(tmp_path):
    tasks = [plan_task("controls", "controls", "plan", state="{{ harden_state_read | combine({'check_mode': true}) }}")]
    run_ = run(tmp_path, tasks, play_vars={"ansible_connection": "local", "harden_host_kind": "host",
                                           "ansible_python_interpreter": "{{ ansible_playbook_python }}"})
    assert run_.ok, run_.output[-3000:]
    plan = run_.result("plan_probe : controls")
    assert plan["check_mode"] is True and plan["container"] is False and plan["lockouts"] == []
    assert plan["packages"] == ["auditd"] and not plan["controls"]["auditd"]["ready"]


def test_a_step_without_its_inputs_fails_in_one_line(tmp_path):
    run_ = run(tmp_path, [plan_task("work", "work", "work", state="{{ harden_state_read }}")])
    assert not run_.ok
    assert run_.result("plan_probe : work")["msg"] == "plan: step work needs it (the harden role passes it)"
