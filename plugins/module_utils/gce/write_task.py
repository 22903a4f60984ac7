# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the template and group modules' tasks share: the writes made, in order, and the run to its end.

A task records each write as it makes it (``act``; in check mode only
records it), so that a failure can say which calls were made, the failed
one last, and whether any acted (``changed``).
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import (
    OPERATION_POLL_PAUSE_FIRST,
    OPERATION_POLL_PAUSE_GROWTH,
    OPERATION_POLL_PAUSE_MAX,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError

# Reads after a write look again as an operation is polled: soon at first, then less often.
OPERATION_SCHEDULE = (OPERATION_POLL_PAUSE_FIRST, OPERATION_POLL_PAUSE_GROWTH, OPERATION_POLL_PAUSE_MAX)


class WriteTask:
    def __init__(self, gce):
        self.gce = gce
        self.params = gce.params
        self.actions = []   # the writes made (in check mode, that would be made), in order
        self.wrote = False  # whether any write was sent

    def act(self, action, call):
        """Record ``action``; outside check mode, make it with ``call()``."""
        self.actions.append(action)
        if not self.gce.check_mode:
            call()
            self.wrote = True

    def poll_until(self, value, done, read, timed_out, schedule=OPERATION_SCHEDULE):
        """``value`` once ``done(value)``, read again with ``read()`` after pauses that grow by ``schedule``
        (first, growth, most); at the deadline, ``timed_out(value)``, which fails the task."""
        pause, growth, most = schedule
        while not done(value):
            if self.gce.api.deadline.expired():
                timed_out(value)
            self.gce.api.pause(pause)
            pause = min(most, pause * growth)
            value = read()
        return value


def run_write_task(gce, problems, make_task, work, what):
    """Run a module's task to its end (exit_json or fail_json).

    ``problems``: the options' problems, one line each: any fails the task
    before a call. ``work(task)`` returns the result; a GceError from it
    fails the task as "``what`` failed: ...", with the writes made.
    """
    if problems:
        gce.fail("; ".join(problems))
    task = make_task(gce)
    try:
        result = work(task)
    except GceError as error:
        gce.fail_from(error, what, changed=task.wrote, actions=task.actions)
    gce.exit(**result)
