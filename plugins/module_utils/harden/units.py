# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What systemd must change so a unit is as a control wants it: only the properties that differ.

A change is the arguments of one ansible.builtin.systemd_service call
(``masked``, ``enabled``, ``state``, ``name``); a unit already as wanted
gives none, so a compliant host costs no module run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# ActiveState values of a unit that runs or is about to (systemctl show).
ACTIVE_STATES = ("active", "activating", "reloading", "deactivating")
# UnitFileState values that start the unit at boot or make enabling it meaningless.
ENABLED_STATES = ("enabled", "enabled-runtime", "static", "indirect", "generated", "alias", "linked")
NOT_FOUND = {"load_state": "not-found"}


def is_masked(unit):
    return unit.get("load_state") == "masked" or unit.get("unit_file_state", "") == "masked"


def unit_change(unit, wanted, checking):
    """The systemd_service arguments (without name) that bring ``unit`` to ``wanted``; {} when it is so already.

    ``wanted`` has any of masked: true, enabled: true, state: started|stopped.
    """
    change = {}
    if unit.get("load_state") == "not-found":
        # A unit a control needs is missing after its package was installed:
        # the systemd module then fails with its own clear message. A unit
        # to mask or stop that is not installed is left alone (masking it
        # would only leave a stray link behind).
        if wanted.get("enabled") and not checking:
            change.update(wanted)
        return change
    masked = is_masked(unit)
    if wanted.get("masked") and not masked:
        change["masked"] = True
    if wanted.get("enabled"):
        if masked:
            change.update({"masked": False, "enabled": True})
        elif unit.get("unit_file_state", "") not in ENABLED_STATES:
            change["enabled"] = True
    if wanted.get("state", "") == "started" and unit.get("active_state") != "active":
        change["state"] = "started"
    elif wanted.get("state", "") == "stopped" and unit.get("active_state") in ACTIVE_STATES:
        change["state"] = "stopped"
    return change


def unit_changes(wanted_units, units, checking):
    """[change with its name] for the units of one control, in the order they are wanted."""
    changes = []
    for name, wanted in wanted_units.items():
        change = unit_change(units.get(name, NOT_FOUND), wanted, checking)
        if change:
            change["name"] = name
            changes.append(change)
    return changes
