"""Fixtures of the reliability tests (the ``ledger`` fixture comes from tests/reliability/ledger.py)."""

import pytest

from tests.integration.gce.harness import GceHarness


@pytest.fixture
def gce(gce_emulator, access_token, tmp_path):
    """A GceHarness (tests/integration/gce/harness.py) on a freshly reset emulator, token in the environment."""
    return GceHarness(gce_emulator, access_token, tmp_path)
