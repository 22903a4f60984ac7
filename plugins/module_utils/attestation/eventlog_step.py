# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""quote_verify's event-log step: replay the host's log into the quote's RTMRs, then check the policy's events.

Runs after the quote is parsed, on the RTMRs the quote signs. A log that is
malformed, lies about its text, or does not reproduce the quote's RTMR0-2
(the boot: firmware, boot loader, kernel) is refused with one
``event log: ...`` problem; a replayed log is then checked against
``policy.events`` (component -> allowed digests), one ``event COMPONENT:
...`` problem per component that differs. A policy that names events
refuses a host that gave no log: without the log, nothing says what its
RTMRs measured.

RTMR3 is the one register software may extend after boot (the kernel's
configfs-tsm and the TDX guest driver let root do it, and Confidential
Space or an application measuring itself does), keeping its own log of
those extensions, not the firmware's CCEL. So a quote whose RTMR3 is not
the CCEL's replay is not refused for it: the result says RTMR3 was extended
after boot, none of the log's RTMR3 events is shown as measured or counted
as a component, and only a policy that pins ``rtmr3`` holds that register.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog import (
    EventLogRefused,
    check_replay,
    event_log_from_base64,
    read_event_log,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_components import components_of

NO_LOG = "event log: the policy names events but the host gave no event log"
BOOT_RTMRS = (0, 1, 2)
RUNTIME_RTMR = 3

# Hosts booted from one image on one firmware show the same log, so a batch
# decodes, parses and names each distinct log once (it was most of a quote's
# verification time); only the replay's comparison with each quote's RTMRs
# is done per quote. Keyed by the base64 texts as given; bounded.
_READ = {}
_READ_LIMIT = 64


def event_summary(event, component):
    """One event as the result shows it; ``text`` only where the digest was checked to cover it."""
    return {"index": event.record, "rtmr": event.register, "type": event.type_name, "name": event.name,
            "component": component, "digest": event.digest.hex(), "text": event.text if event.measured else None}


def _allowed(digests):
    return digests[0] if len(digests) == 1 else "one of " + ", ".join(digests)


def event_problems(summaries, wanted):
    """One line per component of ``wanted`` ({component: [hex]}) the replayed events do not match."""
    problems = []
    for component, digests in wanted.items():
        found = [event for event in summaries if event["component"] == component]
        if not found:
            problems.append("event %s: expected %s, the log has no %s event" % (component, _allowed(digests), component))
        for event in found:
            if event["digest"] not in digests:
                problems.append("event %s: expected %s, log has %s (record %d, RTMR%d)"
                                % (component, _allowed(digests), event["digest"], event["index"], event["rtmr"]))
    return problems


def event_log_step(decoded, event_log, event_log_table, policy):
    """(the result's ``event_log``, problems) for the parsed quote ``decoded`` and the host's base64 log and table."""
    wanted = getattr(policy, "events", None) or {}
    if event_log is None:
        return None, [NO_LOG] if wanted else []
    refused = {"replayed": False, "events": [], "rtmrs": None}
    try:
        log, summaries = _read(event_log, event_log_table)
        check_replay(log, decoded["rtmr"], BOOT_RTMRS)
    except EventLogRefused as exc:
        return refused, ["event log: %s" % exc]
    summaries = [dict(event) for event in summaries]
    extended = log.differences(decoded["rtmr"], (RUNTIME_RTMR,))
    summary = {"replayed": True, "events": summaries, "rtmrs": [value.hex() for value in log.rtmrs],
               "rtmr3": "reproduced"}
    if extended:
        for event in summaries:
            if event["rtmr"] == RUNTIME_RTMR:
                event.update(text=None, component=None)
        summary["rtmr3"] = ("extended after boot: the log replays to %s, the quote has %s; the log's RTMR3 events "
                            "are not shown as measured, and only a policy that pins rtmr3 holds it"
                            % (extended[0]["replayed"], extended[0]["expected"]))
    return summary, event_problems(summaries, wanted)


def _read(event_log, event_log_table):
    """(EventLog, event summaries) of a base64 log and table, or raises EventLogRefused; remembered per texts."""
    key = (event_log, event_log_table)
    if key not in _READ:
        try:
            data = event_log_from_base64(event_log)
            table = None if event_log_table is None else event_log_from_base64(event_log_table)
            log = read_event_log(data, table)
            components = components_of(log.events)
            read = (log, [event_summary(event, component) for event, component in zip(log.events, components)])
        except EventLogRefused as exc:
            read = exc
        if len(_READ) >= _READ_LIMIT:
            _READ.clear()
        _READ[key] = read
    if isinstance(_READ[key], EventLogRefused):
        raise _READ[key]
    return _READ[key]
