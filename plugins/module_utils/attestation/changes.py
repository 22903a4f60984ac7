# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What changed for each host between two runs of the verify role: the last archived report of each host
and this run's. Used by playbooks/reattest.yml (through the attestation_changes filter).

A report is the verify role's per-host JSON (module_utils/attestation/judgement.py). Compared: the verdict,
whether the host passes, the TCB status, the advisories (added and removed), the measurements (MRTD,
RTMR0-3, from the decoded quote), the boot components by name (the replayed event log: component → its
digests), the instance's ID (an instance made again under its name: re-created) and else the kernel's boot
ID (a restart). A Compute Engine maintenance event the host's metadata server announces is reported in
every run, the first one too. The last three are self-reported (verify_gce_metadata for the first and last).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FIRST_PROOF = "first proof, nothing to compare"
REGISTERS = ("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3")
# Host states in the result.
CHANGED = "changed"
UNCHANGED = "unchanged"
FIRST = "first proof"
NEW = "new"
GONE = "gone"
NOT_CHECKED = "not checked"


def _attestation(report):
    return report.get("attestation") or {}


def measurements(report):
    """{register: hex} of the report's verified quote (MRTD, RTMR0-3); empty without a decoded quote."""
    decoded = _attestation(report).get("decoded") or {}
    values = {"mrtd": decoded.get("mrtd")}
    rtmrs = list(decoded.get("rtmr") or [])
    for index in range(4):
        values["rtmr%d" % index] = rtmrs[index] if index < len(rtmrs) else None
    return dict((name, value) for name, value in values.items() if value)


def components(report):
    """{component: [digests in log order, each once]} of the report's replayed event log; empty without one."""
    replay = _attestation(report).get("event_log_replay") or {}
    found = {}
    for event in replay.get("events") or []:
        name = event.get("component")
        if not name:
            continue
        digests = found.setdefault(name, [])
        if event.get("digest") not in digests:
            digests.append(event.get("digest"))
    return found


def boot_id(report):
    return (report.get("self_reported") or {}).get("boot_id") or None


def instance_id(report):
    """Compute Engine's instance ID the host relayed from its metadata server; None when not asked."""
    return (report.get("self_reported") or {}).get("instance_id") or None


def maintenance_event(report):
    """The Compute Engine maintenance event the report recorded (metadata key instance/maintenance-event), if any."""
    value = (report.get("self_reported") or {}).get("maintenance_event") or None
    return None if value in (None, "NONE") else value


def _short(value):
    """A digest shortened for the text report (the JSON keeps it whole)."""
    text = "%s" % value
    return text if len(text) <= 16 else text[:12] + "..."


def _change(kind, what, before, after, text):
    return {"kind": kind, "what": what, "before": before, "after": after, "text": text}


def host_changes(before, after):
    """The list of changes from report ``before`` to report ``after`` of one host, each
    {kind, what, before, after, text}; empty when nothing compared differs."""
    changes = []
    for key, kind in (("verdict", "verdict"), ("tcb_status", "tcb_status")):
        old, new = before.get(key), after.get(key)
        if old != new:
            label = "TCB status" if kind == "tcb_status" else "verdict"
            changes.append(_change(kind, key, old, new, "%s %s → %s" % (label, old, new)))
    if bool(before.get("verified")) != bool(after.get("verified")):
        changes.append(_change("passes", "verified", bool(before.get("verified")), bool(after.get("verified")),
                               "passes → fails" if before.get("verified") else "fails → passes"))
    old_ids, new_ids = set(before.get("advisory_ids") or []), set(after.get("advisory_ids") or [])
    if old_ids != new_ids:
        added, removed = sorted(new_ids - old_ids), sorted(old_ids - new_ids)
        parts = (["added %s" % ", ".join(added)] if added else []) + (
            ["removed %s" % ", ".join(removed)] if removed else [])
        changes.append(dict(_change("advisories", "advisory_ids", sorted(old_ids), sorted(new_ids),
                                    "advisories " + "; ".join(parts)), added=added, removed=removed))
    old_values, new_values = measurements(before), measurements(after)
    for register in REGISTERS:
        old, new = old_values.get(register), new_values.get(register)
        if old != new and (old or new):
            changes.append(_change("measurement", register, old, new, "%s %s → %s" % (
                register.upper(), _short(old) if old else "none", _short(new) if new else "none")))
    old_parts, new_parts = components(before), components(after)
    for name in sorted(set(old_parts) | set(new_parts)):
        old, new = old_parts.get(name), new_parts.get(name)
        if old == new:
            continue
        if old is None:
            text = "boot component %s added (%s)" % (name, ", ".join(_short(digest) for digest in new))
        elif new is None:
            text = "boot component %s removed (was %s)" % (name, ", ".join(_short(digest) for digest in old))
        else:
            text = "boot component %s %s → %s" % (
                name, ", ".join(_short(digest) for digest in old), ", ".join(_short(digest) for digest in new))
        changes.append(_change("component", name, old, new, text))
    since = before.get("attestation", {}).get("verify_at") or "the last run"
    old_instance, new_instance = instance_id(before), instance_id(after)
    old_boot, new_boot = boot_id(before), boot_id(after)
    if old_instance and new_instance and old_instance != new_instance:
        # Made again under its name (a new boot as well): not the machine proven last time.
        changes.append(_change("re-created", "instance_id", old_instance, new_instance,
                               "re-created since %s (instance ID %s → %s)" % (since, old_instance, new_instance)))
    elif old_boot and new_boot and old_boot != new_boot:
        changes.append(_change("restarted", "boot_id", old_boot, new_boot, "restarted since %s (boot ID %s → %s)" % (
            since, _short(old_boot), _short(new_boot))))
    return changes + maintenance_changes(after, before)


