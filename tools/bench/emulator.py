"""The Compute Engine emulator as its own process, set to realistic timings."""

import os
import subprocess
import sys
import time

from .ansible_env import REPO

sys.path.insert(0, os.path.join(REPO, "tools"))
from gce_emulator.admin import AdminClient  # noqa: E402  (tools/ is on the path now)

PROJECT = "tdx-bench-project"


class Emulator:
    """``python -m tools.gce_emulator`` started with the given operation time and per-call latency.

    The latency is added to every API call; an operation takes
    ``operation_seconds`` from the write to DONE. Every call and answer is
    held to Google's discovery document (``--schema``): a measured run that
    broke it is no measurement, so reset() and the end of the run raise.
    """

    def __init__(self, workdir, operation_seconds, latency_seconds):
        self.operation_seconds = operation_seconds
        self.latency_seconds = latency_seconds
        os.makedirs(workdir, exist_ok=True)
        self._log = open(os.path.join(workdir, "emulator.log"), "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.gce_emulator", "--port", "0",
             "--operation-seconds", str(operation_seconds), "--schema"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=self._log, text=True)
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            self.stop()
            raise RuntimeError("the emulator did not start; see %s" % self._log.name)
        self.admin = AdminClient(self.base_url)
        self.token = self.admin.mint_access_token()
        self.reset()

    def reset(self):
        """No instances, an empty request log, the bench's timings."""
        self.check_schema()
        self.admin.reset()
        self.admin.configure(latency_seconds=self.latency_seconds)

    def check_schema(self):
        """Raise on the first call or answer since the last reset that broke Google's schema."""
        violations = self.admin.schema_violations()
        if violations:
            raise RuntimeError("Compute API schema violation in the bench run: %s (%s %s; %d in all)" % (
                violations[0]["text"], violations[0]["http_method"], violations[0]["path"], len(violations)))

    def api_calls(self):
        return [entry for entry in self.admin.requests() if entry["path"].startswith("/compute/")]

    def module_defaults(self):
        return {"group/confidential.tdx.gce": {"project": PROJECT, "api_endpoint": self.base_url}}

    def environment(self):
        return {"GCP_ACCESS_TOKEN": self.token}

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            if exc_info[0] is None and self.process.poll() is None:
                self.check_schema()
        finally:
            self.stop()


def wait_until(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
