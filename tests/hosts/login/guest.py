"""Reaching a google-variant test host as Google's images are reached: over SSH with the keys the guest took.

The agent makes new SSH host keys at the instance's first boot and puts them
in the guest attributes (``hostkeys/<type>``), as on Compute Engine where
gcloud reads them from there; known_hosts is written from those.
"""

import os
import subprocess
import time

from testhosts import containers, inside  # tools/ is on sys.path (tests.fixtures)

AGENT_WAIT_SECONDS = 180


def metadata_of(emulator):
    return emulator.server.world.backing.metadata


def instance_key(emulator, name, zone="us-central1-a"):
    return (emulator.project, zone, name)


def wait_for(what, probe, timeout=AGENT_WAIT_SECONDS, interval=2):
    """Call ``probe`` until it returns something true; return it, or fail naming ``what`` and the last answer."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last and getattr(last, "returncode", 0) == 0:
            return last
        time.sleep(interval)
    detail = getattr(last, "stderr", last)
    raise AssertionError("%s did not happen within %d s; last: %s" % (what, timeout, detail))


def known_hosts_from_guest_attributes(emulator, key, address, folder):
    def host_key():
        return metadata_of(emulator).guest_attributes(key).get("hostkeys/ssh-ed25519")

    public = wait_for("the agent publishing its SSH host key in the guest attributes", host_key)
    path = os.path.join(str(folder), "known_hosts-%s" % key[2])
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("%s ssh-ed25519 %s\n" % (address, public.strip()))
    return path


def ssh(user, address, private_key, known_hosts, command, timeout=60):
    argv = ["ssh", "-i", private_key, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=%s" % known_hosts,
            "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "-o", "PreferredAuthentications=publickey",
            "%s@%s" % (user, address), command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def in_guest_as_root(emulator, key, command):
    """Run a command inside the host's namespaces without SSH (to read the agent's journal on failure)."""
    row = next((row for row in emulator.admin.backing_hosts() if tuple(
        (row["project"], row["zone"], row["instance"])) == key), None)
    if row is None:
        return "(no such host)"
    record = containers.read_record(row["host"])
    if record is None or inside.container_init(record) is None:
        return "(host not running)"
    return inside.run(record, command, 60)[1]


def agent_journal(emulator, key):
    """The agent's journal, and what else turns a login away: an unfinished boot, /run/nologin."""
    return in_guest_as_root(emulator, key, "journalctl -u google-guest-agent --no-pager | tail -40; "
                            + inside.BOOT_DIAGNOSIS)
