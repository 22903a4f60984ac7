"""Thin wrappers over the machine: commands, locks, processes, mounts."""

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

from .errors import TesthostsError

# Which Debian package brings each command (for the one-line error).
COMMAND_PACKAGES = {
    "debootstrap": "debootstrap",
    "systemd-nspawn": "systemd-container",
    "ip": "iproute2",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "mount": "mount",
    "umount": "mount",
    "nsenter": "util-linux",
    "mkfs.ext4": "e2fsprogs",
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
}


def log(message):
    print("testhosts: %s" % message, file=sys.stderr, flush=True)


def require_root():
    if os.geteuid() != 0:
        raise TesthostsError("must run as root (it mounts overlays and starts containers); run it with sudo")


def require_commands(*names):
    for name in names:
        if shutil.which(name) is None:
            raise TesthostsError(
                "%s not found; install it: apt-get install %s" % (name, COMMAND_PACKAGES.get(name, name))
            )


def run(argv, check=True, capture=False, log_file=None, timeout=None, input_text=None):
    """Run a command; on failure raise a one-line error naming it.

    ``log_file`` collects its output (and the error quotes the log's tail);
    ``capture`` returns stdout as text.
    """
    stdout = subprocess.PIPE if capture else None
    stderr = subprocess.PIPE if capture else None
    handle = None
    if log_file:
        handle = open(log_file, "ab")
        stdout = stderr = handle
    try:
        result = subprocess.run(
            argv,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL if input_text is None else None,
            input=input_text.encode() if input_text is not None else None,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TesthostsError("%s took longer than %ss" % (argv[0], timeout)) from None
    finally:
        if handle:
            handle.close()
    if check and result.returncode != 0:
        detail = ""
        if capture and result.stderr:
            detail = ": " + result.stderr.decode(errors="replace").strip().splitlines()[-1]
        elif log_file:
            detail = "; last lines of %s:\n%s" % (log_file, tail(log_file))
        raise TesthostsError("%s failed (exit %d)%s" % (" ".join(argv[:3]), result.returncode, detail))
    if capture:
        return result.stdout.decode(errors="replace")
    return result.returncode


def tail(path, lines=15):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 8192))
            text = handle.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def locked(path, what):
    """Hold an exclusive lock file; several people share this machine."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another testhosts run to finish %s" % what)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def process_alive(pid, cmdline_must_contain=None):
    """True if ``pid`` runs (not a zombie) and, if given, its command line holds the marker.

    The marker guards against a recycled pid after a crash or a reboot.
    """
    if not pid:
        return False
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            stat = handle.read().decode(errors="replace")
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    if state in ("Z", "X"):
        return False
    return cmdline_must_contain is None or cmdline_must_contain in cmdline


def stop_process(pid, marker, timeout, what):
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL. True if it halted cleanly."""
    if not process_alive(pid, marker):
        return True
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid, marker):
            return True
        time.sleep(0.2)
    log("%s did not stop within %ss; killing it" % (what, timeout))
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process_alive(pid, marker):
        time.sleep(0.2)
    return False


def mounts_under(path):
    """Mount points at or below ``path`` (deepest first), from this namespace's mount table."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            mount_point = line.split()[4].replace("\\040", " ")
            if mount_point == path or mount_point.startswith(path + "/"):
                found.append(mount_point)
    return sorted(found, key=len, reverse=True)


def unmount_all_under(path):
    for mount_point in mounts_under(path):
        if run(["umount", mount_point], check=False) != 0:
            run(["umount", "--lazy", mount_point], check=False)
    left = mounts_under(path)
    if left:
        raise TesthostsError("cannot unmount %s; stop what uses it and run `testhosts down` again" % left[0])


def remove_tree(path):
    """Remove ``path`` only after checking nothing is mounted below it.

    Deleting through a live mount would reach into whatever is mounted there.
    """
    if not os.path.lexists(path):
        return
    unmount_all_under(path)
    shutil.rmtree(path)


def link_exists(name):
    return os.path.exists("/sys/class/net/%s" % name)


def pids_with_environment(entry):
    """Pids whose initial environment holds ``entry`` (e.g. ``container_uuid=...``)."""
    wanted = entry.encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as handle:
                if wanted in handle.read().split(b"\0"):
                    found.append(int(name))
        except OSError:
            continue
    return found


def pids_with_cmdline(marker):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and process_alive(int(name), marker):
            found.append(int(name))
    return found


def halt_container_init(pid, timeout):
    """Halt an orphaned container's systemd (its nspawn died): SIGRTMIN+3, then SIGKILL.

    Killing the first process of a pid namespace ends every process in it.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGRTMIN + 3)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process_alive(pid):
        time.sleep(0.2)
    if process_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
