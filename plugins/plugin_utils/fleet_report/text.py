# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report as a text table (fleet-report.txt, and what site prints): one row per host, in play order."""

from ansible_collections.confidential.tdx.plugins.plugin_utils.fleet_report.model import attests

WORDS = {True: "yes", False: "NO", None: "-"}


def headline(report):
    text = "TDX fleet report: %d hosts, %d provisioned, %d hardened, %d verified" % (
        report["hosts"], report["provisioned"], report["hardened"], report["verified"])
    # No attested count here: a host is verified only when its quote was
    # attested (the verify role), so it would repeat the verified one.
    if report.get("rollout") != "finished":
        text += " (rollout not finished)"
    return text


def lines(report):
    """The report's lines, without line ends: the headline, the column headers, a line per host."""
    rows = report["rows"]
    attested_rollout = attests(rows)
    headers = ["HOST", "INSTANCE", "ZONE", "ADDRESS", "PROVISIONED", "HARDENED", "VERIFIED"]
    if attested_rollout:
        headers += ["ATTESTED", "TCB"]
    table = [headers + ["WHY NOT"]]
    for row in rows:
        cells = [row.get("host"), row.get("instance") or "-", row.get("zone") or "-", row.get("address") or "-"]
        cells += [WORDS[row.get(stage)] for stage in ("provisioned", "hardened", "verified")]
        if attested_rollout:
            cells += [WORDS[row.get("attested")], row.get("tcb_status") or "-"]
        table.append([u"%s" % cell for cell in cells] + [row.get("why") or ""])
    widths = [max(len(line[index]) for line in table) for index in range(len(headers))]
    return [headline(report)] + [
        "".join(cell.ljust(width) + "  " for cell, width in zip(line, widths)) + line[-1] for line in table]


def render(report):
    return "".join(line + "\n" for line in lines(report))
