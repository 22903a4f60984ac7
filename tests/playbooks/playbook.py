"""Run a playbook with the real ``ansible-playbook`` and read back each task's result.

For every integration test that drives modules, roles or the inventory
through Ansible itself::

    from tests.playbooks.playbook import localhost_play, run_playbook

    run = run_playbook([localhost_play(tasks)], tmp_path, env={"GCP_PROJECT": "p"})
    assert run.ok, run.output
    created = run.result("create")          # the task's result dict
    assert run.status("create") == "changed"

The collection comes from ``tests.conftest.collections_path()`` (the
installed artefact under ``make``), local tasks run with this virtual
environment's Python, and results are recorded by a small callback
(callback_plugins/record_results.py) while stdout stays the normal,
human-readable output (so -vvv output can be inspected as a user sees it).
"""

import json
import os
import subprocess
import sys

from tests.conftest import collections_path

CALLBACK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")
VENV_BIN = os.path.dirname(sys.executable)


def localhost_play(tasks, module_defaults=None, name="test play", play_vars=None):
    """A play on localhost without fact gathering."""
    play = {"name": name, "hosts": "localhost", "gather_facts": False, "tasks": list(tasks)}
    if module_defaults:
        play["module_defaults"] = module_defaults
    if play_vars:
        play["vars"] = play_vars
    return play


class AnsibleCommandRun:
    """How an Ansible command (ansible-playbook, ansible-inventory) ended: its exit status and its output."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    @property
    def ok(self):
        return self.returncode == 0

    @property
    def output(self):
        """stdout and stderr together, for assertion messages and secret scans."""
        return self.stdout + "\n" + self.stderr


class PlaybookRun(AnsibleCommandRun):
    def __init__(self, returncode, stdout, stderr, results):
        super(PlaybookRun, self).__init__(returncode, stdout, stderr)
        self.results = results

    def _entry(self, task, host=None):
        for entry in self.results:
            if entry["task"] == task and (host is None or entry["host"] == host):
                return entry
        raise AssertionError("no result for task %r in this run; tasks seen: %s\n%s"
                             % (task, [e["task"] for e in self.results], self.output[-4000:]))

    def result(self, task, host=None):
        """The result dict of the first run of ``task`` (by name)."""
        return self._entry(task, host)["result"]

    def status(self, task, host=None):
        """ok, changed, failed, skipped or unreachable."""
        return self._entry(task, host)["status"]


def ansible_environment(workdir, settings, env=None):
    """The environment for an Ansible command of this test run.

    This virtual environment's tools and the collection under test, local
    temp files kept in ``workdir``, no colours, then ``settings``; ``env``
    last adds to it or, with None values, removes from it.
    """
    run_env = dict(os.environ)
    run_env.update({
        "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-local"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    })
    run_env.update(settings)
    for key, value in (env or {}).items():
        if value is None:
            run_env.pop(key, None)
        else:
            run_env[key] = value
    return run_env


def run_playbook(plays, tmp_path, env=None, check=False, diff=False, verbosity=0, inventory=None,
                 extra_args=(), timeout=600):
    """Write ``plays`` to a playbook in ``tmp_path``, run it, return a PlaybookRun.

    ``inventory`` is written as a YAML inventory; by default it holds only
    localhost, on the local connection, with this virtual environment's
    Python. ``env`` adds to (or, with None values, removes from) the
    environment of ansible-playbook, which local modules inherit.
    """
    workdir = os.path.join(str(tmp_path), "playbook-%d" % len(os.listdir(str(tmp_path))))
    os.makedirs(workdir)
    playbook = os.path.join(workdir, "playbook.yml")
    with open(playbook, "w") as handle:
        json.dump(plays, handle, indent=2)  # JSON is YAML
    inventory_path = os.path.join(workdir, "inventory.yml")
    if inventory is None:
        inventory = {"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}
    with open(inventory_path, "w") as handle:
        json.dump(inventory, handle)
    results_file = os.path.join(workdir, "results.jsonl")

    run_env = ansible_environment(workdir, {
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACK_DIR,
        "ANSIBLE_CALLBACKS_ENABLED": "record_results",
        "CONFIDENTIAL_TDX_RESULTS_FILE": results_file,
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    }, env)

    command = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory_path, playbook]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    command.extend(extra_args)
    completed = subprocess.run(command, env=run_env, cwd=workdir, capture_output=True, text=True,
                               timeout=timeout)
    results = []
    if os.path.exists(results_file):
        with open(results_file) as handle:
            results = [json.loads(line) for line in handle if line.strip()]
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results)
