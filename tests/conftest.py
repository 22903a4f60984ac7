"""Make the collection importable as ``ansible_collections.confidential.tdx``.

Modules and module_utils import each other by their collection names, so unit
tests need the source tree to sit under an ``ansible_collections/confidential/``
parent. A symlink in build/ provides that without copying the sources.
"""

import os
import sys

import pytest

from tests.fixtures.testhosts import TEST_HOST_TIMEOUT_SECONDS

# The Compute Engine emulator's fixtures (gce_emulator, service_account_file, ...),
# the reliability ledger (fixture ``ledger``; writes build/reliability/results.json), and the
# time each test folder took, printed at the end of a run.
pytest_plugins = ["tests.fixtures.gce_emulator", "tests.reliability.ledger", "tests.fixtures.time_by_folder"]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_COLLECTIONS = os.path.join(REPO_ROOT, "build", "source-collections")


def _link_source_tree():
    namespace_dir = os.path.join(SOURCE_COLLECTIONS, "ansible_collections", "confidential")
    link = os.path.join(namespace_dir, "tdx")
    os.makedirs(namespace_dir, exist_ok=True)
    if not os.path.islink(link):
        try:
            os.symlink(REPO_ROOT, link)
        except FileExistsError:  # another xdist worker made it first
            pass
    if SOURCE_COLLECTIONS not in sys.path:
        sys.path.insert(0, SOURCE_COLLECTIONS)


_link_source_tree()


def collections_path():
    """Where ansible-playbook and molecule find ``confidential.tdx``.

    ``make`` exports CONFIDENTIAL_TDX_COLLECTIONS pointing at the installed
    artefact, so integration tests exercise exactly what ships; a developer
    running pytest directly gets the source tree through the symlink above.
    """
    return os.environ.get("CONFIDENTIAL_TDX_COLLECTIONS") or SOURCE_COLLECTIONS


def pytest_collection_modifyitems(items):
    """Tests that start test hosts or mostly wait (marker ``waits``) first, then the other integration tests,
    then the rest, each in collected order.

    Longest first: the test-host modules take minutes each (mostly waiting
    on hosts and SSH), the integration modules (ansible-playbook runs,
    servers) tens of seconds, unit tests well under one. Started late, long
    modules formed a tail under xdist, one busy worker while the other had
    finished; the short tests at the end fill the gaps instead. ``make
    pytest`` distributes by module (``--dist loadscope``), so each module's
    fixtures, such as a fleet of hosts, are set up once, in one worker, and
    keeps this order (``--no-loadscope-reorder``).
    """
    def starts_hosts(item):
        limit = item.get_closest_marker("timeout")
        return bool(limit and limit.args and limit.args[0] >= TEST_HOST_TIMEOUT_SECONDS)

    def longest_first(item):
        if starts_hosts(item) or item.get_closest_marker("waits"):
            return 0
        return 1 if item.get_closest_marker("integration") else 2

    items.sort(key=longest_first)


@pytest.fixture(autouse=True)
def _stays_in_its_working_directory():
    """A test that leaves the process in another directory fails, by name.

    Each xdist worker runs hundreds of tests in one process; one that moves
    it (libfuse does, for one) would make every later test run elsewhere.
    """
    before = os.getcwd()
    yield
    after = os.getcwd()
    if after != before:
        os.chdir(before)
        pytest.fail("the test left the working directory at %s (it began in %s)" % (after, before), pytrace=False)
