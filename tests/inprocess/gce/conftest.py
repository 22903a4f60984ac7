"""Fixtures of the gce integration tests (see harness.py).

Tests run the modules in-process by default. A test marked ``playbook``
runs them through ansible-playbook instead, for what only Ansible does
(credentials from the environment, no_log, printed output, -vvv); a test
marked ``end_to_end`` runs both ways, the playbook run being the proof that
the in-process one stands for the real thing.
"""

import pytest

from tests.fake_clock import EmulatorClock
from tests.inprocess.gce.harness import GceHarness, InProcessGceHarness

HARNESSES = {"in-process": InProcessGceHarness, "playbook": GceHarness}
# How long an operation takes in the emulator for in-process runs: long enough
# that the insert's answer is PENDING and the module waits (zoneOperations.wait,
# held open until DONE), short enough that hundreds of them add up to little.
# An ansible-playbook run keeps the emulator's 0.3 s (tests/fixtures/gce_emulator.py).
IN_PROCESS_OPERATION_SECONDS = 0.02


def pytest_generate_tests(metafunc):
    if "gce" in metafunc.fixturenames and metafunc.definition.get_closest_marker("end_to_end"):
        kinds = [pytest.param("in-process"), pytest.param("playbook", marks=pytest.mark.playbook)]
        metafunc.parametrize("gce", kinds, indirect=True)


@pytest.fixture
def gce(request, gce_emulator, access_token, tmp_path, monkeypatch):
    """A harness on a freshly reset emulator: in-process, or through ansible-playbook (marked playbook).

    In-process, the modules run on a fake clock shared with the emulator
    (tests/fake_clock.py): their pauses (retries, quota refills, polls)
    take no time and move both clocks on. An operation still takes a
    little real time (IN_PROCESS_OPERATION_SECONDS), so that each is
    waited for as the API makes a module wait; a test that needs one still
    running when the module returns says how long it takes.
    """
    kind = getattr(request, "param", None) or ("playbook" if request.node.get_closest_marker("playbook")
                                               else "in-process")
    harness = HARNESSES[kind](gce_emulator, access_token, tmp_path)
    if kind == "in-process":
        gce_emulator.admin.configure(operation_seconds=IN_PROCESS_OPERATION_SECONDS)
        harness.clock = EmulatorClock(gce_emulator.admin)
        harness.clock.install_in_gce_modules(monkeypatch)
    return harness
