"""A listening socket inside another network namespace (a test host's), and the address it needs there.

Linux network namespaces are per thread: a short-lived thread joins the
host's namespace with setns(2), opens and binds the socket, and ends; the
socket stays in the namespace it was made in, so this process serves the
host without any address, route or rule on this machine's own interfaces.
Python 3.11 has no os.setns (3.12 does), hence ctypes.
"""

import ctypes
import errno
import os
import socket
import subprocess
import threading

CLONE_NEWNET = 0x40000000


def _join(netns_path):
    libc = ctypes.CDLL(None, use_errno=True)
    with open(netns_path, "rb") as handle:
        if libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
            code = ctypes.get_errno()
            raise OSError(code, "setns(%s): %s" % (netns_path, os.strerror(code)))


def add_address(netns_path, address, device="lo"):
    """Put ``address``/32 on ``device`` inside the namespace (idempotent)."""
    result = subprocess.run(["nsenter", "--net=%s" % netns_path, "ip", "address", "add", "%s/32" % address,
                             "dev", device], capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0 and "File exists" not in result.stderr:
        raise OSError(errno.EINVAL, "adding %s in %s: %s" % (address, netns_path, result.stderr.strip()))


def listen_in(netns_path, address, port, backlog=64):
    """A TCP socket bound to ``address:port`` and listening inside the namespace at ``netns_path``."""
    outcome = {}

    def work():
        try:
            _join(netns_path)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
            sock.listen(backlog)
            outcome["socket"] = sock
        except OSError as problem:
            outcome["error"] = problem

    thread = threading.Thread(target=work, name="metadata-netns", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["socket"]


def link_macs(netns_path):
    """{interface: MAC} of the namespace's Ethernet interfaces (the guest agent matches NICs by MAC)."""
    result = subprocess.run(["nsenter", "--net=%s" % netns_path, "ip", "-o", "link", "show"],
                            capture_output=True, text=True, timeout=30, check=False)
    macs = {}
    for line in result.stdout.splitlines():
        fields = line.split()
        if "link/ether" in fields:
            macs[fields[1].rstrip(":").split("@")[0]] = fields[fields.index("link/ether") + 1]
    return macs
