# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the fleet report says about each host, as pure logic (no Ansible objects, no files).

A report is the dict playbooks/templates/fleet_report.json.j2 builds (the
counts and one row per host, in play order), written as fleet-report.json.
This module adds what the verify role found beyond the row (attestation,
measurements), decides which hosts need attention and in which order a
reader should see them, and merges the reports of job slices into one.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import (
    ATTESTED, PLATFORM_ONLY, REFUSED, TEST_ROOT, VERDICTS)

STAGES = ("provisioned", "hardened", "verified")
STAGE_NAMES = {"provisioned": "provision", "hardened": "harden", "verified": "verify"}
MEASUREMENTS = ("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3")
# The attestation fields a row carries once verify attests (see enrich).
ATTESTATION_FIELDS = ("attested", "verdict", "tcb_status", "advisory_ids")
# How every line, cell and tile names a verdict: a test root in capitals, so no reader takes it for Intel's.
VERDICT_WORDS = {ATTESTED: "attested", PLATFORM_ONLY: "platform only", TEST_ROOT: "TEST ROOT", REFUSED: "refused"}
# Intel's TCB status of an up-to-date platform; any other status is worth a look.
TCB_UP_TO_DATE = "UpToDate"

# Attention, most urgent first: the page sorts by this rank.
FAILED, NOT_CHECKED, NOT_ATTESTED, TCB_NOT_UP_TO_DATE, FINE = range(5)


class ReportError(ValueError):
    """A report that cannot be used (for example a host in two slices); the message names it."""


def measurements_of(verify_result):
    """{source, mrtd, rtmr0..3} of a host's verify report, or None.

    The measurements of a verified quote come first; without one, those of the
    TD's own TDREPORT, labelled self-reported (the guest says so, nothing on the
    controller checked it).
    """
    if not isinstance(verify_result, dict):
        return None
    # The verify role keeps the decoded quote as attestation.decoded (its
    # base64 bytes as attestation.quote) and the guest's own findings under
    # self_reported; a quote counts as attested only when it verified.
    attestation = verify_result.get("attestation")
    attested = attestation.get("decoded") if isinstance(attestation, dict) and attestation.get("verified") else None
    self_reported = verify_result.get("self_reported")
    tdreport = self_reported.get("report") if isinstance(self_reported, dict) else None
    for source, values in (("attested quote", attested), ("self-reported TDREPORT", tdreport)):
        if not isinstance(values, dict):
            continue
        found = dict((name, values[name]) for name in MEASUREMENTS if values.get(name))
        rtmrs = values.get("rtmr")
        if isinstance(rtmrs, list):
            for index, value in enumerate(rtmrs[:4]):
                found.setdefault("rtmr%d" % index, value)
        if found:
            found["source"] = source
            return found
    return None


def enrich(row, verify_result):
    """The row with what the host's verify report adds: its attestation and measurements, when it has them."""
    row = dict(row)
    attestation = verify_result.get("attestation") if isinstance(verify_result, dict) else None
    if isinstance(attestation, dict):
        row["attestation"] = dict((key, attestation.get(key)) for key in
                                  ("verified", "verdict", "verdict_reasons", "tcb_status", "advisory_ids", "fmspc",
                                   "root", "root_is_intel", "problems"))
        # The role's word on what was proven: a quote that verified to a test root is not attested.
        # (Reports from before verdicts only had the quote's verified.) A host that failed verify has
        # its row's fields still null (site's rescue), so null is filled in too.
        fill = {"attested": verify_result.get("attested", attestation.get("verified")),
                "verdict": verify_result.get("verdict"), "verdict_reasons": verify_result.get("verdict_reasons")}
        for key, value in fill.items():
            if row.get(key) is None and value is not None:
                row[key] = value
        row.setdefault("tcb_status", attestation.get("tcb_status"))
        row.setdefault("advisory_ids", attestation.get("advisory_ids"))
    measured = measurements_of(verify_result)
    if measured:
        row["measurements"] = measured
    return row


def attests(rows):
    """Whether the rollout attested: then a host that is not attested needs attention."""
    return any(any(field in row for field in ATTESTATION_FIELDS) or "attestation" in row for row in rows)


