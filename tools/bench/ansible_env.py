"""Running Ansible's own commands as a user would, in a private working directory.

SSH settings a user would pick for speed are in the ansible.cfg written here
(docs/performance.md says which): pipelining, and ControlPersist so that
repeated runs reuse one SSH connection per host.
"""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)

# The Google settings of whoever runs the bench never reach it.
GCP_ENVIRONMENT = (
    "GCP_PROJECT", "GCP_AUTH_KIND", "GCP_SERVICE_ACCOUNT_FILE", "GCP_SERVICE_ACCOUNT_CONTENTS",
    "GCP_SERVICE_ACCOUNT_EMAIL", "GCP_ACCESS_TOKEN", "GCP_SCOPES", "GCP_API_ENDPOINT",
    "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
)

ANSIBLE_CFG = """\
[defaults]
forks = {forks}
host_key_checking = False
retry_files_enabled = False
stdout_callback = ansible.builtin.default
callback_result_format = json

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=300s
control_path_dir = {control_path_dir}
"""


class CommandFailed(RuntimeError):
    pass


class AnsibleEnv:
    """A working directory with its ansible.cfg, and the environment every command gets."""

    def __init__(self, workdir, forks=10, extra_env=None):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        control_path_dir = os.path.join(workdir, "cp")
        os.makedirs(control_path_dir, exist_ok=True)
        self.config = os.path.join(workdir, "ansible.cfg")
        with open(self.config, "w") as handle:
            handle.write(ANSIBLE_CFG.format(forks=forks, control_path_dir=control_path_dir))
        env = dict(os.environ)
        for name in GCP_ENVIRONMENT:
            env.pop(name, None)
        env.update({
            "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
            "ANSIBLE_CONFIG": self.config,
            "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH")
            or os.path.join(REPO, "build", "collections"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-local"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
        })
        env.update(extra_env or {})
        self.env = env

    def write(self, name, data):
        """A file in the working directory; data as JSON (which YAML reads)."""
        path = os.path.join(self.workdir, name)
        with open(path, "w") as handle:
            json.dump(data, handle, indent=1)
        return path

    def run(self, argv, check=True, timeout=3600):
        """Run an Ansible command from the working directory; its output goes to a log file."""
        command = [os.path.join(VENV_BIN, argv[0])] + list(argv[1:])
        completed = subprocess.run(command, env=self.env, cwd=self.workdir, capture_output=True, text=True,
                                   timeout=timeout)
        with open(os.path.join(self.workdir, "commands.log"), "a") as log:
            log.write("$ %s\n%s\n%s\n" % (" ".join(command), completed.stdout[-20000:], completed.stderr[-5000:]))
        if check and completed.returncode != 0:
            raise CommandFailed("%s exited %d: %s" % (" ".join(argv[:3]), completed.returncode,
                                                      (completed.stdout + completed.stderr)[-1500:]))
        return completed

    def playbook(self, plays, inventory, name="playbook.yml", extra_args=(), check=True):
        path = self.write(name, plays)
        return self.run(["ansible-playbook", "-i", inventory, path] + list(extra_args), check=check)


def localhost_inventory(env):
    """localhost on the local connection, with this virtual environment's Python."""
    return env.write("localhost.yml", {"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}})
