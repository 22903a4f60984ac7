# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files that allow more than harden_file_permissions_list permits, or have another owner or group."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import text


def four_digits(mode):
    """A listed mode ("644", "0640") as the four octal digits harden_state reports ("0644")."""
    return ("000" + text(mode))[-4:]


def extra_bits(current, allowed):
    """The permission bits (setuid, setgid and sticky included) ``current`` has and ``allowed`` does not."""
    return int(current, 8) & ~int(allowed, 8)


def file_fix(entry, current):
    """The owner, group and mode to set on one listed file, or None when it is as listed or allows less.

    Symbolic links and missing files are left alone. A fix sets the listed
    mode, which never allows more than the list does.
    """
    if not current.get("exists") or current.get("type") == "link":
        return None
    allowed = four_digits(entry["mode"])
    if current.get("owner") != entry["owner"] or current.get("group") != entry["group"] \
            or extra_bits(current["mode"], allowed):
        return {"path": entry["path"], "owner": entry["owner"], "group": entry["group"], "mode": allowed}
    return None


def file_fixes(entries, paths):
    fixes = []
    for entry in entries:
        fix = file_fix(entry, paths.get(entry["path"], {"exists": False}))
        if fix is not None:
            fixes.append(fix)
    return fixes
