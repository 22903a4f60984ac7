"""Timing, medians and side-by-side comparisons: each row of the table is two ways of doing the same work."""

import os
import statistics
import time


class Sample:
    """One timed run: seconds, the API calls it made when that is known, and the CPU seconds of its commands.

    ``cpu`` is user plus system time of the child processes that ended
    during the run (the command and everything it waited for: Ansible's
    workers, the modules they ran on the controller), not the emulator's.
    """

    def __init__(self, seconds, calls=None, cpu=None):
        self.seconds = seconds
        self.calls = calls
        self.cpu = cpu


class Side:
    """One way of doing the work, with its samples."""

    def __init__(self, label, samples):
        self.label = label
        self.samples = samples

    @property
    def runs(self):
        return len(self.samples)

    @property
    def median(self):
        return statistics.median(sample.seconds for sample in self.samples) if self.samples else None

    @property
    def spread(self):
        """(fastest, slowest) seconds."""
        seconds = [sample.seconds for sample in self.samples]
        return (min(seconds), max(seconds)) if seconds else (None, None)

    @property
    def cpu(self):
        """Median CPU seconds of a run's commands, when every run has them."""
        seconds = [sample.cpu for sample in self.samples]
        return statistics.median(seconds) if seconds and None not in seconds else None

    @property
    def calls(self):
        """The API calls of one run, when every run made the same number; else the median."""
        counts = [sample.calls for sample in self.samples if sample.calls is not None]
        if not counts:
            return None
        return counts[0] if len(set(counts)) == 1 else statistics.median(counts)


class Row:
    """A line of the table: A against B, the ratio of their medians, and the target if there is one.

    ``target`` is (text, predicate over the row) or None; ``skipped`` says
    why a row could not be measured on this machine.
    """

    def __init__(self, work, a, b, target=None, note="", skipped=None):
        self.work = work
        self.a = a
        self.b = b
        self.target = target
        self.note = note
        self.skipped = skipped

    @property
    def ratio(self):
        if self.skipped or not self.a.median or not self.b.median:
            return None
        return self.a.median / self.b.median

    @property
    def met(self):
        if self.skipped or self.target is None:
            return None
        return bool(self.target[1](self))


def skipped_row(work, a_label, b_label, reason, target=None):
    return Row(work, Side(a_label, []), Side(b_label, []), target=target, skipped=reason)


def _children_cpu():
    times = os.times()
    return times.children_user + times.children_system


def timed(run):
    """Run ``run()`` (which returns the API calls it made, or None) and time it, wall and CPU."""
    cpu_before = _children_cpu()
    started = time.monotonic()
    calls = run()
    seconds = time.monotonic() - started
    return Sample(seconds, calls, _children_cpu() - cpu_before)


def alternate(run_a, run_b, runs_a, runs_b, before_each=None, log=print):
    """Time A and B in turns (A B A B ...), so that a change in the machine's load hits both alike.

    ``before_each(side)`` resets what a run needs (not timed).
    """
    samples = {"A": [], "B": []}
    for index in range(max(runs_a, runs_b)):
        for side, run, runs in (("A", run_a, runs_a), ("B", run_b, runs_b)):
            if index >= runs:
                continue
            if before_each is not None:
                before_each(side)
            sample = timed(run)
            samples[side].append(sample)
            log("    %s run %d: %.2f s, %.2f CPU s%s" % (
                side, index + 1, sample.seconds, sample.cpu,
                "" if sample.calls is None else ", %d API calls" % sample.calls))
    return samples["A"], samples["B"]
