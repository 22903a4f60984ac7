"""Roles on real test hosts (docs/testing.md): verify against ``ansible -m ping``, harden against ``-m setup``."""

import os
import shutil
import subprocess

from .ansible_env import REPO, AnsibleEnv
from .measure import Row, Side, alternate, skipped_row

TESTHOSTS = os.path.join(REPO, "tools", "testhosts", "testhosts")
VERIFY_HOSTS = ["bench-v%d" % number for number in range(1, 11)]
HARDEN_HOSTS = ["bench-h%d" % number for number in range(1, 5)]

VERIFY_TARGET = ("<= 1.5x", lambda row: row.ratio <= 1.5)
HARDEN_RERUN_TARGET = ("<= 3x", lambda row: row.ratio <= 3.0)


def unavailable():
    """Why the test hosts cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root for the test hosts (systemd-nspawn)"
    if not shutil.which("systemd-nspawn"):
        return "systemd-nspawn is missing (apt-get install systemd-container)"
    return None


class TestHosts:
    """Containers started with tools/testhosts, removed again on exit."""

    def __init__(self, names, inventory):
        self.names = names
        self.inventory = inventory

    def __enter__(self):
        subprocess.run([TESTHOSTS, "down"] + self.names, capture_output=True, text=True)
        completed = subprocess.run([TESTHOSTS, "up"] + self.names + ["--inventory", self.inventory,
                                                                      "--group", "bench"],
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError("testhosts up failed: %s" % (completed.stdout + completed.stderr)[-2000:])
        return self

    def __exit__(self, *exc_info):
        subprocess.run([TESTHOSTS, "down"] + self.names, capture_output=True, text=True)


class HostSuite:
    def __init__(self, workdir, quick, log):
        self.workdir = workdir
        self.quick = quick
        self.log = log
        self.runs = 2 if quick else 5
        self.first_runs = 1 if quick else 2

    @staticmethod
    def skipped_rows(name, reason):
        if name == "verify":
            return [skipped_row("verify, %d hosts" % len(VERIFY_HOSTS), "role verify", "ansible -m ping", reason,
                                VERIFY_TARGET)]
        return [skipped_row("harden first run, %d hosts" % len(HARDEN_HOSTS), "role harden", "ansible -m setup",
                            reason),
                skipped_row("harden rerun, %d hosts" % len(HARDEN_HOSTS), "role harden", "ansible -m setup",
                            reason, HARDEN_RERUN_TARGET)]

    def settings(self, name):
        hosts = len(VERIFY_HOSTS if name == "verify" else HARDEN_HOSTS)
        extra = "" if name == "verify" else ", first run %d time(s) on fresh hosts" % self.first_runs
        return ("%s: %d systemd-nspawn test hosts, forks %d, pipelining and ControlPersist on, "
                "control sockets warm, %d runs each%s" % (name, hosts, hosts, self.runs, extra))

    def rows(self, name):
        return self.verify_rows() if name == "verify" else self.harden_rows()

    def verify_rows(self):
        env = AnsibleEnv(self.workdir, forks=len(VERIFY_HOSTS))
        inventory = os.path.join(self.workdir, "hosts.yml")
        reports = os.path.join(self.workdir, "reports")
        play = [{"name": "verify", "hosts": "bench", "gather_facts": False,
                 "roles": [{"role": "confidential.tdx.verify",
                            # Test hosts are containers, not trust domains: report, do not fail them.
                            "vars": {"verify_enforce": False, "verify_report_dir": reports}}]}]
        with TestHosts(VERIFY_HOSTS, inventory):
            def ping():
                env.run(["ansible", "bench", "-i", inventory, "-m", "ansible.builtin.ping"])

            def verify():
                env.playbook(play, inventory, name="verify.yml")

            ping()
            verify()  # warm the SSH control sockets of both, untimed
            self.log("  verify vs ping on %d hosts, x%d each" % (len(VERIFY_HOSTS), self.runs))
            verified, pinged = alternate(verify, ping, self.runs, self.runs, log=self.log)
        return [Row("verify, %d hosts" % len(VERIFY_HOSTS), Side("role verify", verified),
                    Side("ansible -m ping", pinged), target=VERIFY_TARGET)]

    def harden_rows(self):
        env = AnsibleEnv(self.workdir, forks=len(HARDEN_HOSTS))
        inventory = os.path.join(self.workdir, "hosts.yml")
        # The role gathers the few facts it reads itself (a subset), so the play gathers none.
        play = [{"name": "harden", "hosts": "bench", "gather_facts": False,
                 "roles": [{"role": "confidential.tdx.harden"}]}]

        def setup():
            env.run(["ansible", "bench", "-i", inventory, "-m", "ansible.builtin.setup"])

        def harden():
            env.playbook(play, inventory, name="harden.yml")

        first, first_setup = [], []
        for attempt in range(self.first_runs):
            with TestHosts(HARDEN_HOSTS, inventory):
                setup()  # warm the control sockets, untimed
                self.log("  harden first run on fresh hosts (%d of %d), against setup" % (attempt + 1,
                                                                                          self.first_runs))
                a, b = alternate(harden, setup, 1, 1, log=self.log)
                first.extend(a)
                first_setup.extend(b)
                if attempt == self.first_runs - 1:
                    self.log("  harden rerun vs setup, x%d each" % self.runs)
                    rerun, rerun_setup = alternate(harden, setup, self.runs, self.runs, log=self.log)
        return [Row("harden first run, %d hosts" % len(HARDEN_HOSTS), Side("role harden", first),
                    Side("ansible -m setup", first_setup)),
                Row("harden rerun, %d hosts" % len(HARDEN_HOSTS), Side("role harden", rerun),
                    Side("ansible -m setup", rerun_setup), target=HARDEN_RERUN_TARGET)]
