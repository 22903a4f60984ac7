"""Hardening never locks anyone out: on a real systemd host (a systemd-nspawn test host), over real SSH.

- Every invalid harden argument (bad_inputs.yml, roles.harden) and every
  setting that would take away the login running the role is refused before
  the role changes anything: the checksums of every file under /etc and the
  report folder are the same before and after. So is a run by an account
  that logs in with a password and has no key (password logins would go):
  the role names it as the account running the role, with where sshd looked
  for its keys, and its password login still works afterwards.
- An sshd value sshd itself rejects is stopped by the role's validation: the
  old configuration stays, sshd keeps running, the login still works.
- A broken sshd drop-in already on the host makes the role refuse to touch
  sshd, changing nothing.

That after a real harden run the key login that ran it still works and a
password login is refused is shown by molecule/harden, which hardens hosts
anyway (and by tests/hosts/login for Google's logins), not by a harden run
of its own here.

Needs root and systemd-nspawn (and debootstrap the first time, for the base
image); skipped with that reason otherwise.
"""

import json
import os
import shutil
import subprocess

import pytest
import yaml

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.playbooks import role_attempt
from tests.playbooks.playbook import run_playbook
from tests.reliability.bad_input_cases import cases, judge_refusal

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTHOSTS = os.path.join(REPO_ROOT, "tools", "testhosts", "testhosts")
CORE_VALIDATION_HEADER = "Validation of arguments failed:"
HARDEN_CASES = cases("roles")
HARDEN_CASES = [case for case in HARDEN_CASES if case.owner == "harden"]
# Tasks that only read: a role refusing through them has changed nothing.
REFUSING_ACTIONS = ("validate_argument_spec", "ansible.builtin.validate_argument_spec", "assert",
                    "ansible.builtin.assert")
# Settings that would take the SSH login of the account running the role
# (the test host's ``tester``, who logs in with a key) away.
# (role variables, what the refusal must name).
LOCKOUTS = {
    "AllowUsers without the login": ({"harden_ssh_overrides": {"AllowUsers": "someone-else admin@*"}}, "AllowUsers"),
    "DenyUsers with the login": ({"harden_ssh_overrides": {"DenyUsers": "nobody te*"}}, "DenyUsers"),
    "AllowGroups the check cannot judge": ({"harden_ssh_overrides": {"AllowGroups": "no-such-group"}}, "AllowGroups"),
    "keys read from elsewhere": ({"harden_ssh_overrides": {"AuthorizedKeysFile": "/nonexistent/keys"}},
                                 "AuthorizedKeysFile"),
    "no password and an account without a key": ({"harden_ssh_keep_access_accounts": ["nokey"]}, "nokey"),
}
SSHD_FILES = "/etc/ssh/sshd_config /etc/ssh/sshd_config.d"
# An account that logs in only with a password (and uses sudo with it): the
# "no key" lockout case names it, and it runs the role itself in another.
NOKEY = "nokey"
NOKEY_PASSWORD = "nokey-password-1"
RUN_BY_NOKEY = "run by an account with a password and no key"

pytestmark = marks_for_test_hosts()


class LockedOut(Exception):
    """The test's own SSH login to the host was refused."""


class Host:
    def __init__(self, name, variables, inventory):
        self.name = name
        self.vars = variables
        self.inventory = inventory

    def ssh(self, command, timeout=120):
        """Run ``command`` as root over a new SSH connection, as the test user with its key."""
        argv = ["ssh", "-i", self.vars["ansible_ssh_private_key_file"], "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
                "-o", "UserKnownHostsFile=%s" % self.vars["testhost_known_hosts"],
                "%s@%s" % (self.vars["ansible_user"], self.vars["ansible_host"]), "sudo", "-n", "sh", "-c",
                "'%s'" % command.replace("'", "'\\''")]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def can_log_in(self):
        return self.ssh("true").returncode == 0

    def files(self, paths="/etc /var/lib/confidential-tdx"):
        """{path: sha256} of every regular file under ``paths`` (what a change would show)."""
        listed = self.ssh("find %s -xdev -type f -print0 2>/dev/null | xargs -0 -r sha256sum" % paths)
        if listed.returncode == 255:
            raise LockedOut("cannot log in to read the files any more: %s" % listed.stderr.strip())
        assert listed.returncode in (0, 123), listed.stderr
        return dict(reversed(line.split(None, 1)) for line in listed.stdout.splitlines())

    def sshd_active(self):
        return self.ssh("systemctl is-active ssh").stdout.strip() == "active"

    def run(self, plays, tmp_path, **options):
        return run_playbook(plays, tmp_path, inventory=self.inventory, **options)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    name = "rel-safe-%d" % (os.getpid() % 100000)
    inventory_path = str(tmp_path_factory.mktemp("safety") / "inventory.yml")
    started = subprocess.run([TESTHOSTS, "up", name, "--inventory", inventory_path], capture_output=True,
                             text=True, timeout=1800, check=False)
    try:
        assert started.returncode == 0, started.stderr
        with open(inventory_path) as handle:
            inventory = yaml.safe_load(handle)
        variables = inventory["all"]["hosts"][name]
        target = Host(name, variables, inventory)
        # An account that logs in only with a password, for the lockout cases.
        made = target.ssh("useradd -m -s /bin/bash {0} && echo {0}:{1} | chpasswd && "
                          "echo \"{0} ALL=(ALL:ALL) ALL\" > /etc/sudoers.d/{0} && chmod 0440 /etc/sudoers.d/{0}"
                          .format(NOKEY, NOKEY_PASSWORD))
        assert made.returncode == 0, made.stderr
        yield target
    finally:
        subprocess.run([TESTHOSTS, "down", name], capture_output=True, text=True, timeout=600, check=False)


