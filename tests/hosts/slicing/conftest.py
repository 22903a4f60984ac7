"""The fleet tests' emulator in backing mode (real test hosts), for the sliced runs."""

from tests.hosts.fleet.conftest import backed_emulator  # noqa: F401  (a fixture, used by name)
