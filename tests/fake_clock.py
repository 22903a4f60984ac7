"""Clocks whose sleeps take no time, for code under test that measures and waits.

``SteppedClock`` is time that moves only by its sleeps (and by a test
setting ``now``), for the unit tests of retries and deadlines.

``EmulatorClock`` is for the cloud modules (and the gce inventory) under
test, and moves the emulator's clock with its own. The modules
(module_utils/gce) and the inventory plugin measure their deadline
(``wait_timeout``) with ``retries.Deadline`` and wait with ``ComputeApi``'s sleep: between
retries, for a per-minute quota to refill, between operation polls, for an
instance to settle. Under ``EmulatorClock`` such a sleep returns at once and
moves time forward by its length instead: this clock, so the deadline sees
the time pass, and the emulator's (``AdminClient.advance_clock``), so
operations, held states and per-minute limits there see it too. Time that
really passes (HTTP calls, the emulator's own work) counts as well: the
clock is the real monotonic clock plus everything slept.

Threads (a fleet) that sleep at the same time share the jump: a sleep moves
the clock to its own end unless another has already moved it past that, as
when threads sleep side by side.
"""

import functools
import threading
import time
import types

GCE_MODULE = "ansible_collections.confidential.tdx.plugins.module_utils.gce.module"
GCE_API = "ansible_collections.confidential.tdx.plugins.module_utils.gce.api"
GCE_INVENTORY = "ansible_collections.confidential.tdx.plugins.inventory.gce"


class SteppedClock:
    """Call it for the time; ``sleep`` records its seconds and moves the time on by them at once."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class EmulatorClock:
    def __init__(self, admin=None):
        self._admin = admin
        self._lock = threading.Lock()
        self._skipped = 0.0
        self.sleeps = []

    def monotonic(self):
        return time.monotonic() + self._skipped

    __call__ = monotonic

    def sleep(self, seconds):
        if seconds <= 0:
            return
        until = self.monotonic() + seconds
        with self._lock:
            self.sleeps.append(seconds)
            moved = until - self.monotonic()
            if moved <= 0:  # another thread's sleep has already taken the clock past this one's end
                return
            # The emulator's clock first: a thread that reads the new time here must find it there too.
            if self._admin is not None:
                self._admin.advance_clock(moved)
            self._skipped += moved

    @property
    def skipped(self):
        """Seconds this clock moved ahead of real time by sleeps."""
        return self._skipped

    def install_in_gce_modules(self, monkeypatch):
        """The cloud modules run in this process measure and sleep by this clock (until the test ends)."""
        self.install(monkeypatch, __import__(GCE_MODULE, fromlist=["x"]))

    def install_in_inventory(self, monkeypatch):
        """The gce inventory plugin run in this process measures and sleeps by this clock."""
        self.install(monkeypatch, __import__(GCE_INVENTORY, fromlist=["x"]))

    def install(self, monkeypatch, user):
        """Where ``user`` (a module) makes its Deadline and ComputeApi, and where ComputeApi reads the time.

        ``user`` is module_utils/gce/module.py (the cloud modules) or
        plugins/inventory/gce.py; ComputeApi reads the time for quota
        refills in module_utils/gce/api.py.
        """
        gce_api = __import__(GCE_API, fromlist=["x"])
        clock = self

        monkeypatch.setattr(user, "Deadline", functools.partial(user.Deadline, clock=clock.monotonic))

        class ComputeApiOnThisClock(user.ComputeApi):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("sleep", clock.sleep)
                super(ComputeApiOnThisClock, self).__init__(*args, **kwargs)

        monkeypatch.setattr(user, "ComputeApi", ComputeApiOnThisClock)
        fake_time = types.SimpleNamespace(**dict((name, getattr(time, name)) for name in dir(time)
                                                 if not name.startswith("__")))
        fake_time.monotonic = clock.monotonic
        fake_time.sleep = clock.sleep
        monkeypatch.setattr(gce_api, "time", fake_time)
