"""What the gce integration tests share: a harness around the emulator and task builders.

``GceHarness.run`` runs tasks in a localhost play whose ``module_defaults``
point the group ``confidential.tdx.gce`` at the emulator (project and
api_endpoint); credentials travel in the environment (GCP_ACCESS_TOKEN)
unless a test passes others. ``calls()``/``writes()`` read the emulator's
request log.
"""

import contextlib
import importlib
import json
import os
import urllib.error
import urllib.request

from tests.playbooks.playbook import localhost_play, run_playbook

# Environment variables the modules read; a developer's own are removed so
# that a test never reaches real Google Cloud with real credentials.
GCP_ENVIRONMENT = (
    "GCP_PROJECT", "GCP_AUTH_KIND", "GCP_SERVICE_ACCOUNT_FILE", "GCP_SERVICE_ACCOUNT_CONTENTS",
    "GCP_SERVICE_ACCOUNT_EMAIL", "GCP_ACCESS_TOKEN", "GCP_SCOPES", "GCP_API_ENDPOINT",
    "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
)

READ_ONLY_POSTS = ("/wait", "/listManagedInstances")  # POSTs that change nothing


def is_write(entry):
    return entry["method"] not in ("GET", "HEAD") and not entry["path"].endswith(READ_ONLY_POSTS)


class GceHarness:
    # A run's stdout is what ansible-playbook printed (an in-process run prints nothing).
    prints_output = True

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


def held(gce, name):
    """The emulator's own record of an instance (API JSON), or None."""
    for instance in gce.instances():
        if instance["name"] == name:
            return instance
    return None


def warnings_of(result):
    """The warning texts of a module result: strings before ansible-core 2.19, warning summaries from it."""
    return [entry["event"]["msg"] if isinstance(entry, dict) else entry for entry in result.get("warnings") or ()]


def instance_task(task_name="create", **args):
    """A gce_instance task named ``task_name``; zone defaults to us-central1-a unless zones is given.

    Failures are ignored so that the play goes on and the test reads them.
    """
    if "zones" not in args:
        args.setdefault("zone", "us-central1-a")
    return {"name": task_name, "confidential.tdx.gce_instance": args, "ignore_errors": True}


# The modules an in-process run can call, by the name a task uses.
IN_PROCESS_MODULES = {
    "confidential.tdx.gce_instance": "ansible_collections.confidential.tdx.plugins.modules.gce_instance",
    "confidential.tdx.gce_instance_info": "ansible_collections.confidential.tdx.plugins.modules.gce_instance_info",
    "confidential.tdx.gce_instance_template":
        "ansible_collections.confidential.tdx.plugins.modules.gce_instance_template",
    "confidential.tdx.gce_instance_group": "ansible_collections.confidential.tdx.plugins.modules.gce_instance_group",
    "confidential.tdx.gce_instance_group_info":
        "ansible_collections.confidential.tdx.plugins.modules.gce_instance_group_info",
    "confidential.tdx.gce_instance_group_members":
        "ansible_collections.confidential.tdx.plugins.modules.gce_instance_group_members",
}


@contextlib.contextmanager
def without_gcp_environment():
    """A developer's GCP_* variables out of the way of an in-process module, as env() keeps them from a playbook."""
    saved = dict((name, os.environ.pop(name)) for name in GCP_ENVIRONMENT if name in os.environ)
    try:
        yield
    finally:
        os.environ.update(saved)


class InProcessRun:
    """What PlaybookRun offers for the results of tasks run in-process (no Ansible output to read)."""

    def __init__(self, results):
        self.results = results

    @property
    def ok(self):
        return not any(entry["status"] == "failed" for entry in self.results)

    @property
    def output(self):
        return json.dumps(self.results, indent=1, default=str)

    def _entry(self, task):
        for entry in self.results:
            if entry["task"] == task:
                return entry
        raise AssertionError("no result for task %r; tasks seen: %s" % (task, [e["task"] for e in self.results]))

    def result(self, task, host=None):
        return self._entry(task)["result"]

    def status(self, task, host=None):
        return self._entry(task)["status"]


class InProcessGceHarness(GceHarness):
    """GceHarness whose ``run`` calls each module's main() in this process, over the real client and HTTP.

    The same API calls reach the same emulator as through ansible-playbook,
    in a fraction of the time, and the module's logic counts for coverage.
    What only Ansible does (templating, the environment, output, -vvv) is
    not there: a test that needs it is marked playbook (GceHarness),
    and this harness refuses what it cannot run rather than run it otherwise.
    """

    prints_output = False

    def run(self, tasks, module_defaults=None, env=None, check=False, diff=False, **options):
        if env is not None or options:
            raise AssertionError("an in-process run has no environment, verbosity or extra arguments (%s); "
                                 "mark the test playbook" % sorted(options))
        from tests.unit.module_harness import run_module  # noqa: E402  (needs the collection linked first)
        defaults = (module_defaults or self.module_defaults()).get("group/confidential.tdx.gce", {})
        results = []
        for task in tasks:
            names = [key for key in task if key in IN_PROCESS_MODULES]
            unknown = set(task) - set(names) - {"name", "ignore_errors"}
            if len(names) != 1 or unknown:
                raise AssertionError("an in-process run calls one gce module per task, not %s; mark the "
                                     "test playbook" % sorted(task))
            module = importlib.import_module(IN_PROCESS_MODULES[names[0]])
            args = dict({"access_token": self.access_token}, **defaults)
            args.update(task[names[0]])
            with without_gcp_environment():
                result = dict(run_module(module.main, args, check_mode=check, diff=diff))
            result.pop("invocation", None)
            status = "failed" if result.get("failed") else "changed" if result.get("changed") else "ok"
            results.append({"task": task.get("name", names[0]), "host": "localhost", "status": status,
                            "result": result})
            if status == "failed" and not task.get("ignore_errors"):
                break  # as the play would stop
        return InProcessRun(results)
