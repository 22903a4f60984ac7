"""Fixtures of the inventory plugin's in-process tests (see inprocess.py)."""

import pytest

from tests.unit.plugins.inventory.inprocess import InProcessInventory


@pytest.fixture
def inventory(gce_emulator, session_service_account_file, tmp_path, monkeypatch):
    """An InProcessInventory on a freshly reset emulator, authenticated with a registered service-account key."""
    return InProcessInventory(gce_emulator, session_service_account_file, tmp_path, monkeypatch)
