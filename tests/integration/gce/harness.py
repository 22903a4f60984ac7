"""What the gce integration tests share: a harness around the emulator and task builders.

``GceHarness.run`` runs tasks in a localhost play whose ``module_defaults``
point the group ``confidential.tdx.gce`` at the emulator (project and
api_endpoint); credentials travel in the environment (GCP_ACCESS_TOKEN)
unless a test passes others. ``calls()``/``writes()`` read the emulator's
request log.
"""

import json
import urllib.error
import urllib.request

from tests.integration.playbook import localhost_play, run_playbook

# Environment variables the modules read; a developer's own are removed so
# that a test never reaches real Google Cloud with real credentials.
GCP_ENVIRONMENT = (
    "GCP_PROJECT", "GCP_AUTH_KIND", "GCP_SERVICE_ACCOUNT_FILE", "GCP_SERVICE_ACCOUNT_CONTENTS",
    "GCP_SERVICE_ACCOUNT_EMAIL", "GCP_ACCESS_TOKEN", "GCP_SCOPES", "GCP_API_ENDPOINT",
    "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
)

READ_ONLY_POSTS = ("/wait",)  # zoneOperations.wait is a POST that changes nothing


def is_write(entry):
    return entry["method"] not in ("GET", "HEAD") and not entry["path"].endswith(READ_ONLY_POSTS)


class GceHarness:
    def __init__(self, emulator, access_token, tmp_path):
        self.emulator = emulator
        self.admin = emulator.admin
        self.project = emulator.project
        self.access_token = access_token
        self.tmp_path = tmp_path

    def module_defaults(self, **extra):
        defaults = {"project": self.project, "api_endpoint": self.emulator.base_url}
        defaults.update(extra)
        return {"group/confidential.tdx.gce": defaults}

    def env(self, **extra):
        env = dict((name, None) for name in GCP_ENVIRONMENT)
        env["GCP_ACCESS_TOKEN"] = self.access_token
        env.update(extra)
        return env

    def run(self, tasks, module_defaults=None, env=None, **options):
        """Run ``tasks`` (dicts) in one play; options as for run_playbook (check, diff, verbosity)."""
        play = localhost_play(tasks, module_defaults=module_defaults or self.module_defaults())
        return run_playbook([play], self.tmp_path, env=env if env is not None else self.env(), **options)

    def calls(self, since=0):
        """Compute API calls in the emulator's log (token calls left out), from index ``since``."""
        return [entry for entry in self.admin.requests() if entry["path"].startswith("/compute/")][since:]

    def writes(self, since=0):
        return [entry for entry in self.calls(since) if is_write(entry)]

    def mark(self):
        """Where the log stands now, for calls(since=...)."""
        return len(self.calls())

    def instances(self):
        return self.admin.instances()

    def serves(self, method, suffix):
        """Whether the emulator implements an instance method (e.g. POST setTags).

        Asked of an instance that does not exist: an implemented method answers
        that the instance is missing, an unknown route that the URL is.
        """
        url = "%s/compute/v1/projects/%s/zones/us-central1-a/instances/no-such-instance/%s" % (
            self.emulator.base_url, self.project, suffix)
        request = urllib.request.Request(url, data=b"{}" if method == "POST" else None, method=method, headers={
            "Authorization": "Bearer " + self.access_token, "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
            return True
        except urllib.error.HTTPError as answer:
            body = json.loads(answer.read() or b"{}")
            return "was not found on this server" not in body.get("error", {}).get("message", "")


def instance_task(task_name="create", **args):
    """A gce_instance task named ``task_name``; zone defaults to us-central1-a unless zones is given.

    Failures are ignored so that the play goes on and the test reads them.
    """
    if "zones" not in args:
        args.setdefault("zone", "us-central1-a")
    return {"name": task_name, "confidential.tdx.gce_instance": args, "ignore_errors": True}
