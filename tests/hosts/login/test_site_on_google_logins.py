"""``confidential.tdx.site`` on hosts reached as Google's images are reached, and the logins after it.

Two google-variant test hosts (tools/testhosts/google.py: the real guest
agent and OS Login) in one fleet, rolled out by ``site`` (provision, the
harden role with its defaults, verify in report mode):

- ``meta-1`` is reached only through the ``ssh-keys`` entry its
  ``tdx_instance`` metadata carries: the agent makes the account (a member of
  ``google-sudoers``) from it;
- ``oslogin-1`` has OS Login on from its first boot: its user has no
  authorized_keys file, sshd asks ``/usr/bin/google_authorized_keys`` (run
  as root) for the key in the user's OS Login profile, and sudo comes from
  the profile's admin right.

After the rollout each user logs in again over real SSH and ``sudo`` still
works; password logins are off. On the OS Login host a setting that would
shut its user out is refused before any change, naming the user and the key
source. These checks are counted in ``make reliability``'s hardening
figures (the ``ledger`` fixture).
"""

import pytest

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.playbooks import role_attempt
from tests.hosts.fleet.harness import FleetHarness
from tests.playbooks.playbook import run_playbook

from gce_emulator.service_account import write_service_account_file  # tools/ is on sys.path (tests.fixtures)

from .guest import agent_journal, in_guest_as_root, instance_key, known_hosts_from_guest_attributes, metadata_of, ssh

pytestmark = marks_for_test_hosts()

ZONE = "us-central1-a"
METADATA_HOST = "meta-1"
METADATA_USER = "fleetadmin"
OSLOGIN_HOST = "oslogin-1"
OSLOGIN_USER = "erin_example_com"
OSLOGIN_UID = 1001002
OSLOGIN_SOURCE = "AuthorizedKeysCommand /usr/bin/google_authorized_keys (run as root)"
REFUSING_ACTIONS = ("assert", "ansible.builtin.assert")
# What a change by the role would show: every file under /etc and the report folder,
# except the caches OS Login's own timer rewrites (/etc/oslogin_passwd.cache, ..._group.cache).
CHECKSUMS = ("find /etc /var/lib/confidential-tdx -xdev -type f ! -name 'oslogin_*.cache' -print0 2>/dev/null "
             "| xargs -0 -r sha256sum")
# sshd's view for the user, whether their key came from a file, and whether sudo works.
AFTER_LOGIN = ("sudo -n sshd -T -C user=%s,host=127.0.0.1,addr=127.0.0.1 | grep -iE "
               "'^(passwordauthentication|authorizedkeyscommand) '; id -nG; test -e ~/.ssh/authorized_keys "
               "&& echo HAS-FILE; sudo -n true && echo SUDO-OK")


@pytest.fixture(scope="module")
def rollout(google_emulator, client_keys, tmp_path_factory):
    """The fleet rolled out by site; its hosts as {name: {address, key, known_hosts, user, private_key}}."""
    metadata_of(google_emulator).oslogin.add_user(
        google_emulator.project, "erin@example.com", OSLOGIN_USER, OSLOGIN_UID, admin=True,
        ssh_keys=[client_keys["erin"][1]])
    folder = tmp_path_factory.mktemp("site-logins")
    key_file = folder / "service-account.json"
    write_service_account_file(google_emulator.admin, google_emulator.base_url, str(key_file),
                               google_emulator.project, name="tdx-login")
    fleet = FleetHarness(google_emulator, str(key_file), folder, google_emulator.project)
    guest_attributes = {"enable-guest-attributes": "TRUE"}
    logins = {
        METADATA_HOST: (METADATA_USER, client_keys["alice"][0],
                        dict(guest_attributes, **{"ssh-keys": "%s:%s" % (METADATA_USER, client_keys["alice"][1])})),
        OSLOGIN_HOST: (OSLOGIN_USER, client_keys["erin"][0], dict(guest_attributes, **{"enable-oslogin": "TRUE"})),
    }
    fleet.write_inventory(
        dict((name, {"zone": ZONE, "metadata": metadata}) for name, (_, _, metadata) in logins.items()),
        group_vars={"verify_enforce": False},
        host_vars=dict((name, {"ansible_user": user, "ansible_ssh_private_key_file": key})
                       for name, (user, key, _) in logins.items()))
    run = fleet.playbook("site", extra_vars={"tdx_batch_size": 2})
    hosts = {}
    backing = fleet.backing_hosts()
    for name, (user, private_key, _) in logins.items():
        assert name in backing, "site made no host for %s:\n%s" % (name, run.output[-3000:])
        address = backing[name]["address"]
        key = instance_key(google_emulator, name, ZONE)
        hosts[name] = {"address": address, "key": key, "user": user, "private_key": private_key,
                       "known_hosts": known_hosts_from_guest_attributes(google_emulator, key, address, folder)}
    return fleet, run, hosts


def _login(google_emulator, host, command):
    login = ssh(host["user"], host["address"], host["private_key"], host["known_hosts"], command)
    if login.returncode != 0:
        login.stderr += "\nagent journal:\n" + agent_journal(google_emulator, host["key"])
    return login


