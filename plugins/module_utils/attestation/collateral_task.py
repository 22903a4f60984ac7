# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tdx_collateral's task: its arguments, and one run of it from checked arguments to its result.

Shared by the action plugin (plugins/action/tdx_collateral.py), which runs
it in the controller's worker without starting a module, and the module
file (plugins/modules/tdx_collateral.py, the documentation and a short
main()). Which entries are needed and fetched: refresh.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import dcap, rollback, timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement_fetch
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.pcs import Pcs, PcsError
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.refresh import (
    CACHED,
    MISSING,
    STALE,
    RollbackError,
    WantedError,
    entry_state,
    fetch_entry,
    wanted_entries,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.task_failure import TaskFailure

ARGUMENT_SPEC = dict(
    quotes=dict(type="list", elements="str"),
    fmspcs=dict(type="list", elements="str"),
    ca=dict(type="str", choices=["platform", "processor"], default="platform"),
    cache_dir=dict(type="path", required=True),
    pccs_url=dict(type="str"),
    offline=dict(type="bool", default=False),
    min_validity=dict(type="int", default=3600),
    max_age=dict(type="int", default=86400),
    timeout=dict(type="float", default=30),
    retries=dict(type="int", default=2),
    endorsements=dict(type="bool", default=True),
    endorsement_url=dict(type="str"),
)
REQUIRED_ONE_OF = [("quotes", "fmspcs")]


def check_arguments(params):
    """Fail (TaskFailure) on values the specification lets through but no run can use."""
    for key, minimum in (("min_validity", 0), ("max_age", 0), ("timeout", 0.001), ("retries", 0)):
        if params[key] < minimum:
            raise TaskFailure("%s: must be at least %s, got %s" % (key, minimum, params[key]))
    if params["pccs_url"] is not None and not params["pccs_url"].startswith(("https://", "http://")):
        raise TaskFailure("pccs_url: %r is not an http(s) URL such as https://pccs.example:8081"
                          % params["pccs_url"][:200])
    if params["endorsement_url"] is not None and not params["endorsement_url"].startswith(("https://", "http://")):
        raise TaskFailure("endorsement_url: %r is not an http(s) URL such as https://storage.googleapis.com"
                          % params["endorsement_url"][:200])
    if not params["cache_dir"]:
        raise TaskFailure("cache_dir: is empty; give the directory of the collateral cache")
    if os.path.exists(params["cache_dir"]) and not os.path.isdir(params["cache_dir"]):
        raise TaskFailure("cache_dir: %s exists and is not a directory" % params["cache_dir"])


def run(params, check_mode=False, diff=False):
    """The task's result from its checked arguments (``params``); TaskFailure when it fails."""
    check_arguments(params)
    try:
        wanted = wanted_entries(params["quotes"], params["fmspcs"], params["ca"])
    except (WantedError, dcap.MissingDcapQvl) as exc:
        raise TaskFailure(str(exc))

    try:
        seen = rollback.read_seen(params["cache_dir"]) if os.path.isdir(params["cache_dir"]) else {}
    except rollback.CollateralError as exc:
        raise TaskFailure("cache_dir: %s" % exc)
    now = timestamps.now()
    entries = [entry_state(params["cache_dir"], fmspc, ca, now, params["min_validity"], params["max_age"], seen)
               for fmspc, ca in wanted]
    due = [entry for entry in entries if entry["status"] != CACHED]
    would_fetch = [entry["id"] for entry in due]
    pcs = Pcs(params["pccs_url"], timeout=params["timeout"], retries=params["retries"])
    to_write = [] if params["offline"] else due
    changes = {"before": dict((entry["id"], entry["next_update"] or "absent") for entry in to_write),
               "after": dict((entry["id"], "fetched") for entry in to_write)}
    fetched = 0
    if due and not (params["offline"] or check_mode):
        if not os.path.isdir(params["cache_dir"]):
            os.makedirs(params["cache_dir"])
        for entry in due:
            try:
                fetch_entry(pcs, entry, now, seen)
            except (PcsError, RollbackError) as exc:
                raise TaskFailure("%s: %s" % (entry["id"], exc), entries=entries, fetched=fetched, calls=pcs.calls)
            fetched += 1
            # Remembered at once, so a later failure of the run cannot lose it.
            rollback.remember(params["cache_dir"], {entry["fmspc"]: entry["tcb_evaluation_data_number"]})
            seen = rollback.read_seen(params["cache_dir"])
            changes["after"][entry["id"]] = "fetched, next update %s" % entry["next_update"]
        would_fetch = []
    # Entries cached before this cache kept the numbers count as seen too.
    if not check_mode and os.path.isdir(params["cache_dir"]):
        rollback.remember(params["cache_dir"], dict(
            (entry["fmspc"], entry["tcb_evaluation_data_number"]) for entry in entries if entry["status"] == CACHED))
    source = endorsement_fetch.EndorsementSource(params["endorsement_url"], timeout=params["timeout"],
                                                 retries=params["retries"])
    try:
        endorsements = endorsement_fetch.endorsement_entries(
            params["cache_dir"], params["quotes"] if params["endorsements"] else [], source,
            fetch=not (params["offline"] or check_mode))
    except PcsError as exc:
        raise TaskFailure("endorsement_url: %s; give a reachable endorsement_url, or endorsements=false for quotes "
                          "not from Google Cloud" % exc, entries=entries, fetched=fetched,
                          calls=pcs.calls + source.calls)
    # Written by this run, or in check mode, what a run would write.
    endorsements_written = [e["mrtd"] for e in endorsements if e["status"] == endorsement_fetch.FETCHED or (
        check_mode and not params["offline"] and e["status"] == endorsement_fetch.MISSING)]
    for mrtd in endorsements_written:
        changes["before"]["endorsement " + mrtd] = "absent"
        changes["after"]["endorsement " + mrtd] = "fetched"
    result = dict(
        changed=bool(fetched) or (check_mode and bool(due) and not params["offline"]) or bool(endorsements_written),
        endorsements=endorsements,
        entries=entries,
        fetched=fetched,
        calls=pcs.calls + source.calls,
        missing=[entry["id"] for entry in entries if entry["status"] == MISSING],
        stale=[entry["id"] for entry in entries if entry["status"] == STALE],
        would_fetch=would_fetch,
    )
    if diff:
        result["diff"] = changes
    return result
