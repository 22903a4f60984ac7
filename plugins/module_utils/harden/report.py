# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The harden report of one host: per control applied / compliant / skipped (would_apply in check mode)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def pending(work, plan):
    """Per control: work the plan found that a check-mode run did not do (so it would apply)."""
    return {
        "swap": bool(work.get("swap_off")) or bool(work.get("swap_fstab_lines")),
        "core_dumps": bool(work.get("core_dumps_drift")) and plan["core_dumps"]["kernel"],
        "sysctl": bool(work.get("sysctl_drift")) and plan["sysctl"]["kernel"],
        "tdx_guest_device": bool(work.get("tdx_trigger")) and plan["tdx_guest_device"]["kernel"],
        "auditd": bool(work.get("audit_load")) and plan["auditd"]["kernel"],
        "shm_mount": bool(work.get("shm_remount")),
        "firewall": bool(work.get("nft_load")),
    }


def selected_by_tags(tags, run_tags, skip_tags):
    """Whether a task with ``tags`` (none of them always or never) runs under --tags/--skip-tags, as Ansible decides."""
    tags, run_tags, skip_tags = set(tags), set(run_tags), set(skip_tags)
    if not ("all" in run_tags or "tagged" in run_tags or tags & run_tags):
        return False
    return not ("all" in skip_tags or "tagged" in skip_tags or tags & skip_tags)


def control_tags(control):
    """The tags of a control's tasks: harden, its group's and its own."""
    return ("harden", "harden_" + control["group"], "harden_" + control["name"])


def control_status(entry, results, installed, checking, pending_work):
    """(status, reason) of a running control from its task results (name -> changed, for the tasks reached)."""
    if not results:
        return "skipped", "not selected by --tags"
    if any(results.values()) or installed or (checking and pending_work):
        return ("would_apply" if checking else "applied"), ""
    return "compliant", ""


def build_report(header, controls, plan, work, sshd_other, results, packages_changed, checking,
                 run_tags=("all",), skip_tags=()):
    """The report; ``header`` holds host, role, os, container, check_mode, disruptive and login_user.

    ``results`` maps each registered task result of the controls that the
    run reached (whether it ran or was skipped) to whether it changed.
    ``work`` is None when the run did not get as far as planning the work.
    A group whose controls had no work (``work["groups"]``) is not included,
    so its results are missing: its controls are compliant when the run's
    tags select them.
    """
    work = work or {"notes": {}}
    waiting = pending(work, plan)
    extra_notes = {"sshd": ["sshd -T: " + note for note in sshd_other]}
    report = dict(header, controls={}, applied=[], compliant=[], skipped={})
    for control in controls:
        name = control["name"]
        entry = plan[name]
        notes = (entry["notes"] + work["notes"].get(name, []) + extra_notes.get(name, [])) if entry["run"] else []
        status, reason = "skipped", entry["reason"]
        if entry["run"]:
            reached = dict((result, results[result]) for result in control["results"] if result in results)
            idle = work.get("groups", {}).get(control["group"]) is False
            if not reached and idle and selected_by_tags(control_tags(control), run_tags, skip_tags):
                reached = {"(no work on this host)": False}
            status, reason = control_status(entry, reached, bool(entry["packages"]) and packages_changed, checking,
                                            waiting.get(name, False))
        report["controls"][name] = {"group": control["group"], "status": status, "reason": reason, "notes": notes}
        if status == "skipped":
            report["skipped"][name] = reason
        elif status == "compliant":
            report["compliant"].append(name)
        else:
            report["applied"].append(name)
    return report
