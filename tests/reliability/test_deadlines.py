"""wait_timeout is a promise: a write under a fault that never ends gives up by then, naming the fault.

In-process through module_utils/gce and the real client against the
emulator, so that what is measured is the module's own deadline, not
Ansible's start-up on a busy machine (the fault matrix checks the same
through ansible-playbook with a start-up allowance). The bound and the
judging are in deadline_cases.py.

On a fake clock (tests/fake_clock.py): the pauses between retries take no
time, they move the clock on, so a 3 s deadline is reached at once. An
endless slowness (a call that never answers) is cut by the HTTP timeout,
which only real time ends: test_deadlines_wall_clock.py proves that, outside
make unit.
"""

import pytest

from tests.fake_clock import EmulatorClock
from tests.reliability.deadline_cases import DEADLINE_SECONDS, WRITES, give_up_under, instance_calls, set_up

pytestmark = pytest.mark.integration

# Faults that never stop, and what the message must say.
ENDLESS = {
    "503": ({"kind": "503"}, "HTTP 503"),
    "drop": ({"kind": "drop"}, "Connection aborted"),
}


@pytest.mark.parametrize("fault", sorted(ENDLESS))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_under_an_endless_fault_gives_up_by_its_deadline(write, fault, gce_emulator, access_token, ledger):
    set_up(write, gce_emulator, access_token)
    clock = EmulatorClock(gce_emulator.admin)
    calls = instance_calls(gce_emulator, access_token, DEADLINE_SECONDS, clock)
    rule, named = ENDLESS[fault]
    give_up_under(write, fault, rule, named, gce_emulator, calls, clock, ledger)
    # The deadline was reached by retrying (the pauses moved the clock), not by anything taking long.
    assert clock.sleeps and clock.skipped > 0
