# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read many hosts' SSH host keys from the controller, all at once, and give each host its own lines.

Each host key type of each address and port is read by one ``ssh`` that
stops right after the key exchange, as ``ssh-keyscan`` does: the key is
handed to a ``KnownHostsCommand`` that writes it out and knows no key, so
with strict checking ``ssh`` refuses the host before any authentication.

Why not ``ssh-keyscan``: it cannot choose its key exchange and always
starts with sntrup761x25519, whose key generation in OpenSSH 9.2 costs about
50 ms of CPU per connection, in one process: 30 connections (three key
types, ten hosts) were 1.6 s of one core, the verify role's longest step on
a 2-core controller. ``ssh`` puts curve25519 first (``^`` keeps the
defaults after it, so a host that only offers another still answers) and
the scans run in parallel processes: 0.25 s of CPU for the same 30. A host
key is public and its signature over the exchange is checked either way,
so the lines are the same. ``KnownHostsCommand`` is OpenSSH 8.5 or later;
with an older ssh (RHEL 8 has 8.0), each key is read by an ``ssh-keyscan``
of one address, port and type instead, its line written as the ssh scan
writes it.

The lines are given back to the host whose address and port they name:
``ADDRESS TYPE KEY`` on port 22, ``[ADDRESS]:PORT TYPE KEY`` on any other
(as ssh-keyscan writes them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DEFAULT_PORT = 22
# The key types ssh-keyscan reads by default (its -t names), each with the host key algorithms that ask for it.
KEY_TYPES = (
    ("rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa"),
    ("ecdsa", "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521"),
    ("ed25519", "ssh-ed25519"),
)
# Cheap key exchanges first; the rest of ssh's defaults follow.
QUICK_KEX = "^curve25519-sha256,curve25519-sha256@libssh.org"
MARK = "ssh-host-key:"
# The key as ssh received it, on ssh's stderr (ssh reads the command's stdout as known hosts: it gets none).
KNOWN_HOSTS_COMMAND = '/bin/sh -c "echo \\"%s $1 $2\\" >&2" - %%t %%K' % MARK
# At most this many ssh processes at once; a larger fleet is scanned in waves.
WAVE = 64


class Target:
    """One host to scan: its inventory name, the address ssh connects to, and the port."""

    def __init__(self, name, address, port=DEFAULT_PORT):
        self.name = name
        self.address = address
        self.port = int(port)

    @property
    def label(self):
        """How ssh-keyscan names this address and port at the start of its lines."""
        if self.port == DEFAULT_PORT:
            return self.address.lower()
        return "[%s]:%d" % (self.address.lower(), self.port)


def ssh_argv(address, port, algorithms, timeout):
    """The ssh that reads one host key (``algorithms``) of ``address`` and ``port`` and stops before logging in."""
    options = ["BatchMode=yes", "ConnectTimeout=%d" % timeout, "KexAlgorithms=" + QUICK_KEX,
               "HostKeyAlgorithms=" + algorithms, "StrictHostKeyChecking=yes", "UserKnownHostsFile=/dev/null",
               "GlobalKnownHostsFile=/dev/null", "CheckHostIP=no", "UpdateHostKeys=no",
               "KnownHostsCommand=" + KNOWN_HOSTS_COMMAND, "LogLevel=ERROR"]
    argv = ["ssh", "-F", "/dev/null", "-p", str(port)]
    for option in options:
        argv.extend(["-o", option])
    return argv + ["--", address]


def keyscan_argv(address, port, key_type, timeout):
    """For an ssh without KnownHostsCommand: ssh-keyscan of one key type (``key_type``) of ``address`` and
    ``port``, its ``ADDRESS TYPE KEY`` lines written to stderr as the ssh scan writes them (``MARK TYPE KEY``)."""
    return ["sh", "-c", 'ssh-keyscan "$@" 2>/dev/null | sed -n "s/^[^#][^ ]* /%s /p" >&2' % MARK, "ssh-keyscan",
            "-T", str(timeout), "-p", str(port), "-t", key_type, "--", address]


def commands(targets, timeout, known_hosts_command=True):
    """[(label, argv)]: one ssh per address, port and key type, each address and port once, in order first seen;
    without ``known_hosts_command`` (an ssh older than OpenSSH 8.5), one ssh-keyscan for each instead."""
    places = []
    for target in targets:
        if (target.address, target.port) not in places:
            places.append((target.address, target.port))
    return [(Target("", address, port).label,
             ssh_argv(address, port, algorithms, timeout) if known_hosts_command
             else keyscan_argv(address, port, key_type, timeout))
            for address, port in places for key_type, algorithms in KEY_TYPES]


def waves(count):
    return max(1, (count + WAVE - 1) // WAVE)


def script(argvs, timeout):
    """A sh script that runs the scans (``argvs``), WAVE at a time, scan N's stderr into N.err in the directory
    given as $1, and then leaves the marker ``done`` there; past ``timeout`` seconds a wave, it stops them all
    (and leaves no marker)."""
    lines = ["cd \"$1\" || exit 1",
             "(sleep %d; kill -TERM 0) >/dev/null 2>&1 &" % (timeout * waves(len(argvs)) + 1),
             "killer=$!"]
    for start in range(0, len(argvs), WAVE):
        lines.append("pids=")
        for index in range(start, min(start + WAVE, len(argvs))):
            lines.append("%s </dev/null >/dev/null 2>%d.err &" % (" ".join(quote(arg) for arg in argvs[index]), index))
            lines.append('pids="$pids $!"')
        lines.append("wait $pids")
    lines.extend(["kill $killer 2>/dev/null", ": >done"])
    return "\n".join(lines) + "\n"


def quote(text):
    """``text`` as one sh word."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def key_lines(label, text):
    """The ``LABEL TYPE KEY`` lines of the keys one scan's stderr (``text``) holds."""
    lines = []
    for line in text.splitlines():
        fields = line[len(MARK):].split() if line.startswith(MARK) else []
        if len(fields) == 2:
            lines.append("%s %s %s" % (label, fields[0], fields[1]))
    return lines


def keys_by_host(targets, outputs):
    """{name: [key lines]} from the outputs ({scan: ``LABEL TYPE KEY`` lines}); comments and other hosts' lines
    are left out.

    Hosts that share an address and port share its lines.
    """
    lines = {}
    for text in outputs.values():
        for line in text.splitlines():
            fields = line.split()
            if len(fields) < 3 or line.startswith("#"):
                continue
            lines.setdefault(fields[0].lower(), []).append(" ".join(fields))
    return dict((target.name, lines.get(target.label, [])) for target in targets)
