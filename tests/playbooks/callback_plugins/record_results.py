# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: append every task result, and when its task started and ended, as JSON lines, to a file.

tests/playbooks/playbook.py enables it next to the normal stdout callback,
so a test reads structured results while -vvv output stays what a user sees.
The reliability tests read the times: that a task under a fault ends within
its wait_timeout, and which API calls each task of a run made.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Write task results and times as JSON lines for the integration tests
description:
  - Appends one JSON object per task result, with the task's start and end
    time on its host, to the file named by the
    E(CONFIDENTIAL_TDX_RESULTS_FILE) environment variable.
"""

RESULTS_FILE_VARIABLE = "CONFIDENTIAL_TDX_RESULTS_FILE"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _record(self, result, status):
        path = os.environ.get(RESULTS_FILE_VARIABLE)
        if not path:
            return
        ended = time.time()
        data = getattr(result, "result", None)
        if data is None:
            data = result._result  # ansible-core before 2.19
        entry = {
            "task": result._task.get_name(),
            "host": result._host.get_name(),
            "status": status,
            "result": data,
            "start": self._started.get((result._host.get_name(), result._task._uuid)),
            "end": ended,
        }
        with open(path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result.is_changed() else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
