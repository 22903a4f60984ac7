# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retrying transient failures within the time a task allows, as pure logic.

Nothing here knows about Google's libraries: what counts as transient is a
predicate the caller passes (``errors.is_transient``), and the clock, the
sleep and the random source can be replaced, so tests run the backoff
without waiting.
"""

import functools
import random
import time


class Deadline:
    """The point in time by which a task must be done (``wait_timeout``)."""

    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._start = clock()

    def elapsed(self):
        return self._clock() - self._start

    def remaining(self):
        return max(0.0, self.seconds - self.elapsed())

    def expired(self):
        return self.remaining() <= 0


class GaveUp(Exception):
    """Transient failures went on until the deadline; ``last_error`` is the final one."""

    def __init__(self, last_error, attempts, elapsed):
        super(GaveUp, self).__init__(
            "gave up after %d attempts in %.0f s" % (attempts, elapsed))
        self.last_error = last_error
        self.attempts = attempts
        self.elapsed = elapsed


class FullJitterBackoff:
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2**n)].

    Full jitter spreads the retries of many clients that failed together
    (a 503 storm, a throttled project) instead of having them return in step.
    """

    def __init__(self, base=0.5, cap=16.0, rand=random.random):
        self.base = base
        self.cap = cap
        self._rand = rand

    def ceiling(self, retry_number):
        return min(self.cap, self.base * (2 ** retry_number))

    def delay(self, retry_number):
        return self._rand() * self.ceiling(retry_number)


class RetryPolicy:
    """Call a function again after transient failures, until the deadline.

    Usable as ``policy.call(func, *args)`` or as a decorator ``@policy``.
    The function is called again with the same arguments, which is what
    keeps a write's requestId identical across its retries.
    """

    def __init__(self, is_transient, deadline, backoff=None, sleep=time.sleep, on_retry=None, wait_hint=None):
        self.is_transient = is_transient
        self.deadline = deadline
        self.backoff = backoff or FullJitterBackoff()
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
                hinted = self._wait_hint(error) if self._wait_hint is not None else None
                delay = self.backoff.delay(attempts - 1) if hinted is None else hinted
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