def attempt(label, role_vars):
    return role_attempt.attempt(label, "confidential.tdx.harden", role_vars)


def play(host, tasks):
    return [{"name": "harden safety", "hosts": host.name, "become": True, "gather_facts": False, "tasks": tasks}]


def play_as_nokey(host, tasks):
    """A play that logs in as the password-only account, with no key at all, and becomes root with its password."""
    return [{"name": "harden safety as %s" % NOKEY, "hosts": host.name, "become": True, "gather_facts": False,
             "vars": {"ansible_user": NOKEY, "ansible_password": NOKEY_PASSWORD,
                      "ansible_become_password": NOKEY_PASSWORD,
                      "ansible_ssh_private_key_file": "/dev/null", "ansible_private_key_file": "/dev/null"},
             "tasks": tasks}]


def password_login(host, user, password):
    """Log in over SSH with the password only; the completed process, or None without sshpass."""
    if shutil.which("sshpass") is None:
        return None
    return subprocess.run(
        ["sshpass", "-p", password, "ssh", "-o", "PreferredAuthentications=password",
         "-o", "PubkeyAuthentication=no", "-o", "StrictHostKeyChecking=yes",
         "-o", "UserKnownHostsFile=%s" % host.vars["testhost_known_hosts"], "-o", "ConnectTimeout=10",
         "%s@%s" % (user, host.vars["ansible_host"]), "true"],
        capture_output=True, text=True, timeout=60, check=False)


def judge_run_by_nokey(refusal):
    """The refusal of a run by the password-only account: it names the account running the role and its keys."""
    problems = judge_refused_before_acting(refusal, names=NOKEY)
    if refusal is None:
        return problems
    if "Refuse to lock out" not in refusal["failed_task"]:
        problems.append("refused by task %r, not by the lockout check" % refusal["failed_task"])
    message = refusal["message"]
    for wanted in ("would lock out %s (the account running the role)" % NOKEY, "sshd would find no public key for it",
                   "AuthorizedKeysFile /home/%s/.ssh/authorized_keys: no key" % NOKEY, "Nothing was changed"):
        if wanted not in message:
            problems.append("the message does not say %r: %r" % (wanted, message[:400]))
    if "\n" in message:
        problems.append("the message is more than one line")
    return problems


refusal_of = role_attempt.refusal_of


def judge_refused_before_acting(refusal, case=None, names=None):
    if refusal is None:
        return ["accepted: the role went on"]
    problems = []
    if refusal["failed_action"] not in REFUSING_ACTIONS:
        problems.append("refused late, by task %r (%s)" % (refusal["failed_task"], refusal["failed_action"]))
    message = refusal["message"]
    if case is not None:
        if message.startswith(CORE_VALIDATION_HEADER):
            lines = [line for line in message[len(CORE_VALIDATION_HEADER):].splitlines() if line.strip()]
            verdicts = [judge_refusal(case, dict(failed=True, msg=line)) for line in lines]
            if not any(not verdict for verdict in verdicts):
                problems.extend(verdicts[0] if verdicts else ["an empty message"])
        else:
            problems.extend(judge_refusal(case, dict(failed=True, msg=message)))
    elif names and names not in message:
        problems.append("the message does not name %s: %r" % (names, message[:300]))
    return problems


