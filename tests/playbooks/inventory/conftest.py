"""Fixtures of the inventory integration tests (see harness.py)."""

import pytest

from tests.playbooks.inventory.harness import InventoryHarness


@pytest.fixture
def inventory(gce_emulator, session_service_account_file, tmp_path):
    """An InventoryHarness on a freshly reset emulator, authenticated with a registered service-account key."""
    return InventoryHarness(gce_emulator, session_service_account_file, tmp_path)
