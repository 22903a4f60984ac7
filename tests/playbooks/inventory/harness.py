"""Run the real ``ansible-inventory`` on a ``*.gce.yml`` file against the emulator, and read its answer.

``InventoryHarness.run(config)`` writes the configuration (the emulator's
``api_endpoint`` added unless the test gives its own), runs
``ansible-inventory -i <dir>/<name> --list`` (or ``--graph``) with this
virtual environment's bin first on PATH and the collection from
``tests.conftest.collections_path()``, and returns an InventoryRun.
A source that fails to parse makes ansible-inventory exit non-zero
(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED), so a broken plugin cannot pass
as an empty inventory. ``calls()`` reads the emulator's request log.
"""

import json
import os
import subprocess

import yaml

from tests.playbooks.playbook import VENV_BIN, AnsibleCommandRun, ansible_environment

# A developer's own Google settings never reach a test.
GCP_ENVIRONMENT = (
    "GCP_PROJECT", "GCP_AUTH_KIND", "GCP_SERVICE_ACCOUNT_FILE", "GCP_SERVICE_ACCOUNT_CONTENTS",
    "GCP_SERVICE_ACCOUNT_EMAIL", "GCP_ACCESS_TOKEN", "GCP_SCOPES", "GCP_API_ENDPOINT",
    "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
)

PLUGIN_LABEL = "confidential.tdx.gce inventory"
OTHER_PROJECT = "tdx-other-project"


def unwrap(value):
    """ansible-inventory's JSON with the {"__ansible_unsafe": v} wrappers of untrusted strings removed."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, unwrap(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


class InventoryRun(AnsibleCommandRun):
    def __init__(self, command, completed):
        super(InventoryRun, self).__init__(completed.returncode, completed.stdout, completed.stderr)
        self.command = command

    @property
    def data(self):
        assert self.ok, self.output[-4000:]
        # With -v and more, ansible-inventory prints its version and config before the JSON.
        start = 0 if self.stdout.startswith("{") else self.stdout.index("\n{") + 1
        return unwrap(json.loads(self.stdout[start:]))

    @property
    def hostvars(self):
        return self.data["_meta"]["hostvars"]

    @property
    def hosts(self):
        return set(self.hostvars)

    def group(self, name):
        """Hosts directly in group ``name`` (empty set when the group does not exist)."""
        return set(self.data.get(name, {}).get("hosts", ()))

    def groups(self):
        return set(name for name in self.data if name != "_meta")

    def names(self):
        """{inventory host name: instance name}."""
        return dict((host, variables["gce"]["name"]) for host, variables in self.hostvars.items())

    def warnings(self):
        return [line for line in self.stderr.splitlines() if "[WARNING]" in line]

    def plugin_error_lines(self):
        """Lines of the output that carry the plugin's own error message."""
        return [line for line in self.output.splitlines() if PLUGIN_LABEL in line]


def aggregated_path(project):
    """The path of the Compute API's aggregated instance list of ``project``, as the emulator logs it."""
    return "/compute/v1/projects/%s/aggregated/instances" % project


