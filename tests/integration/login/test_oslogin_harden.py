"""The harden role's lockout check on an OS Login host: it judges the keys OS Login gives, as sshd would.

One google-variant test host (tools/testhosts/google.py) with OS Login on
from its first boot: the agent has written ``AuthorizedKeysCommand
/usr/bin/google_authorized_keys`` (run as root) into sshd_config, and the
OS Login user has no authorized_keys file; their key is in their profile on
the metadata server. The role runs over SSH as that user, with become, as
on Compute Engine:

- with a setting that would shut the user out (AllowUsers without them) it
  stops before any change, naming the user and OS Login's command as their
  key source;
- with its defaults (harden_ssh_lockout_check on) it runs to the end, and
  the user still logs in afterwards, with password logins now off.
"""

import pytest

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.integration import role_attempt
from tests.integration.gce.harness import instance_task
from tests.integration.playbook import run_playbook

from .guest import (agent_journal, in_guest_as_root, instance_key, known_hosts_from_guest_attributes, metadata_of,
                    ssh, wait_for)

pytestmark = marks_for_test_hosts()

NAME = "tdx-oslogin-harden"
OSLOGIN_USER = "erin_example_com"
OSLOGIN_UID = 1001002
OSLOGIN_SOURCE = "AuthorizedKeysCommand /usr/bin/google_authorized_keys (run as root)"
REFUSING_ACTIONS = ("assert", "ansible.builtin.assert")
# What a change by the role would show: every file under /etc and the report folder,
# except the caches OS Login's own timer rewrites (/etc/oslogin_passwd.cache, ..._group.cache).
CHECKSUMS = ("find /etc /var/lib/confidential-tdx -xdev -type f ! -name 'oslogin_*.cache' -print0 2>/dev/null "
             "| xargs -0 -r sha256sum")


@pytest.fixture(scope="module")
def host(gce, google_emulator, client_keys, tmp_path_factory):
    """The instance with OS Login on and the OS Login admin erin, who logs in with her profile's key."""
    metadata_of(google_emulator).oslogin.add_user(
        google_emulator.project, "erin@example.com", OSLOGIN_USER, OSLOGIN_UID, admin=True,
        ssh_keys=[client_keys["erin"][1]])
    metadata = {"enable-oslogin": "TRUE", "enable-guest-attributes": "TRUE"}
    run = gce.run([instance_task(name=NAME, metadata=metadata)])
    assert run.status("create") == "changed", run.output
    address = run.result("create")["instance"]["internal_ip"]
    key = instance_key(google_emulator, NAME)
    known_hosts = known_hosts_from_guest_attributes(google_emulator, key, address, tmp_path_factory.mktemp("kh"))
    target = {"address": address, "key": key, "known_hosts": known_hosts, "private_key": client_keys["erin"][0]}
    try:
        wait_for("the OS Login user logging in with the profile's key", lambda: _login(target, "true"))
    except AssertionError as problem:
        raise AssertionError("%s\nagent journal:\n%s" % (problem, agent_journal(google_emulator, key)))
    return target


def _login(host, command):
    return ssh(OSLOGIN_USER, host["address"], host["private_key"], host["known_hosts"], command)


def _inventory(host):
    return {"all": {"hosts": {NAME: {
        "ansible_host": host["address"], "ansible_user": OSLOGIN_USER,
        "ansible_ssh_private_key_file": host["private_key"],
        "ansible_ssh_common_args": "-o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=%s"
                                   % host["known_hosts"],
        "ansible_python_interpreter": "/usr/bin/python3"}}}}


def _harden(host, tmp_path, label, role_vars):
    """Run the role as the OS Login user with become; return (run, how it stopped or None when it went through)."""
    tasks = role_attempt.attempt(label, "confidential.tdx.harden", dict(role_vars, harden_report_controller_dir=""))
    plays = [{"name": "harden over OS Login", "hosts": NAME, "become": True, "gather_facts": False, "tasks": tasks}]
    run = run_playbook(plays, tmp_path, inventory=_inventory(host), timeout=1200)
    return run, role_attempt.refusal_of(run, label)


def _files(google_emulator, host):
    listed = in_guest_as_root(google_emulator, host["key"], CHECKSUMS)
    return dict(reversed(line.split(None, 1)) for line in listed.splitlines() if len(line.split(None, 1)) == 2)


def test_a_setting_that_shuts_the_oslogin_user_out_is_refused_before_any_change(google_emulator, host, tmp_path):
    before = _files(google_emulator, host)
    assert before, "could not read the host's files"
    run, refusal = _harden(host, tmp_path, "allow-users-without-erin",
                           {"harden_ssh_overrides": {"AllowUsers": "someone-else"}})
    assert refusal is not None, "the role went through:\n" + run.output[-3000:]
    assert refusal["failed_action"] in REFUSING_ACTIONS, refusal
    message = refusal["message"]
    assert "AllowUsers someone-else would lock out %s (the account running the role" % OSLOGIN_USER in message, message
    assert OSLOGIN_SOURCE in message, message
    after = _files(google_emulator, host)
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    assert changed == [], changed[:20]
    assert _login(host, "true").returncode == 0


def test_with_its_default_check_the_role_runs_through_and_the_oslogin_user_still_logs_in(google_emulator, host,
                                                                                         tmp_path):
    run, refusal = _harden(host, tmp_path, "defaults", {})
    assert refusal is None, "refused: %s\n%s" % (refusal, run.output[-3000:])
    assert run.ok, run.output[-3000:]
    assert role_attempt.went_through(run, "defaults"), run.output[-3000:]
    login = _login(host, "sudo -n sshd -T -C user=%s,host=127.0.0.1,addr=127.0.0.1 | grep -iE "
                         "'^(passwordauthentication|authorizedkeyscommand) '; test -e ~/.ssh/authorized_keys "
                         "&& echo HAS-FILE; sudo -n true && echo SUDO-OK" % OSLOGIN_USER)
    assert login.returncode == 0, login.stderr
    lines = login.stdout.splitlines()
    assert "passwordauthentication no" in lines, "the role did not turn password logins off: %s" % lines
    assert "authorizedkeyscommand /usr/bin/google_authorized_keys" in lines, lines
    assert "HAS-FILE" not in lines, "the key came from a file, not from OS Login"
    assert "SUDO-OK" in lines, lines
