# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which of the harden role's controls run on a host, what they still need installed, and why others do not."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import truth, unique


def in_container(host_kind, detected, virtualization_role, virtualization_type, container_types):
    """Whether the host is a container: as told (host_kind), else as harden_state or the facts detected it."""
    if host_kind == "container":
        return True
    if host_kind != "auto":
        return False
    if detected:
        return True
    return virtualization_role == "guest" and virtualization_type in container_types


def check_mode(ansible_check_mode, state):
    """--check, or check mode set on the task or an include (which only the state module sees)."""
    return bool(ansible_check_mode or state.get("check_mode"))


def missing_packages(control, programs, os_packages):
    """The packages of a control whose program harden_state did not find."""
    missing = []
    for key in control["packages"]:
        package = os_packages[key]
        if package["program"] in programs and programs[package["program"]] is None:
            missing.append(package["package"])
    return missing


def skip_reason(control, switches, disruptive, container, sshd_installed):
    """Why the control does not run, or None when it runs."""
    if not truth(switches[control["switch"]]):
        return "switched off (%s: false)" % control["switch"]
    if control["disruptive"] and not truth(disruptive):
        return "disruptive: %s (needs harden_disruptive: true)" % control["disruptive_reason"]
    if container and control["container"] == "none":
        return "not applicable in a container: %s" % control["container_reason"]
    if control["name"] == "sshd" and not sshd_installed:
        return "not applicable: no sshd on this host"
    return None


def plan_control(control, switches, disruptive, container, checking, state, os_packages):
    """One control's entry: run, kernel (its kernel-side step runs), ready, packages, reason, notes."""
    entry = {"group": control["group"], "run": False, "kernel": False, "ready": False, "packages": [], "reason": "",
             "notes": []}
    reason = skip_reason(control, switches, disruptive, container, (state.get("ssh") or {}).get("installed"))
    if reason is not None:
        entry["reason"] = reason
        return entry
    missing = missing_packages(control, state.get("programs") or {}, os_packages)
    files_only = container and control["container"] == "files"
    entry.update({"run": True, "kernel": not files_only, "packages": missing, "ready": not missing or not checking})
    if files_only:
        entry["notes"].append("container: %s" % control["container_reason"])
    if missing and checking:
        entry["notes"].append("check mode: would install %s first; the rest of the control is checked once it is "
                              "installed" % ", ".join(missing))
    return entry


def plan_controls(controls, switches, disruptive, container, checking, state, os_packages):
    """Control name -> its entry (see plan_control), in the role's order."""
    return dict((control["name"], plan_control(control, switches, disruptive, container, checking, state,
                                               os_packages))
                for control in controls)


def packages_to_install(plan):
    return unique(package for entry in plan.values() for package in entry["packages"])
