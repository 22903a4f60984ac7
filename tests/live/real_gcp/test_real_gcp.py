"""The fleet chain against a real Google Cloud project: real TDX, so verify enforces.

Opt-in, because it creates a billable Intel TDX Confidential VM
(c3-standard-4) and deletes it again:

    CONFIDENTIAL_TDX_REAL_GCP=1 GCP_PROJECT=my-project \\
    GCP_SERVICE_ACCOUNT_FILE=~/key.json   (or GCP_ACCESS_TOKEN=$(gcloud auth print-access-token)) \\
    .venv/bin/pytest tests/live/real_gcp -ra

Optional: CONFIDENTIAL_TDX_ZONES (comma-separated, default
us-central1-a,us-central1-b,us-central1-c), CONFIDENTIAL_TDX_IMAGE (default
ubuntu-os-cloud/ubuntu-2204-lts), and CONFIDENTIAL_TDX_RECORD=FILE, which
sends every Compute API call of the run through a recording proxy and writes
the calls and Google's answers to FILE (no header, so no token; the project
replaced by a placeholder). Kept under tests/fixtures/recorded/, such a file
is replayed against the emulator by tests/inprocess/gce/test_recorded_responses.py. The credentials need Compute Instance
Admin on the project, and the instance's network must let this machine reach
port 22 (the default network's default-allow-ssh rule does).

What runs is what a user runs: the inventory plugin over the project (label
filter), confidential.tdx.site with verify enforcing, then
confidential.tdx.teardown, which runs whatever happened before. The test
makes its own SSH key and hands it to the instance through the ssh-keys
metadata, which the Ubuntu guest agent turns into a sudo user.
"""

import contextlib
import json
import os
import subprocess
import sys
import uuid

import pytest
import yaml

from tests.playbooks.playbook import run_playbook

OPT_IN = "CONFIDENTIAL_TDX_REAL_GCP"
RECORD = "CONFIDENTIAL_TDX_RECORD"
COMPUTE_ENDPOINT = "https://compute.googleapis.com"
TOOLS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))), "tools")
DEFAULT_ZONES = "us-central1-a,us-central1-b,us-central1-c"
DEFAULT_IMAGE = "ubuntu-os-cloud/ubuntu-2204-lts"
LOGIN_USER = "tdxit"


def missing_setup():
    """What is missing to run against real Google Cloud, or None."""
    missing = []
    if os.environ.get(OPT_IN) != "1":
        missing.append("%s=1 (it creates a billable TDX VM)" % OPT_IN)
    if not os.environ.get("GCP_PROJECT"):
        missing.append("GCP_PROJECT")
    if not (os.environ.get("GCP_SERVICE_ACCOUNT_FILE") or os.environ.get("GCP_ACCESS_TOKEN")):
        missing.append("GCP_SERVICE_ACCOUNT_FILE or GCP_ACCESS_TOKEN")
    if missing:
        return "real Google Cloud run not requested: set " + ", ".join(missing)
    return None


pytestmark = [pytest.mark.integration, pytest.mark.skipif(missing_setup() is not None, reason=str(missing_setup()))]


@contextlib.contextmanager
def recorded_calls(project):
    """The environment that sends the run's Compute API calls through a recording proxy, when asked for."""
    path = os.environ.get(RECORD)
    if not path:
        yield {}
        return
    if TOOLS_DIR not in sys.path:
        sys.path.insert(0, TOOLS_DIR)
    from api_recording import RecordingProxy  # noqa: E402  (tools/ is not a package of the tests)
    with RecordingProxy(COMPUTE_ENDPOINT, project) as proxy:
        try:
            yield {"GCP_API_ENDPOINT": proxy.base_url}
        finally:
            proxy.save(path)


@pytest.fixture
def real_fleet(tmp_path):
    """An inventory directory for one TDX instance in the project, and a teardown that always runs."""
    run_id = uuid.uuid4().hex[:8]
    label = "it-%s" % run_id
    host = "tdx-it-%s" % run_id
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", LOGIN_USER, "-f", str(key)], check=True)
    public_key = (tmp_path / "id_ed25519.pub").read_text().strip()
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    project = os.environ["GCP_PROJECT"]
    files = {
        "fleet.yml": {"tdx_fleet": {"hosts": {host: {}}}},
        "fleet.gce.yml": {
            "plugin": "confidential.tdx.gce", "projects": [project],
            "filters": ['labels.tdx-fleet = "%s"' % label], "hostnames": ["name"],
            "compose": {"ansible_host": "gce.external_ip or gce.internal_ip"},
        },
        "group_vars/all.yml": {"tdx_gcp": {"project": project}},
        "group_vars/tdx_fleet.yml": {
            "provision_instance_defaults": {
                "zones": os.environ.get("CONFIDENTIAL_TDX_ZONES", DEFAULT_ZONES).split(","),
                "image": os.environ.get("CONFIDENTIAL_TDX_IMAGE", DEFAULT_IMAGE),
                "labels": {"tdx-fleet": label},
                "metadata": {"ssh-keys": "%s:%s" % (LOGIN_USER, public_key)},
            },
            "ansible_user": LOGIN_USER,
            "ansible_ssh_private_key_file": str(key),
            # A new VM's host key is unknown; it is not written anywhere either.
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            "verify_enforce": True,
        },
    }
    for name, content in files.items():
        (inventory / name).write_text(yaml.safe_dump(content, default_flow_style=False))
    reports = tmp_path / "reports"

    with recorded_calls(project) as recording_env:
        def playbook(name, **extra):
            variables = dict({"tdx_report_dir": str(reports)}, **extra)
            return run_playbook([{"ansible.builtin.import_playbook": "confidential.tdx.%s" % name}], tmp_path,
                                env=recording_env, extra_args=["-i", str(inventory), "-e", json.dumps(variables)],
                                timeout=3600)

        try:
            yield host, playbook, reports
        finally:
            removed = playbook("teardown")
            assert removed.ok, "teardown failed; delete instance %s by hand:\n%s" % (host, removed.output[-3000:])


def test_the_chain_on_real_tdx(real_fleet):
    host, playbook, reports = real_fleet
    site = playbook("site", tdx_batch_size=1)
    assert site.ok, site.output[-5000:]
    report = json.loads((reports / "fleet-report.json").read_text())
    row = report["rows"][0]
    assert (row["host"], row["provisioned"], row["hardened"], row["verified"]) == (host, True, True, True), row
    assert report["rollout"] == "finished"

    # A fresh run knows the instance only through the inventory plugin: verify
    # reaches it at the address the API reports, and TDX is still proven.
    again = playbook("verify")
    assert again.ok, again.output[-5000:]