def maintenance_changes(after, before=None):
    """The maintenance event the host's metadata server announces now, as a change; every run, the first too."""
    event = maintenance_event(after)
    if not event:
        return []
    return [_change("maintenance", "maintenance_event", maintenance_event(before) if before else None, event,
                    "Compute Engine maintenance event %s (a TDX VM is terminated for it, not migrated)" % event)]


def _failures(report):
    return list(report.get("failures") or []) if not report.get("verified") else []


def fleet_changes(previous, current, hosts=None, run=None):
    """Compare each host's report of this run (``current``, {host: report}) with its last archived one
    (``previous``, {host: report}; empty on the first run). ``hosts``: the hosts of this run's play (a host of
    the play without a report was not checked).

    Returns {run, first_run, changed (hosts with a change), failing (hosts that do not pass), hosts: {host:
    {state, changes, verified, verdict, failures, before_at, after_at}}, headline, lines (the text report,
    the changes first)}.
    """
    previous = dict(previous or {})
    current = dict(current or {})
    hosts = list(hosts) if hosts is not None else sorted(current)
    first_run = not previous
    result = {}
    for host in sorted(set(hosts) | set(current) | set(previous)):
        before, after = previous.get(host), current.get(host)
        entry = {"changes": [], "verified": None, "verdict": None, "failures": [],
                 "before_at": _attestation(before).get("verify_at") if before else None,
                 "after_at": _attestation(after).get("verify_at") if after else None}
        if after is None and host in hosts:
            entry.update(state=NOT_CHECKED, verified=False,
                         failures=["no report this run: the host was not reached or not judged"])
        elif after is None:
            entry.update(state=GONE, changes=[_change("gone", "host", (before or {}).get("verdict"), None,
                                                      "gone: in the last run, not in this one")])
        else:
            entry.update(verified=bool(after.get("verified")), verdict=after.get("verdict"),
                         failures=_failures(after))
            if before is None and first_run:
                entry.update(state=FIRST, changes=maintenance_changes(after))
            elif before is None:
                entry.update(state=NEW, changes=[_change("new", "host", None, after.get("verdict"),
                                                         "new host: first proof, nothing to compare")]
                             + maintenance_changes(after))
            else:
                entry["changes"] = host_changes(before, after)
                entry["state"] = CHANGED if entry["changes"] else UNCHANGED
        result[host] = entry
    changed = sorted(host for host, entry in result.items() if entry["changes"])
    failing = sorted(host for host, entry in result.items() if entry["verified"] is False)
    summary = {"run": run, "first_run": first_run, "changed": changed, "failing": failing, "hosts": result}
    summary["headline"] = headline(summary)
    summary["lines"] = text_lines(summary)
    return summary


def headline(summary):
    hosts = summary["hosts"]
    checked = [host for host, entry in hosts.items() if entry["state"] not in (GONE,)]
    if summary["first_run"]:
        head = "first proof of %d host%s, nothing to compare" % (len(checked), "" if len(checked) == 1 else "s")
    elif summary["changed"]:
        head = "%d of %d host%s changed since the last run" % (
            len(summary["changed"]), len(hosts), "" if len(hosts) == 1 else "s")
    else:
        head = "no change in %d host%s since the last run" % (len(hosts), "" if len(hosts) == 1 else "s")
    maintenance = [host for host, entry in hosts.items()
                   if any(change["kind"] == "maintenance" for change in entry["changes"])]
    if maintenance:
        head += "; %d with a maintenance event" % len(maintenance)
    if summary["failing"]:
        head += "; %d not passing" % len(summary["failing"])
    return head


def text_lines(summary):
    """The short text report: the headline, then each changed host with what changed (before → after), then
    the hosts that do not pass, then the others in one line each state."""
    hosts = summary["hosts"]
    lines = ["reattest%s: %s" % (" " + summary["run"] if summary.get("run") else "", summary["headline"])]
    for host in summary["changed"]:
        lines.append("%s: %s" % (host, "; ".join(change["text"] for change in hosts[host]["changes"])))
    for host in summary["failing"]:
        entry = hosts[host]
        lines.append("%s: NOT PASSING (%s): %s" % (host, entry["verdict"] or entry["state"],
                                                   "; ".join(entry["failures"]) or "no reason given"))
    for state, label in ((UNCHANGED, "unchanged"), (FIRST, FIRST_PROOF)):
        named = sorted(host for host, entry in hosts.items() if entry["state"] == state
                       and host not in summary["failing"])
        if named:
            lines.append("%s: %s" % (label, ", ".join(named)))
    return lines
