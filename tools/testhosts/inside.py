"""Commands inside a running container, as its root, without SSH (through nsenter).

For what a login cannot tell: a google-variant host lets no test key in,
so whether it has finished booting is read from inside.
"""

import subprocess
import time

from . import system
from .errors import TesthostsError

# pam_nologin refuses every user but root while this file exists;
# systemd-tmpfiles makes it at boot, systemd-user-sessions.service removes it.
NOLOGIN = "/run/nologin"


def container_init(record):
    """The pid, on this machine, of the container's systemd (pid 1 inside it), or None."""
    for pid in system.pids_with_environment("container_uuid=%s" % record["uuid"]) if record.get("uuid") else []:
        try:
            with open("/proc/%d/status" % pid, encoding="utf-8") as handle:
                ns_pids = [line.split()[1:] for line in handle if line.startswith("NSpid:")][0]
        except (OSError, IndexError):
            continue
        if ns_pids[-1] == "1":
            return pid
    return None


def run(record, command, timeout, namespaces=("--all",)):
    """Run a shell command inside the container; returns (exit code, stdout and stderr)."""
    pid = container_init(record)
    if pid is None:
        raise TesthostsError("host %s: its init is not running" % record["name"])
    system.require_commands("nsenter")
    try:
        result = subprocess.run(["nsenter", "--target", str(pid)] + list(namespaces) + ["/bin/sh", "-c", command],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=max(1, timeout), check=False)
    except subprocess.TimeoutExpired:
        return None, "(no answer within %.0f s)" % timeout
    return result.returncode, result.stdout + result.stderr


# Where the boot stands and what is left of it: for the error when it does not finish, and for a refused login.
BOOT_DIAGNOSIS = (
    "echo '-- system state:'; systemctl is-system-running; "
    "echo '-- pending jobs:'; systemctl list-jobs --no-pager --no-legend; "
    "echo '-- systemd-user-sessions.service:'; systemctl show -p ActiveState -p Result systemd-user-sessions.service; "
    "echo '-- %s:'; ls -l %s 2>&1; "
    "echo '-- journal:'; journalctl -b --no-pager -n 25 -o short-monotonic"
) % (NOLOGIN, NOLOGIN)


def wait_for_boot(record, timeout, what):
    """Wait until systemd inside has finished booting and user logins are open; returns (state, failed units).

    sshd may answer while the boot still runs, and until it has finished
    pam_nologin turns every user away with "System is booting up"; a test
    that starts then sees a refused login, not the cause.
    """
    deadline = time.monotonic() + timeout
    code, output = run(record, "systemctl is-system-running --wait; systemctl --failed --plain --no-legend",
                       deadline - time.monotonic())
    lines = output.splitlines()
    state = lines[0].strip() if code is not None and lines else "unknown"
    if state in ("running", "degraded"):
        nologin, _ = run(record, "test -e %s" % NOLOGIN, max(5, deadline - time.monotonic()))
        if nologin != 0:
            return state, [line.split()[0] for line in lines[1:] if line.strip()]
        problem = "finished booting (%s) but %s is still there, so users cannot log in" % (state, NOLOGIN)
    else:
        problem = "did not finish booting within %.0f s (state: %s)" % (timeout, state)
    _, diagnosis = run(record, BOOT_DIAGNOSIS, 30)
    raise TesthostsError("%s %s:\n%s" % (what, problem, diagnosis.rstrip()))