def test_bad_arguments_and_lockouts_are_refused_before_any_change(host, tmp_path, ledger):
    before = host.files()
    tasks = []
    for case in HARDEN_CASES:
        tasks.extend(attempt(case.id, case.arguments(_NoMaterials())))
    for label, (role_vars, dummy) in LOCKOUTS.items():
        tasks.extend(attempt(label, dict(role_vars, harden_report_controller_dir="")))
    # The account running the role would lose its only way in: every control on, as it connects with its password.
    as_nokey = attempt(RUN_BY_NOKEY, {"harden_disruptive": True, "harden_report_controller_dir": ""})
    run = host.run(play(host, tasks) + play_as_nokey(host, as_nokey), tmp_path)
    failures = []
    for case in HARDEN_CASES:
        problems = judge_refused_before_acting(refusal_of(run, case.id), case=case)
        ledger.record("bad_input", "role-" + case.id, problems, owner="harden", argument=case.argument,
                      why=case.why, path="ansible-playbook (role, test host)")
        failures.extend("%s: %s" % (case.id, problem) for problem in problems)
    for label, (dummy, named) in LOCKOUTS.items():
        problems = judge_refused_before_acting(refusal_of(run, label), names=named)
        ledger.record("hardening", "lockout refused: %s" % label, problems, check="lockout")
        failures.extend("lockout %s: %s" % (label, problem) for problem in problems)
    problems = judge_run_by_nokey(refusal_of(run, RUN_BY_NOKEY))
    still = password_login(host, NOKEY, NOKEY_PASSWORD)
    if still is not None and still.returncode != 0:
        problems.append("%s's password login no longer works: %s" % (NOKEY, still.stderr.strip()))
    ledger.record("hardening", "lockout refused: %s" % RUN_BY_NOKEY, problems, check="lockout")
    failures.extend("lockout %s: %s" % (RUN_BY_NOKEY, problem) for problem in problems)
    try:
        after = host.files()
    except LockedOut as lost:
        after = {}
        failures.append("a run locked the login out: %s" % lost)
    changed = role_attempt.changed_files(before, after)
    if changed and after:
        failures.append("files changed by refused runs: %s" % changed[:20])
    ledger.record("hardening", "refused runs changed no file", ["changed: %s" % changed[:20]] if changed else [],
                  check="checksums", files=len(before))
    if not host.can_log_in():
        failures.append("the login no longer works after the refused runs")
    assert not failures, "\n".join(failures) + "\n" + run.output[-3000:]


class _NoMaterials:
    """The harden cases use no placeholders; huge strings are still made."""

    def resolve(self, value):
        if isinstance(value, dict):
            if set(value) == {"huge"}:
                return "a" * value["huge"]
            return dict((key, self.resolve(item)) for key, item in value.items())
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value


def test_an_sshd_value_sshd_rejects_leaves_the_old_configuration(host, tmp_path, ledger):
    before = host.files(SSHD_FILES)
    effective_before = host.ssh("sshd -T").stdout
    # LogLevel LOUD passes the role's own checks (one keyword, one line); only sshd -t knows it is wrong.
    run = host.run(play(host, attempt("bad sshd value", {"harden_ssh_overrides": {"LogLevel": "LOUD"},
                                                         "harden_report_controller_dir": ""})),
                   tmp_path, extra_args=["--tags", "harden_ssh"])
    refusal = refusal_of(run, "bad sshd value")
    problems = []
    if refusal is None:
        problems.append("the role accepted an sshd value sshd rejects")
    elif "sshd" not in refusal["failed_task"] or "LOUD" not in refusal["message"] + json.dumps(run.results):
        problems.append("not stopped by the sshd validation: %s" % refusal)
    if host.files(SSHD_FILES) != before:
        problems.append("the sshd configuration changed")
    if host.ssh("sshd -T").stdout != effective_before:
        problems.append("the settings sshd uses changed")
    if not host.sshd_active():
        problems.append("sshd is no longer running")
    if not host.can_log_in():
        problems.append("the login no longer works")
    ledger.record("hardening", "sshd value sshd rejects: old configuration kept", problems, check="sshd validation")
    assert not problems, "\n".join(problems) + "\n" + run.output[-3000:]


def test_a_broken_sshd_dropin_on_the_host_is_refused_and_left_alone(host, tmp_path, ledger):
    dropin = "/etc/ssh/sshd_config.d/50-reliability-broken.conf"
    made = host.ssh("printf \"NoSuchKeyword yes\\n\" > %s" % dropin)
    assert made.returncode == 0, made.stderr
    try:
        before = host.files()
        run = host.run(play(host, attempt("broken drop-in", {"harden_report_controller_dir": ""})), tmp_path)
        refusal = refusal_of(run, "broken drop-in")
        problems = judge_refused_before_acting(refusal)
        if refusal is not None and "sshd" not in refusal["message"]:
            problems.append("the refusal does not say sshd's configuration is broken: %r" % refusal["message"])
        after = host.files()
        changed = role_attempt.changed_files(before, after)
        if changed:
            problems.append("files changed: %s" % changed[:20])
        if not host.sshd_active():
            problems.append("sshd is no longer running")
        if not host.can_log_in():
            problems.append("the login no longer works")
        ledger.record("hardening", "broken sshd drop-in on the host: refused, nothing changed", problems,
                      check="existing broken configuration")
        assert not problems, "\n".join(problems) + "\n" + run.output[-3000:]
    finally:
        host.ssh("rm -f %s" % dropin)
