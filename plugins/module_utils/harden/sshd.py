# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The drop-in's settings that ``sshd -T`` shows with another value (another file or a Match block won)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import text

NOT_SHOWN = "(not shown by sshd -T)"
# sshd -T prints the old spelling of PermitRootLogin's value on some versions.
SPELLINGS = {"without-password": "prohibit-password"}


def sshd_value(value):
    """A drop-in value as sshd -T prints it: booleans as yes/no, lower case."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return text(value).lower()


def sshd_mismatches(ssh_wanted, effective, critical_keywords):
    """{"critical": [...], "other": [...]}: critical ones guard logins (the role fails), others are reported."""
    found = {"critical": [], "other": []}
    for key, value in ssh_wanted.items():
        wanted = sshd_value(value)
        used = text(effective.get(key.lower(), NOT_SHOWN)).lower()
        used = SPELLINGS.get(used, used)
        if used != wanted:
            found["critical" if key.lower() in critical_keywords else "other"].append(
                "%s is %s, not %s" % (key, used, wanted))
    return found
