"""Fixtures of the login tests: the emulator in backing mode with the google test-host variant.

Those hosts (tools/testhosts/google.py) run the real google-guest-agent and
OS Login of Debian 12, and the metadata server (tools/metadata_server)
answers each at 169.254.169.254 inside its own network namespace. Needs
root, systemd-nspawn and, to build the images the first time, debootstrap.
"""

import os
import subprocess
import sys

import pytest

from tests.fixtures.gce_emulator import DEFAULT_PROJECT, TOOLS_DIR, EmulatorHandle
from tests.fixtures.testhosts import missing_for_test_hosts
from tests.inprocess.gce.harness import GceHarness

sys.path.insert(0, TOOLS_DIR)
from gce_emulator import EmulatorServer  # noqa: E402  (needs TOOLS_DIR on sys.path)


VARIANT = "google"


@pytest.fixture(scope="module")
def google_emulator():
    """An emulator whose instances are google-variant test hosts; its shutdown removes them."""
    missing = missing_for_test_hosts()
    if missing:
        pytest.skip(missing)
    server = EmulatorServer(port=0, operation_seconds=0.3, backing="testhosts", backing_variant=VARIANT).start()
    try:
        yield EmulatorHandle(server, DEFAULT_PROJECT)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def gce(google_emulator, tmp_path_factory):
    """A GceHarness (the collection's modules through ansible-playbook) on that emulator."""
    token = google_emulator.admin.mint_access_token()
    return GceHarness(google_emulator, token, tmp_path_factory.mktemp("login-play"))


@pytest.fixture(scope="module")
def client_keys(tmp_path_factory):
    """Fresh ed25519 key pairs of the users who log in: {name: (private key path, public key text)}."""
    folder = tmp_path_factory.mktemp("login-keys")
    keys = {}
    for name in ("alice", "bob", "dana", "erin", "stranger"):
        path = folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
        keys[name] = (str(path), (folder / (name + ".pub")).read_text().strip())
    return keys