class InventoryHarness:
    # Ansible's jsonfile cache plugin by its FQCN, as users write it.
    CACHE_PLUGIN = "ansible.builtin.jsonfile"

    def __init__(self, emulator, service_account_file, tmp_path):
        self.emulator = emulator
        self.admin = emulator.admin
        self.project = emulator.project
        self.service_account_file = service_account_file
        self.tmp_path = tmp_path

    def config(self, **options):
        """A plugin configuration for the emulator, authenticated with the test's key file."""
        config = {
            "plugin": "confidential.tdx.gce",
            "projects": [self.project],
            "api_endpoint": self.emulator.base_url,
            "service_account_file": str(self.service_account_file),
        }
        config.update(options)
        return dict((key, value) for key, value in config.items() if value is not None)

    def cached_config(self, **options):
        """config() over both projects, answers kept in a jsonfile cache in the test's directory.

        The cache directory keeps its path from run to run, so a later run reads what an earlier one wrote.
        """
        return self.config(projects=[self.project, OTHER_PROJECT], cache=True, cache_plugin=self.CACHE_PLUGIN,
                           cache_connection=os.path.join(str(self.tmp_path), "cache"), **options)

    def run(self, config, args=("--list",), name="fleet.gce.yml", env=None, verbosity=0, timeout=300):
        # The source keeps its path from run to run, as a user's file does: the
        # inventory cache is keyed on it.
        sources = os.path.join(str(self.tmp_path), "sources")
        os.makedirs(sources, exist_ok=True)
        source = os.path.join(sources, name)
        workdir = os.path.join(str(self.tmp_path), "run-%d" % len(os.listdir(str(self.tmp_path))))
        os.makedirs(workdir)
        with open(source, "w") as handle:
            yaml.safe_dump(config, handle, default_flow_style=False)
        removed = {variable: None for variable in GCP_ENVIRONMENT}
        run_env = ansible_environment(workdir, {"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"},
                                      dict(removed, **(env or {})))
        command = [os.path.join(VENV_BIN, "ansible-inventory"), "-i", source] + list(args)
        if verbosity:
            command.append("-" + "v" * verbosity)
        completed = subprocess.run(command, env=run_env, cwd=workdir, capture_output=True, text=True,
                                   timeout=timeout)
        return InventoryRun(command, completed)

    # The emulator

    def fresh(self):
        """The emulator as the gce_emulator fixture hands it to a test: no instances, faults or calls logged."""
        self.admin.reset()

    def load(self, instances):
        self.admin.load_state({"instances": instances})

    def calls(self):
        """Compute API calls in the emulator's log (token calls left out)."""
        return [entry for entry in self.admin.requests() if entry["path"].startswith("/compute/")]

    def list_calls(self):
        return [entry for entry in self.calls() if entry["method"] == "GET" and entry["path"].endswith("/instances")]

    def tdx_names(self, projects=None):
        """Names of the TDX instances the emulator holds, read from its own state."""
        return set(
            instance["name"] for instance in self.admin.instances()
            if (instance.get("confidentialInstanceConfig") or {}).get("confidentialInstanceType") == "TDX"
            and (projects is None or instance["project"] in projects))


def instance(name, zone="us-central1-a", status="RUNNING", kind="TDX", internal_ip=None, external_ip=None,
             project=None, machine_type=None, labels=None):
    """An instance as the emulator's load_state takes it (API JSON shape)."""
    body = {"name": name, "zone": zone, "status": status}
    if project:
        body["project"] = project
    if kind == "TDX":
        body["confidentialInstanceConfig"] = {"confidentialInstanceType": "TDX"}
        body["scheduling"] = {"onHostMaintenance": "TERMINATE", "automaticRestart": True}
        body["machineType"] = machine_type or "c3-standard-4"
    elif kind:
        body["confidentialInstanceConfig"] = {"confidentialInstanceType": kind}
        body["machineType"] = machine_type or "n2d-standard-4"
    else:
        body["machineType"] = machine_type or "n2-standard-4"
    interface = {}
    if internal_ip:
        interface["networkIP"] = internal_ip
    if external_ip:
        interface["accessConfigs"] = [{"type": "ONE_TO_ONE_NAT", "name": "External NAT", "natIP": external_ip}]
    if interface:
        body["networkInterfaces"] = [interface]
    if labels:
        body["labels"] = labels
    return body


# Host name each TDX instance of mixed_fleet() gets with the plugin's default hostnames
# (public_ip, private_ip, name), written out by hand rather than derived, so a test checks the plugin's choice.
MIXED_FLEET_DEFAULT_HOSTNAME = {
    "web-1": "203.0.113.10",
    "db-1": "10.128.0.11",
    "web-2": "203.0.113.12",
    "batch-1": "batch-1",
    "batch-2": "10.128.0.15",
    "archive-1": "10.128.0.14",
    "paused-1": "10.164.0.16",
}


def mixed_fleet():
    """TDX and other instances across zones, states and two projects, with and without IP addresses."""
    return [
        instance("web-1", "us-central1-a", internal_ip="10.128.0.10", external_ip="203.0.113.10",
                 labels={"role": "web"}),
        instance("db-1", "us-central1-b", internal_ip="10.128.0.11", labels={"role": "db"}),
        instance("web-2", "europe-west4-a", status="STOPPING", internal_ip="10.164.0.12",
                 external_ip="203.0.113.12", labels={"role": "web"}),
        instance("batch-1", "asia-southeast1-a", status="PROVISIONING"),
        instance("batch-2", "us-central1-a", status="STAGING", internal_ip="10.128.0.15"),
        instance("archive-1", "us-central1-c", status="TERMINATED", internal_ip="10.128.0.14"),
        instance("paused-1", "europe-west4-b", status="SUSPENDING", internal_ip="10.164.0.16"),
        instance("sev-1", "us-central1-a", kind="SEV", internal_ip="10.128.0.20"),
        instance("plain-1", "us-east1-b", kind=None, internal_ip="10.142.0.21", external_ip="203.0.113.21"),
        instance("other-1", "us-central1-a", project=OTHER_PROJECT, internal_ip="10.200.0.2"),
    ]
