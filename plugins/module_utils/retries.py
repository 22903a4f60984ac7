# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's one way of retrying transient failures, as pure logic.

Used by the cloud modules (``module_utils/gce``: Compute Engine calls within
a task's ``wait_timeout``) and by ``tdx_collateral`` (``attestation/pcs.py``:
calls to Intel's PCS or a PCCS, a given number of attempts). Nothing here
knows about any library or protocol: what counts as transient is a predicate
the caller passes, and the clock, the sleep and the random source can be
replaced, so tests run the backoff without waiting. Standard library only.
"""

import contextlib
import functools
import random
import threading
import time


class Deadline:
    """The point in time by which a task must be done (``wait_timeout``).

    ``seconds=None`` sets no bound (the retries are bounded by a number of
    attempts instead) but still measures the time spent.
    """

    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._start = clock()
        # Seconds kept back from this thread's calls (holding_back); other threads see the whole deadline.
        self._held_back = threading.local()

    def elapsed(self):
        return self._clock() - self._start

    def remaining(self):
        if self.seconds is None:
            return float("inf")
        return max(0.0, self.seconds - self.elapsed() - getattr(self._held_back, "seconds", 0.0))

    @contextlib.contextmanager
    def holding_back(self, seconds):
        """While in this block, this thread's deadline comes ``seconds`` earlier.

        For work that must leave time for what follows it should it fail: a
        change made to a stopped instance keeps back the time to start the
        instance again. Per thread, as a fleet's members share one deadline.
        """
        before = getattr(self._held_back, "seconds", 0.0)
        self._held_back.seconds = before + max(0.0, seconds or 0.0)
        try:
            yield
        finally:
            self._held_back.seconds = before

    def expired(self):
        return self.remaining() <= 0


class GaveUp(Exception):
    """Transient failures went on until the deadline or the last attempt; ``last_error`` is the final one."""

    def __init__(self, last_error, attempts, elapsed):
        super(GaveUp, self).__init__(
            "gave up after %d attempts in %.0f s" % (attempts, elapsed))
        self.last_error = last_error
        self.attempts = attempts
        self.elapsed = elapsed


class ExponentialBackoff:
    """The n-th wait (from 0) is ``min(cap, base * 2**n)``: the same for every client."""

    def __init__(self, base=0.5, cap=16.0):
        self.base = base
        self.cap = cap

    def ceiling(self, retry_number):
        return min(self.cap, self.base * (2 ** retry_number))

    def delay(self, retry_number):
        return self.ceiling(retry_number)


class FullJitterBackoff(ExponentialBackoff):
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2**n)].

    Full jitter spreads the retries of many clients that failed together
    (a 503 storm, a throttled project) instead of having them return in step.
    """

    def __init__(self, base=0.5, cap=16.0, rand=random.random):
        super(FullJitterBackoff, self).__init__(base=base, cap=cap)
        self._rand = rand

    def delay(self, retry_number):
        return self._rand() * self.ceiling(retry_number)


class RetryPolicy:
    """Call a function again after transient failures, until the deadline or ``max_attempts``.

    Usable as ``policy.call(func, *args)`` or as a decorator ``@policy``.
    The function is called again with the same arguments, which is what
    keeps a write's requestId identical across its retries. A failure that
    is not transient is raised as it is; when the retries run out, GaveUp
    is raised with the last failure.
    """

    def __init__(self, is_transient, deadline, backoff=None, sleep=time.sleep, on_retry=None, wait_hint=None,
                 max_attempts=None):
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1, got %r" % max_attempts)
        self.is_transient = is_transient
        self.deadline = deadline
        self.backoff = backoff or FullJitterBackoff()
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._on_retry = on_retry
        # wait_hint(error): how long the failure itself says to wait, or None for the backoff's wait.
        self._wait_hint = wait_hint

    def call(self, func, *args, **kwargs):
        attempts = 0
        while True:
            attempts += 1
            try:
                return func(*args, **kwargs)
            except Exception as error:  # pylint: disable=broad-except
                if not self.is_transient(error):
                    raise
                if self.max_attempts is not None and attempts >= self.max_attempts:
                    raise GaveUp(error, attempts, self.deadline.elapsed())
                hinted = self._wait_hint(error) if self._wait_hint is not None else None
                delay = self.backoff.delay(attempts - 1) if hinted is None else hinted
                # A wait that would end at or past the deadline leaves no time for another attempt.
                if delay >= self.deadline.remaining():
                    raise GaveUp(error, attempts, self.deadline.elapsed())
                if self._on_retry is not None:
                    self._on_retry(error, attempts, delay)
                self._sleep(delay)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return self.call(func, *args, **kwargs)
        return wrapper
