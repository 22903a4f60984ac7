"""A private data directory laid out as AWX lays it for a job, and ansible-runner run on it.

AWX (and Automation Controller) hands ansible-runner one directory per job:

    project/        the project's checkout: the playbooks of the job template
    inventory/hosts the job's inventory: a script printing, as JSON, what the inventory's sources
                    gave at their last sync (here the static fleet file and the gce inventory plugin)
    env/extravars   the job's extra variables (survey, template, launch)
    env/envvars     environment variables: what credentials inject, plus the job's own
    env/ssh_key     the machine credential's key; runner loads it into an ssh-agent
    env/cmdline     further ansible-playbook options, such as the machine credential's -u USER
    env/tmpXXXXXXXX a cloud credential's file (the GCE injector writes its key here)
    artifacts/IDENT what runner leaves: job_events/*.json, stdout, rc, status

The Google Compute Engine credential is injected as AWX's injector does it
(awx/main/models/credential/injectors.py, ``gce``): a key file with
type, private_key, client_email, project_id and token_uri, and the
environment variables GCE_EMAIL, GCE_PROJECT, GCE_CREDENTIALS_FILE_PATH,
GCP_SERVICE_ACCOUNT_FILE, GCP_AUTH_KIND=serviceaccount, GCP_PROJECT and
GCP_ENV_TYPE=tower. The collection's options fall back to exactly those
GCP_* variables (plugins/doc_fragments/gce.py), so the job needs no
``tdx_gcp``. Two things differ from a real AWX job, both because the cloud
is the emulator: the key's token_uri is the emulator's token endpoint (AWX
writes Google's), and GCP_API_ENDPOINT points the collection at the
emulator. The collection comes from ANSIBLE_COLLECTIONS_PATH in
env/envvars, where AWX puts the collections it installed from the
project's collections/requirements.yml.
"""

import glob
import json
import os
import subprocess
import tempfile

import yaml

from tests.conftest import collections_path
from tests.fixtures.gce_emulator import TOOLS_DIR  # noqa: F401  (puts tools/ on sys.path for gce_emulator)
from tests.hosts.fleet.harness import FLEET_GROUP, FLEET_LABEL, TDX_ZONES, TESTHOSTS_STATE
from tests.inprocess.gce.harness import GCP_ENVIRONMENT
from tests.playbooks.playbook import VENV_BIN
from gce_emulator.service_account import make_service_account  # noqa: E402

# AWX asks for playbooks by path in the project; the project's playbooks import the collection's.
PROJECT_PLAYBOOKS = {
    "site.yml": [{"ansible.builtin.import_playbook": "confidential.tdx.site"}],
    "verify.yml": [{"ansible.builtin.import_playbook": "confidential.tdx.verify"}],
}
MACHINE_USER = "tester"   # the test user of tools/testhosts (docs/testing.md)
HOST_VARS = {
    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
    "ansible_python_interpreter": "/usr/bin/python3",
}


def _write(path, data, mode=0o640):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as handle:
        if isinstance(data, str):
            handle.write(data)
        else:
            yaml.safe_dump(data, handle, default_flow_style=False)


