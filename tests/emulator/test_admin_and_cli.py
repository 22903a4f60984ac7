"""The admin interface, the request log, and the command line launcher."""

import os
import signal
import subprocess
import sys

import pytest
import requests

from gce_emulator import EmulatorServer
from gce_emulator.admin import AdminCallError

from .helpers import ZONE, tdx_instance

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The command line, as docs/emulator.md gives it: run from the repository's root.
LAUNCHER = [sys.executable, "-m", "tools.gce_emulator"]


def test_the_request_log_shows_which_calls_were_made(compute, gce_emulator):
    compute.create(tdx_instance("tdx-logged", labels={"env": "prod"}))
    log = gce_emulator.admin.requests()
    insert = log[0]
    assert (insert["method"], insert["path"]) == (
        "POST", "/compute/v1/projects/tdx-test-project/zones/us-central1-a/instances")
    assert insert["body"]["labels"] == {"env": "prod"}
    assert insert["body"]["confidentialInstanceConfig"] == {"confidentialInstanceType": "TDX"}
    assert "x-goog-api-client" in {name.lower() for name in insert["headers"]}
    assert [entry["path"].rsplit("/", 1)[-1] for entry in log[1:]][-1] == "tdx-logged"
    gce_emulator.admin.clear_requests()
    assert gce_emulator.admin.requests() == []


def test_state_round_trips_and_reset_empties_it(gce_emulator, compute):
    gce_emulator.admin.load_state({"instances": [
        {"name": "loaded-1", "zone": ZONE, "labels": {"env": "prod"}},
        {"name": "loaded-2", "zone": "zones/europe-west4-b", "status": "TERMINATED", "project": "other-project"},
    ]})
    assert compute.get("loaded-1").status == "RUNNING"
    held = {(i["project"], i["name"]) for i in gce_emulator.admin.instances()}
    assert held == {("tdx-test-project", "loaded-1"), ("other-project", "loaded-2")}
    gce_emulator.admin.set_faults([{"kind": "503", "count": 5}])
    gce_emulator.admin.configure(operation_seconds=9)
    gce_emulator.admin.reset()
    assert gce_emulator.admin.instances() == []
    assert gce_emulator.admin.faults() == []
    assert gce_emulator.admin.config()["operation_seconds"] == 0.3
    assert compute.list_names() == []  # keys survive a reset


def test_bad_admin_input_is_refused(gce_emulator):
    with pytest.raises(AdminCallError, match="unknown settings: colour"):
        gce_emulator.admin.configure(colour="blue")
    with pytest.raises(AdminCallError, match="unknown zone"):
        gce_emulator.admin.load_state({"instances": [{"name": "x", "zone": "mars-1a"}]})


def test_the_library_server_is_a_context_manager():
    with EmulatorServer(port=0, operation_seconds=0) as server:
        assert requests.get(server.base_url + "/compute/v1/projects/p/zones", timeout=10).status_code == 401
        assert server.admin.config()["operation_seconds"] == 0


@pytest.mark.integration
def test_the_launcher_prints_its_url_and_stops_on_sigterm(tmp_path):
    key_file = tmp_path / "sa.json"
    process = subprocess.Popen(
        LAUNCHER + ["--port", "0", "--operation-seconds", "0.1", "--write-service-account", str(key_file),
                    "--stocked-out-zone", "us-central1-c", "--cpu-quota", "us-central1=8"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert requests.get(base_url + "/compute/v1/projects/p/zones", timeout=10).status_code == 401
        config = requests.get(base_url + "/_emulator/config", timeout=10).json()
        assert config["stocked_out_zones"] == ["us-central1-c"]
        assert config["cpu_quota"] == {"us-central1": 8}
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert '"token_uri": "%s/token"' % base_url in key_file.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
