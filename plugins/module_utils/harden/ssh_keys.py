# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where sshd would find an account's public keys, as sshd itself would look: pure functions.

Runs on the guest (harden_state): Python 3.8+, standard library only. The
reading of files and the running of AuthorizedKeysCommand are in
host_state.py; everything here is text in, text out, so the unit tests need
neither root nor sshd.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import shlex
import stat

# A line of an authorized_keys file (or of AuthorizedKeysCommand's output)
# that carries a key: optional options, a key type, then base64 key material
# (which always starts with "AAAA").
AUTHORIZED_KEY_LINE = re.compile(
    r"^\s*(?:[^#\s].*\s)?"
    r"(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r"(?:-cert-v01@openssh\.com)?\s+AAAA"
)

# sshd_config(5) TOKENS: what AuthorizedKeysCommand accepts.
COMMAND_TOKENS = frozenset("%CDfhktUu")
# Tokens whose value is the key a client offers; sshd runs the command once
# per offered key, and outside a login there is none.
OFFERED_KEY_TOKENS = frozenset("fkt")
# The environment sshd gives AuthorizedKeysCommand besides the user's names
# and home (its _PATH_STDPATH on Linux).
COMMAND_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"


def count_keys(text):
    return sum(1 for line in text.splitlines() if AUTHORIZED_KEY_LINE.match(line))


def parse_ssh_connection(value):
    """SSH_CONNECTION ("client-addr client-port server-addr server-port") as a dict, or None when it is not one."""
    fields = (value or "").split()
    if len(fields) != 4 or not (fields[1].isdigit() and fields[3].isdigit()):
        return None
    return {"addr": fields[0], "port": fields[1], "laddr": fields[2], "lport": fields[3]}


def match_spec(user, client):
    """The ``sshd -T -C`` connection spec for ``user`` logging in from ``client`` (parse_ssh_connection).

    ``host`` is the client's address: sshd matches Host patterns against the
    address unless UseDNS is on, which no supported image turns on. Without a
    client the login is taken to come from this machine itself.
    """
    if client is None:
        return "user=%s,host=localhost,addr=127.0.0.1" % user
    return "user=%s,host=%s,addr=%s,laddr=%s,lport=%s" % (user, client["addr"], client["addr"], client["laddr"],
                                                          client["lport"])


def tokens_in(text):
    """The token letters used in ``text`` (``%%`` is a literal percent sign, not a token)."""
    found = []
    index = 0
    while index < len(text):
        if text[index] == "%" and index + 1 < len(text):
            found.append(text[index + 1])
            index += 2
        else:
            index += 1
    return [code for code in found if code != "%"]


def expand_tokens(text, values, keep_unknown=False):
    """``text`` with each ``%x`` replaced by ``values[x]`` (``%%`` by ``%``).

    A token without a value is a KeyError, or left as written with ``keep_unknown``.
    """
    parts = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%" and index + 1 < len(text):
            code = text[index + 1]
            if code == "%":
                parts.append("%")
            elif keep_unknown and code not in values:
                parts.append("%" + code)
            else:
                parts.append(values[code])
            index += 2
        else:
            parts.append(char)
            index += 1
    return "".join(parts)


def command_values(user, uid, home, client):
    """The token values sshd would give the command for ``user``, except the offered key's."""
    connection = ("%s %s %s %s" % (client["addr"], client["port"], client["laddr"], client["lport"])
                  if client else "127.0.0.1 0 127.0.0.1 22")
    return {"u": user, "U": str(uid), "h": home, "C": connection, "D": ""}


def command_argv(command, values):
    """(argv, reason, sshd_refuses): how sshd would call AuthorizedKeysCommand ``command``.

    When argv is None, ``reason`` says why; ``sshd_refuses`` tells whether
    sshd itself would not run it (then it gives no key) or only this check
    cannot (then its keys are unknown).

    sshd splits the command line at spaces (quotes group words), expands the
    tokens in its arguments, and gives the user name as the only argument
    when the command line has none. A command whose arguments use the
    offered key (%f, %k, %t) is not run: what it answers depends on a key
    that only exists during a login.
    """
    try:
        words = shlex.split(command)
    except ValueError as problem:
        return None, "sshd cannot split its command line (%s)" % problem, True
    if not words:
        return None, "it is empty", True
    if not words[0].startswith("/"):
        return None, "sshd refuses it: %s is not an absolute path" % words[0], True
    used = set()
    for word in words[1:]:
        used.update(tokens_in(word))
    unknown = sorted(used - COMMAND_TOKENS)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        return None, "sshd does not know the token%s %s" % (plural, ", ".join("%" + code for code in unknown)), True
    keyed = sorted(used & OFFERED_KEY_TOKENS)
    if keyed:
        return None, ("it was not run: its %s stand%s for the key a client offers, which exists only during a "
                      "login" % (", ".join("%" + code for code in keyed), "s" if len(keyed) == 1 else "")), False
    if len(words) == 1:
        return [words[0], values["u"]], None, False
    return [words[0]] + [expand_tokens(word, values) for word in words[1:]], None, False


def unsafe_path_reason(lstat_chain):
    """Why sshd would refuse to run a command, or None (sshd's safe_path for a command: root owns it and every
    directory above it, and none of them is writable by group or others).

    ``lstat_chain`` is a list of (path, os.stat_result or None) from the
    command up to ``/``, following a symbolic link command to its target.
    """
    for index, (name, info) in enumerate(lstat_chain):
        if info is None:
            return "%s does not exist" % name
        if index == 0 and not stat.S_ISREG(info.st_mode):
            return "%s is not a regular file" % name
        if info.st_uid != 0:
            return "%s is not owned by root" % name
        if info.st_mode & 0o022:
            return "%s is writable by group or others" % name
    return None


def describe_command(command, runas):
    return "AuthorizedKeysCommand %s (run as %s)" % (command, runas)
