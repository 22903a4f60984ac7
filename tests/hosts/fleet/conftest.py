"""Fixtures of the fleet tests: the emulator in backing mode (real test hosts) and a FleetHarness.

Needs root, systemd-nspawn and (to build the cached base image the first
time) debootstrap; the tests skip, saying which is missing, otherwise.
"""

import os
import subprocess
import sys

import pytest

from tests.fixtures.gce_emulator import DEFAULT_PROJECT, EmulatorHandle, TOOLS_DIR
from tests.fixtures.testhosts import missing_for_test_hosts
from tests.hosts.fleet.harness import FleetHarness

sys.path.insert(0, TOOLS_DIR)
from gce_emulator import EmulatorServer  # noqa: E402  (needs TOOLS_DIR on sys.path)
from gce_emulator.service_account import write_service_account_file  # noqa: E402
from testhosts.sshkeys import ensure_client_key  # noqa: E402

TESTHOSTS = os.path.join(TOOLS_DIR, "testhosts", "testhosts")


@pytest.fixture(scope="module")
def backed_emulator():
    """An emulator whose instances are real test hosts; its shutdown removes every host it started."""
    missing = missing_for_test_hosts()
    if missing:
        pytest.skip(missing)
    # Build (or find) the base image first, so that no instance's boot waits on it.
    base = subprocess.run([TESTHOSTS, "base"], capture_output=True, text=True, timeout=1800, check=False)
    assert base.returncode == 0, base.stderr
    # The test user's key pair is made with the first host; a job that lays out its
    # machine credential before any host has started (tests/hosts/awx) needs it now.
    ensure_client_key()
    server = EmulatorServer(port=0, operation_seconds=0.3, backing="testhosts").start()
    try:
        yield EmulatorHandle(server, DEFAULT_PROJECT)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def backed_key(backed_emulator, tmp_path_factory):
    path = tmp_path_factory.mktemp("fleet-key") / "service-account.json"
    write_service_account_file(backed_emulator.admin, backed_emulator.base_url, str(path), DEFAULT_PROJECT,
                               name="tdx-fleet")
    return str(path)


@pytest.fixture
def fleet(gce_emulator, session_service_account_file, tmp_path):
    """A FleetHarness on the plain emulator (no test hosts behind its instances)."""
    return FleetHarness(gce_emulator, session_service_account_file, tmp_path, gce_emulator.project)
