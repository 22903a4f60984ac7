"""Fixtures of the reliability tests (the ``ledger`` fixture comes from tests/reliability/ledger.py)."""

import pytest

from tests.inprocess.gce.harness import GceHarness


@pytest.fixture
def gce(gce_emulator, access_token, tmp_path):
    """A GceHarness (tests/inprocess/gce/harness.py) on a freshly reset emulator, token in the environment."""
    return GceHarness(gce_emulator, access_token, tmp_path)
