"""Fixtures for the emulator's own tests: real clients with a service-account key."""

import pytest
from google.oauth2 import service_account

from .helpers import CLOUD_PLATFORM, FAST_OPERATION_SECONDS, Compute


@pytest.fixture
def sa_credentials(session_service_account_file):
    return service_account.Credentials.from_service_account_file(
        str(session_service_account_file), scopes=[CLOUD_PLATFORM])


@pytest.fixture
def compute(gce_emulator, sa_credentials):
    """Clients as a module builds them: service-account key file, emulator endpoint."""
    gce_emulator.admin.configure(operation_seconds=FAST_OPERATION_SECONDS)
    return Compute(gce_emulator, sa_credentials)
