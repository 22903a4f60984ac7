"""Fixtures of the gce integration tests (see harness.py).

Tests run the modules in-process by default. A test marked ``playbook``
runs them through ansible-playbook instead, for what only Ansible does
(credentials from the environment, no_log, printed output, -vvv); a test
marked ``end_to_end`` runs both ways, the playbook run being the proof that
the in-process one stands for the real thing.
"""

import pytest

from tests.inprocess.gce.harness import GceHarness, InProcessGceHarness

HARNESSES = {"in-process": InProcessGceHarness, "playbook": GceHarness}


def pytest_generate_tests(metafunc):
    if "gce" in metafunc.fixturenames and metafunc.definition.get_closest_marker("end_to_end"):
        kinds = [pytest.param("in-process"), pytest.param("playbook", marks=pytest.mark.playbook)]
        metafunc.parametrize("gce", kinds, indirect=True)


@pytest.fixture
def gce(request, gce_emulator, access_token, tmp_path):
    """A harness on a freshly reset emulator: in-process, or through ansible-playbook (marked playbook)."""
    kind = getattr(request, "param", None) or ("playbook" if request.node.get_closest_marker("playbook")
                                               else "in-process")
    return HARNESSES[kind](gce_emulator, access_token, tmp_path)
