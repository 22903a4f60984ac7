"""Fixtures of the gce integration tests (see harness.py).

Tests run the modules in-process by default; a test marked ``playbook``
runs them through ansible-playbook: the end-to-end proof, and whatever
only Ansible does (credentials from the environment, no_log, output, -vvv).
"""

import pytest

from tests.integration.gce.harness import GceHarness, InProcessGceHarness


@pytest.fixture
def gce(request, gce_emulator, access_token, tmp_path):
    """A harness on a freshly reset emulator: InProcessGceHarness, or GceHarness for a test marked playbook."""
    harness = GceHarness if request.node.get_closest_marker("playbook") else InProcessGceHarness
    return harness(gce_emulator, access_token, tmp_path)
