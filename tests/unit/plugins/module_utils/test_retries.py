"""Backoff and retry logic, with a fake clock: no test waits."""

import itertools
import threading

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.module_utils.retries import (
    Deadline,
    ExponentialBackoff,
    FullJitterBackoff,
    GaveUp,
    RetryPolicy,
)
from tests.fake_clock import SteppedClock


class Transient(Exception):
    pass


class Permanent(Exception):
    pass


def is_transient(error):
    return isinstance(error, Transient)


def flaky(failures, error=Transient):
    """A function failing ``failures`` times, recording the arguments of every call."""
    seen = []

    def call(*args, **kwargs):
        seen.append((args, kwargs))
        if len(seen) <= failures:
            raise error("attempt %d" % len(seen))
        return "done"

    call.seen = seen
    return call


def policy(clock, seconds=60, rand=lambda: 1.0, **backoff):
    return RetryPolicy(is_transient, Deadline(seconds, clock=clock),
                       backoff=FullJitterBackoff(rand=rand, **backoff), sleep=clock.sleep)


def test_backoff_ceiling_doubles_up_to_the_cap():
    backoff = FullJitterBackoff(base=0.5, cap=4.0)
    assert [backoff.ceiling(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_full_jitter_scales_the_ceiling_by_the_random_draw():
    draws = iter([0.0, 0.5, 0.25])
    backoff = FullJitterBackoff(base=1.0, cap=100.0, rand=lambda: next(draws))
    assert [backoff.delay(n) for n in range(3)] == [0.0, 1.0, 1.0]


def test_exponential_backoff_waits_its_ceiling_every_time():
    backoff = ExponentialBackoff(base=1.0, cap=8.0)
    assert [backoff.delay(n) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_transient_failures_are_retried_with_the_same_arguments():
    clock = SteppedClock()
    function = flaky(3)
    assert policy(clock).call(function, "insert", request_id="r-1") == "done"
    assert function.seen == [(("insert",), {"request_id": "r-1"})] * 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_a_permanent_failure_is_raised_at_once():
    clock = SteppedClock()
    function = flaky(1, error=Permanent)
    with pytest.raises(Permanent):
        policy(clock).call(function)
    assert len(function.seen) == 1 and clock.sleeps == []


def test_retries_stop_before_the_deadline():
    clock = SteppedClock()
    function = flaky(1000)
    with pytest.raises(GaveUp) as raised:
        policy(clock, seconds=10).call(function)
    assert isinstance(raised.value.last_error, Transient)
    assert sum(clock.sleeps) < 10
    assert raised.value.attempts == len(function.seen) == len(clock.sleeps) + 1
    assert "gave up after %d attempts" % raised.value.attempts in str(raised.value)


def test_a_wait_the_failure_names_replaces_the_backoff_and_the_deadline_still_decides():
    clock = SteppedClock()
    function = flaky(2)
    hinted = RetryPolicy(is_transient, Deadline(60, clock=clock), backoff=FullJitterBackoff(rand=lambda: 1.0),
                         sleep=clock.sleep, wait_hint=lambda error: 7.5 if "1" in str(error) else None)
    assert hinted.call(function) == "done"
    assert clock.sleeps == [7.5, 1.0]  # the hint for the first failure, the backoff's second wait for the next
    short = RetryPolicy(is_transient, Deadline(5, clock=clock), sleep=clock.sleep, wait_hint=lambda error: 30.0)
    with pytest.raises(GaveUp):
        short.call(flaky(1))


def test_max_attempts_bounds_the_calls_and_gives_up_without_a_last_wait():
    clock = SteppedClock()
    function = flaky(1000)
    retry = RetryPolicy(is_transient, Deadline(None, clock=clock), backoff=ExponentialBackoff(base=1.0, cap=8.0),
                        sleep=clock.sleep, max_attempts=5)
    with pytest.raises(GaveUp) as raised:
        retry.call(function)
    assert raised.value.attempts == len(function.seen) == 5
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert raised.value.elapsed == 15.0 and "gave up after 5 attempts in 15 s" == str(raised.value)
    assert isinstance(raised.value.last_error, Transient)


def test_one_attempt_is_no_retry_and_a_success_within_the_attempts_returns():
    clock = SteppedClock()
    once = RetryPolicy(is_transient, Deadline(60, clock=clock), sleep=clock.sleep, max_attempts=1)
    with pytest.raises(GaveUp) as raised:
        once.call(flaky(1))
    assert raised.value.attempts == 1 and clock.sleeps == []
    three = RetryPolicy(is_transient, Deadline(60, clock=clock), sleep=clock.sleep, max_attempts=3)
    assert three.call(flaky(2)) == "done"
    with pytest.raises(ValueError):
        RetryPolicy(is_transient, Deadline(60, clock=clock), max_attempts=0)


def test_the_deadline_still_decides_when_it_comes_before_the_last_attempt():
    clock = SteppedClock()
    retry = RetryPolicy(is_transient, Deadline(3, clock=clock), backoff=ExponentialBackoff(base=1.0, cap=8.0),
                        sleep=clock.sleep, max_attempts=10)
    with pytest.raises(GaveUp) as raised:
        retry.call(flaky(1000))
    assert raised.value.attempts == 2 and clock.sleeps == [1.0]  # the second wait (2 s) would reach the deadline


def test_decorator_form():
    clock = SteppedClock()
    function = flaky(2)
    wrapped = policy(clock)(function)
    assert wrapped(1, 2) == "done"
    assert len(function.seen) == 3


def test_deadline_counts_down_with_the_clock():
    clock = SteppedClock()
    deadline = Deadline(5, clock=clock)
    assert deadline.remaining() == 5 and not deadline.expired()
    clock.now += 7
    assert deadline.remaining() == 0 and deadline.expired()
    assert deadline.elapsed() == 7


def test_a_deadline_held_back_comes_earlier_for_this_thread_only_and_while_held():
    clock = SteppedClock()
    deadline = Deadline(30, clock=clock)
    seen_elsewhere = []
    with deadline.holding_back(10):
        assert deadline.remaining() == 20
        clock.now += 25
        assert deadline.expired()  # the changes must stop; 5 s are left for setting them back
        other = threading.Thread(target=lambda: seen_elsewhere.append(deadline.remaining()))
        other.start()
        other.join()
    assert seen_elsewhere == [5] and deadline.remaining() == 5 and not deadline.expired()


def test_a_deadline_of_no_seconds_never_expires_but_measures_the_time():
    clock = SteppedClock()
    deadline = Deadline(None, clock=clock)
    clock.now += 10 ** 6
    assert deadline.remaining() == float("inf") and not deadline.expired()
    assert deadline.elapsed() == 10 ** 6


@settings(max_examples=200, deadline=None)
@example(seconds=0.5, failures=2, draws=[1 / 3])
@given(seconds=st.floats(min_value=0.1, max_value=900), failures=st.integers(min_value=0, max_value=60),
       draws=st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_max=True), min_size=1, max_size=20))
def test_total_sleep_never_exceeds_the_deadline_and_each_wait_stays_under_its_ceiling(seconds, failures, draws):
    clock = SteppedClock()
    cycle = itertools.cycle(draws)
    backoff = FullJitterBackoff(base=0.5, cap=16.0, rand=lambda: next(cycle))
    retry = RetryPolicy(is_transient, Deadline(seconds, clock=clock), backoff=backoff, sleep=clock.sleep)
    try:
        retry.call(flaky(failures))
    except GaveUp:
        pass
    # Each wait is shorter than the time left when it starts; their float sum
    # may round to the deadline itself (0.5 s as 1/6 + 1/3), never past it.
    assert sum(clock.sleeps) <= seconds + 1e-9
    for number, slept in enumerate(clock.sleeps):
        assert 0 <= slept <= backoff.ceiling(number)

