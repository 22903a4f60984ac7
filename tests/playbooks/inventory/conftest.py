"""Fixtures of the inventory integration tests (see harness.py)."""

import pytest

from tests.fixtures.gce_emulator import DEFAULT_PROJECT, EmulatorHandle
from tests.playbooks.inventory.harness import InventoryHarness


@pytest.fixture
def inventory(gce_emulator, session_service_account_file, tmp_path):
    """An InventoryHarness on a freshly reset emulator, authenticated with a registered service-account key."""
    return InventoryHarness(gce_emulator, session_service_account_file, tmp_path)


@pytest.fixture(scope="module")
def module_inventory(gce_emulator_server, session_service_account_file, tmp_path_factory):
    """An InventoryHarness for the runs a module makes once and every test of it reads.

    Tests in between reset the emulator: a module fixture calls ``fresh()``
    and loads its fleet right before its run, and keeps the run's result.
    """
    return InventoryHarness(EmulatorHandle(gce_emulator_server, DEFAULT_PROJECT), session_service_account_file,
                            tmp_path_factory.mktemp("inventory"))