def attention(row, attested_rollout):
    """(rank, [reasons]) of a row: why a reader should look at this host, most urgent first."""
    reasons = []
    rank = FINE
    failed = [STAGE_NAMES[stage] for stage in STAGES if row.get(stage) is False]
    if failed:
        rank = FAILED
        reasons.append("%s failed" % failed[0] if failed != ["verify"] else "not verified")
    elif any(row.get(stage) is None for stage in STAGES):
        rank = NOT_CHECKED
        reasons.append("not checked")
    # A test root or an unpinned platform is named even on a host that passed (it was accepted):
    # the reader must never take it for attested.
    verdict = row.get("verdict")
    if verdict in (TEST_ROOT, PLATFORM_ONLY):
        rank = min(rank, NOT_ATTESTED)
        reasons.append(VERDICT_WORDS[verdict])
    # A failed verify already says it (its reasons are the refusal's).
    elif attested_rollout and row.get("attested") is not True and row.get("verified") is not False:
        rank = min(rank, NOT_ATTESTED)
        reasons.append("not attested")
    status = row.get("tcb_status")
    if status and status != TCB_UP_TO_DATE:
        rank = min(rank, TCB_NOT_UP_TO_DATE)
        reasons.append("TCB %s" % status)
    return rank, reasons


def ordered(rows):
    """The rows as a reader should see them: hosts that need attention first, else in play order."""
    attested_rollout = attests(rows)
    ranked = [(attention(row, attested_rollout)[0], index, row) for index, row in enumerate(rows)]
    return [row for dummy_rank, dummy_index, row in sorted(ranked, key=lambda entry: entry[:2])]


def counts(rows):
    """The report's counts of its rows (the keys fleet_report.json.j2 has always written, plus attention)."""
    attested_rollout = attests(rows)
    summary = dict((stage, sum(1 for row in rows if row.get(stage) is True)) for stage in STAGES)
    summary["hosts"] = len(rows)
    summary["attention"] = sum(1 for row in rows if attention(row, attested_rollout)[1])
    if attested_rollout:
        summary["attested"] = sum(1 for row in rows if row.get("attested") is True)
        summary["verdicts"] = dict((verdict, sum(1 for row in rows if row.get("verdict") == verdict))
                                   for verdict in VERDICTS)
    return summary


def verdict_word(row):
    """How a row's verdict is shown: its word, or for a report from before verdicts, attested or not."""
    verdict = row.get("verdict")
    if verdict in VERDICT_WORDS:
        return VERDICT_WORDS[verdict]
    return "attested" if row.get("attested") is True else "not attested"


def build(report, verify_results=None, run=None):
    """The fleet report to write: ``report`` with each row enriched, its counts, each row's attention, ``run``."""
    verify_results = verify_results or {}
    rows = [enrich(row, verify_results.get(row.get("host"))) for row in report.get("rows", [])]
    attested_rollout = attests(rows)
    for row in rows:
        row["attention"] = attention(row, attested_rollout)[1]
    built = dict(report)
    built.update(counts(rows))
    built["rows"] = rows
    if run:
        built["run"] = dict(run)
    return built


def merge(sources, run=None):
    """One report from the reports of job slices: [(where, report)] in slice order.

    Every host must be in exactly one slice: a host in two reports is an error
    naming the host and both reports, since the slices were not disjoint (or a
    report was given twice) and the merged rows would say two things about it.
    """
    if not sources:
        raise ReportError("sources: no slice reports to merge; give the report directory of every slice")
    seen = {}
    rows = []
    slices = []
    for where, report in sources:
        if not isinstance(report, dict) or not isinstance(report.get("rows"), list):
            raise ReportError("sources: %s is not a fleet report (no rows); give the directory a slice's "
                              "site run wrote its fleet-report.json in" % where)
        for row in report["rows"]:
            host = row.get("host")
            if host in seen:
                raise ReportError("sources: host %s is in two slice reports, %s and %s; job slices must be disjoint"
                                  % (host, seen[host], where))
            seen[host] = where
            rows.append(row)
        slices.append({"source": where, "run": report.get("run"), "hosts": len(report["rows"]),
                       "rollout": report.get("rollout")})
    merged = {
        "rollout": "finished" if all(entry["rollout"] == "finished" for entry in slices) else "in progress",
        "batch_stops_rollout": any(report.get("batch_stops_rollout") for dummy, report in sources),
        "slices": slices,
        "rows": rows,
    }
    return build(merged, run=run)
