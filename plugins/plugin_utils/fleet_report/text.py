# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report as a text table (fleet-report.txt, and what site prints): one row per host, in play order."""

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import (
    PLATFORM_ONLY, REFUSED, TEST_ROOT)
from ansible_collections.confidential.tdx.plugins.plugin_utils.fleet_report.model import (
    VERDICT_WORDS, attests, verdict_word)

WORDS = {True: "yes", False: "NO", None: "-"}


def headline(report):
    text = "TDX fleet report: %d hosts, %d provisioned, %d hardened, %d verified" % (
        report["hosts"], report["provisioned"], report["hardened"], report["verified"])
    # Once the rollout attests, how many hosts are attested and each other verdict a host has: a host
    # may pass (verified) as platform only or, in tests, TEST ROOT, which is never attested.
    if "attested" in report:
        text += ", %d attested" % report["attested"]
        verdicts = report.get("verdicts") or {}
        text += "".join(", %d %s" % (verdicts[verdict], VERDICT_WORDS[verdict])
                        for verdict in (TEST_ROOT, PLATFORM_ONLY, REFUSED) if verdicts.get(verdict))
    if report.get("rollout") != "finished":
        text += " (rollout not finished)"
    return text


def lines(report):
    """The report's lines, without line ends: the headline, the column headers, a line per host."""
    rows = report["rows"]
    attested_rollout = attests(rows)
    headers = ["HOST", "INSTANCE", "ZONE", "ADDRESS", "PROVISIONED", "HARDENED", "VERIFIED"]
    if attested_rollout:
        headers += ["ATTESTATION", "TCB"]
    table = [headers + ["WHY NOT"]]
    for row in rows:
        cells = [row.get("host"), row.get("instance") or "-", row.get("zone") or "-", row.get("address") or "-"]
        cells += [WORDS[row.get(stage)] for stage in ("provisioned", "hardened", "verified")]
        if attested_rollout:
            cells += [verdict_word(row) if row.get("verdict") or row.get("attested") is not None else "-",
                      row.get("tcb_status") or "-"]
        why = row.get("why") or ""
        # Every line of a test root host says so, in words (the text has no colour).
        if row.get("verdict") == TEST_ROOT and "TEST ROOT" not in why:
            why = ("TEST ROOT: not Intel's root; " + why) if why else "TEST ROOT: not Intel's root"
        elif row.get("verdict") in (PLATFORM_ONLY, REFUSED) and not why:
            why = "; ".join(row.get("verdict_reasons") or [])
        table.append([u"%s" % cell for cell in cells] + [why])
    widths = [max(len(line[index]) for line in table) for index in range(len(headers))]
    return [headline(report)] + [
        "".join(cell.ljust(width) + "  " for cell, width in zip(line, widths)) + line[-1] for line in table]


def render(report):
    return "".join(line + "\n" for line in lines(report))
