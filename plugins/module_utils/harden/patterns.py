# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sshd's user patterns (sshd_config(5) PATTERNS): ``*`` matches any run of characters, ``?`` one character.

Hand-written: fnmatch also reads ``[...]`` as a character class, which
sshd does not, so a name with brackets would be judged differently.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
