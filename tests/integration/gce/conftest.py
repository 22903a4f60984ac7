"""Fixtures of the gce integration tests (see harness.py)."""

import pytest

from tests.integration.gce.harness import GceHarness


@pytest.fixture
def gce(gce_emulator, access_token, tmp_path):
    """A GceHarness on a freshly reset emulator, with an access token in the environment."""
    return GceHarness(gce_emulator, access_token, tmp_path)
