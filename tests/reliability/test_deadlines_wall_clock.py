"""wait_timeout holds in real time: a call that never answers is cut at the deadline by its HTTP timeout.

test_deadlines.py judges the retries on a fake clock; what only real time
shows is that the client's own timeout of one HTTP call is bounded by the
time left (ComputeApi.call_timeout), so a hung call cannot carry a task
past its wait_timeout. Each write under an endless slowness (8 s, longer than
the bound, deadline_cases.py) gives up by the bound, on the real clock.
Each case has an emulator of its own, so that nothing waits for the slowed
call to end before the next test. Not in make unit: each takes the whole
deadline.
"""

import threading
import time

import pytest

from tests.polling import wait_until
from tests.fixtures.gce_emulator import DEFAULT_PROJECT, OPERATION_SECONDS, EmulatorHandle
from tests.reliability.deadline_cases import BOUND_SECONDS, DEADLINE_SECONDS, WRITES, give_up_under, instance_calls, set_up

from gce_emulator import EmulatorServer  # noqa: E402  (tools/ is on sys.path: tests/fixtures/gce_emulator.py)

pytestmark = pytest.mark.integration

SLOWNESS_SECONDS = 8.0
assert SLOWNESS_SECONDS > BOUND_SECONDS  # endless as far as the task can tell


@pytest.fixture
def own_emulator():
    """An emulator for this test alone: the slowed call goes on after the test, and the emulator stops once it ends."""
    server = EmulatorServer(port=0, operation_seconds=OPERATION_SECONDS).start()

    def stop_once_idle():
        wait_until(lambda: all(entry["status"] is not None for entry in server.admin.requests()),
                   SLOWNESS_SECONDS + 30)
        server.stop()

    try:
        yield EmulatorHandle(server, DEFAULT_PROJECT)
    finally:
        threading.Thread(target=stop_once_idle, name="stop-once-idle", daemon=True).start()


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_under_an_endless_slowness_gives_up_by_its_deadline(write, own_emulator, ledger):
    access_token = own_emulator.admin.mint_access_token()
    set_up(write, own_emulator, access_token)
    calls = instance_calls(own_emulator, access_token, DEADLINE_SECONDS)
    give_up_under(write, "latency", {"kind": "latency", "latency_seconds": SLOWNESS_SECONDS}, "timed out",
                  own_emulator, calls, time.monotonic, ledger)
