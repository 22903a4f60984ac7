"""Waiting in a test for something another thread or process does."""

import time


def wait_until(condition, seconds, interval=0.2):
    """True as soon as ``condition()`` is, False once ``seconds`` have passed without it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