def _problems_after_login(login, user, key_from_file):
    """What is wrong with the login after harden: it must work, with sudo, password logins off."""
    if login.returncode != 0:
        return ["%s cannot log in any more: %s" % (user, login.stderr.strip()[-500:])]
    lines = login.stdout.splitlines()
    problems = []
    if "passwordauthentication no" not in lines:
        problems.append("the role did not turn password logins off: %s" % lines)
    if "SUDO-OK" not in lines:
        problems.append("sudo no longer works for %s" % user)
    if key_from_file and "HAS-FILE" not in lines:
        problems.append("the metadata key is not in %s's authorized_keys" % user)
    if not key_from_file:
        if "authorizedkeyscommand /usr/bin/google_authorized_keys" not in lines:
            problems.append("sshd no longer asks OS Login for keys: %s" % lines)
        if "HAS-FILE" in lines:
            problems.append("the key came from a file, not from OS Login")
    return problems


def test_site_hardens_both_hosts(rollout):
    fleet, run, _ = rollout
    assert run.ok, run.output[-3000:]
    rows = fleet.report_rows()
    for name in (METADATA_HOST, OSLOGIN_HOST):
        assert (rows[name]["provisioned"], rows[name]["hardened"]) == (True, True), rows[name]
        # A container is no trust domain: report mode says so instead of failing the host.
        assert rows[name]["verified"] is False, rows[name]


def test_provision_logs_in_with_the_key_it_put_in_the_metadata(rollout):
    fleet, run, _ = rollout
    after = fleet.plays([{
        "name": "log in as the metadata user", "hosts": METADATA_HOST, "gather_facts": False,
        "tasks": [
            {"name": "who", "ansible.builtin.command": "id -nG", "changed_when": False},
            {"name": "sudo", "ansible.builtin.command": "id -u", "become": True, "changed_when": False},
        ],
    }])
    assert after.ok, after.output
    assert "google-sudoers" in after.result("who", METADATA_HOST)["stdout"].split()
    assert after.result("sudo", METADATA_HOST)["stdout"] == "0"


def test_after_site_the_metadata_user_logs_in_again_and_sudo_works(google_emulator, rollout, ledger):
    _, _, hosts = rollout
    host = hosts[METADATA_HOST]
    login = _login(google_emulator, host, AFTER_LOGIN % METADATA_USER)
    problems = _problems_after_login(login, METADATA_USER, key_from_file=True)
    if login.returncode == 0 and "google-sudoers" not in login.stdout.split():
        problems.append("%s is no longer in google-sudoers" % METADATA_USER)
    ledger.record("hardening", "after site the metadata-key user logs in again, sudo works", problems,
                  check="login kept", login="ssh-keys metadata (google-guest-agent)")
    assert not problems, "\n".join(problems)


def test_after_site_the_oslogin_user_logs_in_again_and_sudo_works(google_emulator, rollout, ledger):
    _, _, hosts = rollout
    host = hosts[OSLOGIN_HOST]
    login = _login(google_emulator, host, AFTER_LOGIN % OSLOGIN_USER)
    problems = _problems_after_login(login, OSLOGIN_USER, key_from_file=False)
    ledger.record("hardening", "after site the OS Login user logs in again, sudo works", problems,
                  check="login kept", login="OS Login (AuthorizedKeysCommand)")
    assert not problems, "\n".join(problems)


def _oslogin_inventory(host):
    return {"all": {"hosts": {OSLOGIN_HOST: {
        "ansible_host": host["address"], "ansible_user": OSLOGIN_USER,
        "ansible_ssh_private_key_file": host["private_key"],
        "ansible_ssh_common_args": "-o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=%s"
                                   % host["known_hosts"],
        "ansible_python_interpreter": "/usr/bin/python3"}}}}


def _files(google_emulator, host):
    listed = in_guest_as_root(google_emulator, host["key"], CHECKSUMS)
    return dict(reversed(line.split(None, 1)) for line in listed.splitlines() if len(line.split(None, 1)) == 2)


def test_a_setting_that_shuts_the_oslogin_user_out_is_refused_before_any_change(google_emulator, rollout,
                                                                                tmp_path, ledger):
    _, _, hosts = rollout
    host = hosts[OSLOGIN_HOST]
    before = _files(google_emulator, host)
    assert before, "could not read the host's files"
    label = "allow-users-without-erin"
    tasks = role_attempt.attempt(label, "confidential.tdx.harden", {
        "harden_ssh_overrides": {"AllowUsers": "someone-else"}, "harden_report_controller_dir": ""})
    plays = [{"name": "harden over OS Login", "hosts": OSLOGIN_HOST, "become": True, "gather_facts": False,
              "tasks": tasks}]
    run = run_playbook(plays, tmp_path, inventory=_oslogin_inventory(host), timeout=1200)
    refusal = role_attempt.refusal_of(run, label)
    problems = []
    if refusal is None:
        problems.append("the role went through")
    else:
        message = refusal["message"]
        if refusal["failed_action"] not in REFUSING_ACTIONS:
            problems.append("refused late, by task %r" % refusal["failed_task"])
        if "AllowUsers someone-else would lock out %s (the account running the role" % OSLOGIN_USER not in message:
            problems.append("the refusal does not name the user: %r" % message[:300])
        if OSLOGIN_SOURCE not in message:
            problems.append("the refusal does not name the key source: %r" % message[:300])
    changed = role_attempt.changed_files(before, _files(google_emulator, host))
    if changed:
        problems.append("files changed: %s" % changed[:20])
    if _login(google_emulator, host, "true").returncode != 0:
        problems.append("the OS Login user no longer logs in")
    ledger.record("hardening", "OS Login lockout (AllowUsers without the user) refused, nothing changed", problems,
                  check="lockout", login="OS Login (AuthorizedKeysCommand)")
    assert not problems, "\n".join(problems) + "\n" + run.output[-3000:]
