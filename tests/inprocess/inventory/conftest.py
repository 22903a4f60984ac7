"""Fixtures of the inventory plugin's in-process tests (see inprocess.py)."""

import pytest

from tests.fake_clock import EmulatorClock
from tests.inprocess.inventory.inprocess import InProcessInventory


@pytest.fixture
def inventory(gce_emulator, session_service_account_file, tmp_path, monkeypatch):
    """An InProcessInventory on a freshly reset emulator, authenticated with a registered service-account key.

    The plugin runs on a fake clock shared with the emulator (tests/fake_clock.py): its pauses between
    retries take no time and move both clocks on.
    """
    EmulatorClock(gce_emulator.admin).install_in_inventory(monkeypatch)
    return InProcessInventory(gce_emulator, session_service_account_file, tmp_path, monkeypatch)
