"""A fleet inventory on the Compute Engine emulator, and the collection's playbooks run against it.

``FleetHarness`` writes an inventory directory as docs/fleet.md describes
it (a static ``fleet.yml`` with each host's ``tdx_instance``, a
``fleet.gce.yml`` for the ``confidential.tdx.gce`` inventory plugin, and
group_vars with the connection and ``tdx_gcp``), runs
``confidential.tdx.<playbook>`` through the real ansible-playbook
(tests/playbooks/playbook.py), and reads the fleet report it writes.

With the emulator in backing mode (tools/gce_emulator/backing.py) every
instance is a real systemd test host, reached over real SSH as the test user
of tools/testhosts.
"""

import json
import os
import subprocess

import yaml

from tests.inprocess.gce.harness import GCP_ENVIRONMENT
from tests.playbooks.inventory.harness import unwrap
from tests.playbooks.playbook import VENV_BIN, run_playbook
from tests.conftest import collections_path

FLEET_GROUP = "tdx_fleet"
FLEET_LABEL = "fleet-under-test"
TDX_ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"]
TESTHOSTS_STATE = os.environ.get("TESTHOSTS_STATE") or "/run/confidential-tdx-testhosts"

# The test user of tools/testhosts (docs/testing.md) is how Ansible logs in to
# a backed instance; on Google Cloud this is OS Login or the ssh-keys metadata.
TEST_HOST_CONNECTION = {
    "ansible_user": "tester",
    "ansible_ssh_private_key_file": os.path.join(TESTHOSTS_STATE, "id_ed25519"),
    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
                               "-o IdentitiesOnly=yes",
    "ansible_python_interpreter": "/usr/bin/python3",
}

# A fast subset of the harden role for these tests: the SSH and account
# controls run (they prove that hardening over the backed hosts works and
# keeps the login), the rest is switched off; molecule/harden covers them all.
FAST_HARDEN = {
    "harden_swap_disable": False,
    "harden_kdump_disable": False,
    "harden_core_dumps_disable": False,
    "harden_serial_getty_disable": False,
    "harden_tdx_guest_device": False,
    "harden_sysctl": False,
    "harden_module_blacklist": False,
    "harden_unattended_upgrades": False,
    "harden_auditd": False,
    "harden_apparmor": False,
    "harden_login_defs": False,
    "harden_shm_mount": False,
    "harden_firewall": False,
}


class FleetHarness:
    def __init__(self, emulator, service_account_file, tmp_path, project):
        self.emulator = emulator
        self.admin = emulator.admin
        self.base_url = emulator.base_url
        self.service_account_file = str(service_account_file)
        self.tmp_path = tmp_path
        self.project = project
        self.inventory_dir = os.path.join(str(tmp_path), "inventory")
        self.report_dir = os.path.join(str(tmp_path), "reports")

    # -- the inventory ---------------------------------------------------------------
    def write_inventory(self, hosts, group_vars=None, gcp=None, host_vars=None):
        """``hosts``: {host name: tdx_instance dict or None}; group_vars merged over the fleet's defaults.

        ``host_vars``: {host name: variables} for single hosts (such as their own login).

        ``gcp`` replaces the key file in tdx_gcp (for example with an access_token).
        """
        os.makedirs(os.path.join(self.inventory_dir, "group_vars"), exist_ok=True)
        fleet = {FLEET_GROUP: {"hosts": dict(
            (name, dict((host_vars or {}).get(name, {}), **({"tdx_instance": entry} if entry else {})))
            for name, entry in hosts.items())}}
        fleet_vars = dict(TEST_HOST_CONNECTION)
        fleet_vars.update({
            "provision_instance_defaults": {"zones": list(TDX_ZONES), "labels": {"tdx-fleet": FLEET_LABEL}},
            "provision_wait_timeout": 300,
        })
        fleet_vars.update(group_vars or {})
        self._write("fleet.yml", fleet)
        self._write("fleet.gce.yml", self.plugin_config())
        credentials = gcp if gcp is not None else {"service_account_file": self.service_account_file}
        self._write("group_vars/all.yml", {"tdx_gcp": dict(
            credentials, project=self.project, api_endpoint=self.base_url)})
        self._write("group_vars/%s.yml" % FLEET_GROUP, fleet_vars)

    def plugin_config(self):
        return {
            "plugin": "confidential.tdx.gce",
            "projects": [self.project],
            "api_endpoint": self.base_url,
            "service_account_file": self.service_account_file,
            "filters": ['labels.tdx-fleet = "%s"' % FLEET_LABEL],
            "hostnames": ["name"],
            "compose": {"ansible_host": "gce.external_ip or gce.internal_ip"},
        }

    def _write(self, relative, data):
        with open(os.path.join(self.inventory_dir, relative), "w") as handle:
            yaml.safe_dump(data, handle, default_flow_style=False)

    # -- running ------------------------------------------------------------------------
    def env(self):
        return dict((name, None) for name in GCP_ENVIRONMENT)

    def playbook(self, name, extra_vars=None, check=False, verbosity=0, timeout=1500):
        """Run confidential.tdx.<name> on the fleet inventory; a PlaybookRun."""
        variables = {"tdx_report_dir": self.report_dir}
        variables.update(extra_vars or {})
        return self.plays([{"ansible.builtin.import_playbook": "confidential.tdx.%s" % name}],
                          extra_vars=variables, check=check, verbosity=verbosity, timeout=timeout)

    def plays(self, plays, extra_vars=None, check=False, verbosity=0, timeout=900):
        args = ["-i", self.inventory_dir]
        if extra_vars:
            args += ["-e", json.dumps(extra_vars)]
        return run_playbook(plays, self.tmp_path, env=self.env(), check=check, verbosity=verbosity,
                            extra_args=args, timeout=timeout)

    def inventory(self):
        """ansible-inventory --list of the fleet inventory, unwrapped."""
        run_env = dict(os.environ)
        for variable in GCP_ENVIRONMENT:
            run_env.pop(variable, None)
        run_env.update({"PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
                        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
                        "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
        completed = subprocess.run([os.path.join(VENV_BIN, "ansible-inventory"), "-i", self.inventory_dir, "--list"],
                                   env=run_env, capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, completed.stderr
        return unwrap(json.loads(completed.stdout))

    # -- what came out ------------------------------------------------------------------
    def report(self):
        with open(os.path.join(self.report_dir, "fleet-report.json")) as handle:
            return json.load(handle)

    def report_rows(self):
        return dict((row["host"], row) for row in self.report()["rows"])

    def report_text(self):
        with open(os.path.join(self.report_dir, "fleet-report.txt")) as handle:
            return handle.read()

    def instances(self):
        return dict((instance["name"], instance) for instance in self.admin.instances())

    def backing_hosts(self):
        return dict((row["instance"], row) for row in self.admin.backing_hosts())
