# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sshd's user patterns (sshd_config(5) PATTERNS): ``*`` matches any run of characters, ``?`` one character.

Hand-written: fnmatch also reads ``[...]`` as a character class, which
sshd does not, so a name with brackets would be judged differently.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re


def pattern_regex(pattern):
    """A regular expression that matches exactly the names ``pattern`` matches."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def user_part(pattern):
    """The user part of an AllowUsers/DenyUsers entry (``user@host`` -> ``user``)."""
    return pattern.split("@")[0]


def matches(pattern, name):
    return pattern_regex(pattern).match(name) is not None


def host_part(pattern):
    """The host part of an AllowUsers/DenyUsers entry (``user@host`` -> ``host``), or None."""
    return pattern.split("@", 1)[1] if "@" in pattern else None


def host_matches(pattern, address):
    """Whether an entry's host part lets in a client at ``address`` (sshd with UseDNS no: host is the address).

    A CIDR block (``10.0.0.0/8``) holds the address; any other pattern is
    matched against it as a name pattern. A list (``,``) or a negation
    (``!``) is not judged and does not match.
    """
    if not pattern or "," in pattern or "!" in pattern:
        return False
    if "/" in pattern:
        try:
            return ipaddress.ip_address(address) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    return matches(pattern.lower(), address.lower())
