"""SSH: the client key pair, per-host host keys, and waiting for a real login."""

import glob
import os
import subprocess
import time

from . import settings, system
from .errors import TesthostsError

CLIENT_KEY_NAME = "id_ed25519"


def client_key_path():
    return os.path.join(settings.state_dir(), CLIENT_KEY_NAME)


def ensure_client_key():
    """Return (private key path, public key line), creating the pair once."""
    private = client_key_path()
    os.makedirs(settings.state_dir(), mode=0o700, exist_ok=True)
    with system.locked(os.path.join(settings.state_dir(), "key.lock"), "creating the key pair"):
        if not (os.path.exists(private) and os.path.exists(private + ".pub")):
            for stale in (private, private + ".pub"):
                if os.path.exists(stale):
                    os.unlink(stale)
            system.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "testhosts", "-f", private],
                capture=True,
            )
    with open(private + ".pub", encoding="utf-8") as handle:
        return private, handle.read().strip()


def generate_host_keys(root):
    """Give the system at ``root`` its own host keys (rsa, ecdsa, ed25519); return the public lines."""
    system.run(["ssh-keygen", "-A", "-f", root], capture=True)
    public = []
    for path in sorted(glob.glob(os.path.join(root, "etc/ssh/ssh_host_*_key.pub"))):
        with open(path, encoding="utf-8") as handle:
            public.append(handle.read().strip())
    if not public:
        raise TesthostsError("ssh-keygen -A made no host keys under %s/etc/ssh" % root)
    return public


def known_hosts_text(address, port, public_keys):
    """known_hosts lines for one host; a port other than 22 uses the ``[addr]:port`` form."""
    target = address if port in (None, 22) else "[%s]:%d" % (address, port)
    lines = []
    for line in public_keys:
        key_type, key = line.split()[:2]
        lines.append("%s %s %s" % (target, key_type, key))
    return "\n".join(lines) + "\n"


def install_authorized_key(root, public_key):
    """Let the test user in with ``public_key`` (owner and modes as sshd demands)."""
    uid = gid = None
    with open(os.path.join(root, "etc/passwd"), encoding="utf-8") as handle:
        for line in handle:
            fields = line.split(":")
            if fields[0] == settings.TEST_USER:
                uid, gid = int(fields[2]), int(fields[3])
                home = fields[5]
    if uid is None:
        raise TesthostsError("the base image has no user %r; rebuild it (remove the cache folder)"
                             % settings.TEST_USER)
    ssh_dir = os.path.join(root, home.lstrip("/"), ".ssh")
    os.makedirs(ssh_dir, exist_ok=True)
    keys = os.path.join(ssh_dir, "authorized_keys")
    with open(keys, "w", encoding="utf-8") as handle:
        handle.write(public_key + "\n")
    for path, mode in ((ssh_dir, 0o700), (keys, 0o600)):
        os.chown(path, uid, gid)
        os.chmod(path, mode)


def ssh_command(address, private_key, known_hosts, port=None, extra=()):
    """An ssh command line that checks the host key against the host's own known_hosts."""
    argv = [
        "ssh", "-i", private_key,
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "UserKnownHostsFile=%s" % known_hosts,
        "-o", "ConnectTimeout=%d" % settings.SSH_CONNECT_TIMEOUT,
        "-o", "LogLevel=ERROR",
    ]
    if port:
        argv += ["-p", str(port)]
    argv += list(extra)
    argv.append("%s@%s" % (settings.TEST_USER, address))
    return argv


def wait_for_login(address, private_key, known_hosts, timeout, still_running, port=None, what="host"):
    """Wait until the test user logs in over SSH and systemd has finished booting.

    Returns the system state (``running`` or ``degraded``) and the failed
    units. A bare port check is not enough: sshd accepts connections before
    the user, the key or PAM work. ``still_running`` reports a crashed host
    at once instead of waiting out the timeout.
    """
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    probe = ssh_command(address, private_key, known_hosts, port=port)
    probe += ["systemctl is-system-running --wait; systemctl --failed --plain --no-legend"]
    while time.monotonic() < deadline:
        if not still_running():
            raise TesthostsError("%s stopped while booting" % what)
        try:
            result = subprocess.run(
                probe, stdin=subprocess.DEVNULL, capture_output=True,
                timeout=max(10, deadline - time.monotonic()),
            )
        except subprocess.TimeoutExpired:
            break
        if result.returncode != 255:
            lines = result.stdout.decode(errors="replace").splitlines()
            state = lines[0].strip() if lines else "unknown"
            failed = [line.split()[0] for line in lines[1:] if line.strip()]
            return state, failed
        last_error = (result.stderr.decode(errors="replace").strip().splitlines() or ["no answer"])[-1]
        time.sleep(1)
    raise TesthostsError("%s did not accept an SSH login within %ss (%s)" % (what, timeout, last_error))