class AwxJob:
    """One job's private data directory, on the emulator (backing mode) and its test hosts."""

    def __init__(self, root, emulator, hosts, group_vars=None, extravars=None, report_dir=None):
        self.root = str(root)
        self.emulator = emulator
        self.hosts = hosts
        self.group_vars = group_vars or {}
        self.extravars = extravars or {}
        self.report_dir = str(report_dir or os.path.join(self.root, "reports"))
        self.sources = os.path.join(self.root, "inventory-sources")
        self.envvars = {}

    def write(self):
        for name, plays in PROJECT_PLAYBOOKS.items():
            _write(os.path.join(self.root, "project", name), plays)
        fleet_vars = dict(HOST_VARS)
        fleet_vars.update({
            "provision_instance_defaults": {"zones": list(TDX_ZONES), "labels": {"tdx-fleet": FLEET_LABEL}},
            "provision_wait_timeout": 300,
        })
        fleet_vars.update(self.group_vars)
        _write(os.path.join(self.sources, "fleet.yml"), {FLEET_GROUP: {
            "hosts": dict((name, {"tdx_instance": entry} if entry else {}) for name, entry in self.hosts.items()),
            "vars": fleet_vars}})
        # The inventory plugin source takes its credential from the environment, as AWX injects it.
        _write(os.path.join(self.sources, "fleet.gce.yml"), {
            "plugin": "confidential.tdx.gce", "projects": [self.emulator.project],
            "filters": ['labels.tdx-fleet = "%s"' % FLEET_LABEL], "hostnames": ["name"],
            "compose": {"ansible_host": "gce.external_ip or gce.internal_ip"}})
        extravars = {"tdx_report_dir": self.report_dir}
        extravars.update(self.extravars)
        _write(os.path.join(self.root, "env", "extravars"), extravars)
        envvars = self.inject_gce_credential()
        envvars.update({
            "GCP_API_ENDPOINT": self.emulator.base_url,
            "ANSIBLE_COLLECTIONS_PATH": collections_path(),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
        })
        _write(os.path.join(self.root, "env", "envvars"), envvars)
        self.envvars = envvars
        # The machine credential: the key goes to runner's ssh-agent, the user onto the command line.
        with open(os.path.join(TESTHOSTS_STATE, "id_ed25519")) as handle:
            _write(os.path.join(self.root, "env", "ssh_key"), handle.read(), mode=0o600)
        _write(os.path.join(self.root, "env", "cmdline"), "-u %s" % MACHINE_USER)
        return self.sync_inventory()

    def sync_inventory(self):
        """What AWX's inventory update does: read the sources, keep the result as the job's inventory script."""
        env = self.process_env()
        env.update(self.envvars)
        env["ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED"] = "true"
        completed = subprocess.run([os.path.join(VENV_BIN, "ansible-inventory"), "-i", self.sources, "--list"],
                                   env=env, capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, completed.stderr
        _write(os.path.join(self.root, "inventory", "hosts"),
               "#!/usr/bin/env python3\nprint(%r)\n" % completed.stdout, mode=0o750)
        return self

    def inject_gce_credential(self):
        """The key file and environment AWX's Google Compute Engine credential type injects."""
        key = make_service_account(self.emulator.admin, self.emulator.project, name="awx-job")
        credential = {"type": "service_account", "private_key": key.private_key_pem,
                      "client_email": key.client_email, "project_id": key.project_id,
                      "token_uri": key.key_file_json(self.emulator.base_url)["token_uri"]}
        os.makedirs(os.path.join(self.root, "env"), exist_ok=True)
        descriptor, path = tempfile.mkstemp(dir=os.path.join(self.root, "env"))
        with os.fdopen(descriptor, "w") as handle:
            json.dump(credential, handle, indent=2)
        os.chmod(path, 0o660)
        return {"GCE_EMAIL": key.client_email, "GCE_PROJECT": key.project_id, "GCE_CREDENTIALS_FILE_PATH": path,
                "GCP_SERVICE_ACCOUNT_FILE": path, "GCP_AUTH_KIND": "serviceaccount",
                "GCP_PROJECT": key.project_id, "GCP_ENV_TYPE": "tower"}

    # -- running ----------------------------------------------------------------------
    def command(self, playbook, ident, limit=None):
        """``ansible-runner run`` of a playbook of the project, as AWX's worker starts it."""
        command = [os.path.join(VENV_BIN, "ansible-runner"), "run", self.root, "-p", playbook, "--ident", ident]
        if limit:
            command += ["--limit", limit]
        return command

    def process_env(self):
        """The runner process's own environment: this venv's tools, and no cloud credential of the caller."""
        env = dict(os.environ)
        for name in GCP_ENVIRONMENT:
            env.pop(name, None)
        env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
        return env

    def run_cli(self, playbook, ident, limit=None, timeout=1500):
        completed = subprocess.run(self.command(playbook, ident, limit), env=self.process_env(),
                                   capture_output=True, text=True, timeout=timeout, check=False)
        return Artifacts(self.root, ident, completed.returncode, completed.stdout + completed.stderr)

    # -- what came out ----------------------------------------------------------------
    def report(self, report_dir=None):
        with open(os.path.join(report_dir or self.report_dir, "fleet-report.json")) as handle:
            return json.load(handle)


class Artifacts:
    """What ansible-runner left in artifacts/IDENT: rc, status, stdout and the job events."""

    def __init__(self, root, ident, returncode=None, output=""):
        self.dir = os.path.join(root, "artifacts", ident)
        self.returncode = returncode
        self.output = output

    def read(self, name):
        with open(os.path.join(self.dir, name)) as handle:
            return handle.read().strip()

    @property
    def rc(self):
        return int(self.read("rc"))

    @property
    def status(self):
        return self.read("status")

    def events(self):
        """Every job event, in the order runner numbered them."""
        events = []
        for path in glob.glob(os.path.join(self.dir, "job_events", "*.json")):
            with open(path) as handle:
                events.append(json.load(handle))
        return sorted(events, key=lambda event: event["counter"])

    def host_events(self, task, event=None):
        """{host: [event name]} of a task's per-host results (runner_on_ok, runner_on_failed, ...; not the starts)."""
        found = {}
        for entry in self.events():
            data = entry.get("event_data", {})
            if entry["event"] == "runner_on_start":
                continue
            if data.get("task") == task and data.get("host") and (event is None or entry["event"] == event):
                found.setdefault(data["host"], []).append(entry["event"])
        return found

    def stats(self):
        """The playbook_on_stats event's data: ok, changed, failures, dark, ... by host."""
        stats = [entry["event_data"] for entry in self.events() if entry["event"] == "playbook_on_stats"]
        assert len(stats) == 1, "runner recorded %d stats events\n%s" % (len(stats), self.output[-3000:])
        return stats[0]

    def stdout(self):
        return self.read("stdout")
