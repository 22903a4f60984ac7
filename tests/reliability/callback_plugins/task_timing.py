# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: when each task started and ended on each host, as JSON lines.

The fault matrix reads it to check that a task under a fault ends within
its wait_timeout, and to tell the calls of a first run from those of a rerun.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_timing
type: aggregate
short_description: Write task start and end times as JSON lines for the reliability tests
description:
  - Appends one JSON object per task and host to the file named by the
    E(CONFIDENTIAL_TDX_TIMING_FILE) environment variable.
"""

TIMING_FILE_VARIABLE = "CONFIDENTIAL_TDX_TIMING_FILE"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _write(self, result):
        path = os.environ.get(TIMING_FILE_VARIABLE)
        if not path:
            return
        key = (result._host.get_name(), result._task._uuid)
        entry = {"task": result._task.get_name(), "host": key[0],
                 "start": self._started.get(key), "end": time.time()}
        with open(path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result)

    def v2_runner_on_skipped(self, result):
        self._write(result)

    def v2_runner_on_unreachable(self, result):
        self._write(result)
