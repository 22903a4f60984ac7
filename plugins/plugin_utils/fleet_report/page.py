# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet report as one static HTML page (fleet-report.html).

Self-contained so it can be mailed, archived or opened offline: inline CSS,
no script, no external resource. Every value from the report goes through
html.escape, since host names, zones and failure reasons come from
inventories, APIs and guests. Built with the standard library: the page is
one table, which a template engine would only move into a second file.
"""

from html import escape

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import (
    ATTESTED, PLATFORM_ONLY, REFUSED, TEST_ROOT)
from ansible_collections.confidential.tdx.plugins.plugin_utils.fleet_report.model import (
    MEASUREMENTS, STAGES, attention, attests, ordered, verdict_word)

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px;color:#1d2330;
background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}
.meta{color:#566070;margin:0 0 16px}
.meta code{background:#e9ecf1;padding:1px 5px;border-radius:3px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 18px;padding:0;list-style:none}
.tiles li{background:#fff;border:1px solid #d8dde5;border-radius:6px;padding:8px 14px;min-width:92px}
.tiles b{display:block;font-size:22px}
.tiles .warn{border-color:#d9822b;background:#fff6ec}
.tiles .testroot{border-color:#5b2a86;background:#f1e9f8;color:#5b2a86}
.tiles .bad{border-color:#c0262d;background:#fdeced}
.banner{background:#5b2a86;color:#fff;padding:8px 12px;border-radius:6px;font-weight:600;margin:0 0 14px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dde5}
th,td{padding:7px 9px;border-bottom:1px solid #e3e7ed;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;white-space:nowrap}
tr.attention td:first-child{border-left:4px solid #d9822b}
tr.fine td:first-child{border-left:4px solid #2f9e44}
tr.testroot-row td:first-child{border-left:4px solid #5b2a86}
.host{font-weight:600;overflow-wrap:anywhere}
.sub{color:#566070;font-size:12px;overflow-wrap:anywhere}
.yes{color:#1f7a35;font-weight:600}
.no{color:#c0262d;font-weight:600}
.none{color:#8a93a3}
.plain{color:#1d2330}
.amber{color:#8a4200;font-weight:600}
.testroot{color:#5b2a86;font-weight:700}
.badge{display:inline-block;border-radius:10px;padding:0 8px;margin:0 4px 2px 0;font-size:12px;
background:#fde7d2;color:#8a4200;white-space:nowrap}
.why{max-width:46em;overflow-wrap:anywhere}
details summary{cursor:pointer;color:#2856b6}
dl{margin:4px 0 0;font:12px/1.35 ui-monospace,"DejaVu Sans Mono",monospace}
dt{font-weight:600}
dd{margin:0 0 4px;word-break:break-all}
footer{margin-top:14px;color:#566070;font-size:12px}
"""

CELL_WORDS = {True: ("yes", "yes"), False: ("NO", "no"), None: ("not reached", "none")}


def text(value):
    """A value as escaped text: '' for None, lists joined by commas."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return escape(", ".join(u"%s" % item for item in value))
    return escape(u"%s" % value)


def state_cell(value, test_root=False):
    word, css = CELL_WORDS.get(value, (u"%s" % value, "none"))
    # Nothing on a test root host's row is green: a glance at the colour must not read as proven.
    if test_root and css == "yes":
        css = "plain"
    return '<td class="%s">%s</td>' % (css, escape(word))


def verified_cell(row):
    """The Verified column: a host that passed as platform only or test root says so beside its yes."""
    verdict = row.get("verdict")
    if row.get("verified") is True and verdict in (PLATFORM_ONLY, TEST_ROOT):
        css = "testroot" if verdict == TEST_ROOT else "amber"
        return '<td class="%s">yes, %s</td>' % (css, escape(verdict_word(row)))
    return state_cell(row.get("verified"), verdict == TEST_ROOT)


def host_cell(row):
    details = [part for part in (row.get("instance"), row.get("zone"), row.get("address")) if part]
    return '<td><div class="host">%s</div><div class="sub">%s</div></td>' % (
        text(row.get("host")), " &middot; ".join(text(part) for part in details))


def measurement_cell(row):
    measured = row.get("measurements")
    if not measured:
        return '<td class="none">none reported</td>'
    entries = "".join("<dt>%s</dt><dd>%s</dd>" % (escape(name), text(measured[name]))
                      for name in MEASUREMENTS if measured.get(name))
    return "<td><details><summary>%s</summary><dl>%s</dl></details></td>" % (text(measured.get("source")), entries)


# The colour of each verdict: green only for attested.
VERDICT_CSS = {ATTESTED: "yes", PLATFORM_ONLY: "amber", TEST_ROOT: "testroot", REFUSED: "no"}


def attestation_cells(row):
    verdict = row.get("verdict")
    if verdict in VERDICT_CSS:
        reasons = row.get("verdict_reasons") or []
        first = '<td class="%s">%s%s</td>' % (VERDICT_CSS[verdict], escape(verdict_word(row)),
                                              '<div class="sub">%s</div>' % text(reasons) if reasons else "")
    elif row.get("attested") is True:
        first = '<td class="yes">attested</td>'
    else:
        problems = (row.get("attestation") or {}).get("problems")
        first = '<td class="no">not attested%s</td>' % (
            '<div class="sub">%s</div>' % text(problems) if problems else "")
    status = row.get("tcb_status")
    # A test PKI's collateral says nothing of a real platform's TCB: its status is not shown green.
    good = "plain" if verdict == TEST_ROOT else "yes"
    tcb = '<td class="%s">%s</td>' % (good if status == "UpToDate" else "no" if status else "none",
                                      text(status) or "-")
    advisories = row.get("advisory_ids") or []
    return first + tcb + "<td>%s</td>" % (text(advisories) or '<span class="none">none</span>')


def row_html(row, attested_rollout):
    dummy_rank, reasons = attention(row, attested_rollout)
    badges = "".join('<span class="badge">%s</span>' % text(reason) for reason in reasons)
    test_root = row.get("verdict") == TEST_ROOT
    cells = [host_cell(row)] + [state_cell(row.get(stage), test_root) for stage in STAGES[:-1]]
    cells.append(verified_cell(row))
    if attested_rollout:
        cells.append(attestation_cells(row))
    cells.append('<td class="why">%s%s</td>' % (badges, text(row.get("why"))))
    cells.append(measurement_cell(row))
    css = "testroot-row" if test_root else "attention" if reasons else "fine"
    return '<tr class="%s" data-host="%s">%s</tr>' % (css, text(row.get("host")), "".join(cells))


def test_root_count(report):
    return sum(1 for row in report.get("rows", []) if row.get("verdict") == TEST_ROOT)


def tiles(report):
    test_roots = test_root_count(report)
    verified_label = "verified"
    if test_roots and any(row.get("verified") is True and row.get("verdict") == TEST_ROOT
                          for row in report.get("rows", [])):
        verified_label = "verified, of them %d TEST ROOT" % sum(
            1 for row in report.get("rows", []) if row.get("verified") is True and row.get("verdict") == TEST_ROOT)
    entries = [("hosts", report.get("hosts"), ""), ("provisioned", report.get("provisioned"), ""),
               ("hardened", report.get("hardened"), ""),
               (verified_label, report.get("verified"), "testroot" if verified_label != "verified" else "")]
    if "attested" in report:
        entries.append(("attested", report["attested"], ""))
        # Each verdict that is not attested gets its own tile once a host has it: a fleet of test
        # root hosts reads "3 TEST ROOT", never "3 attested".
        verdicts = report.get("verdicts") or {}
        for verdict, css in ((TEST_ROOT, "testroot"), (PLATFORM_ONLY, "warn"), (REFUSED, "bad")):
            if verdicts.get(verdict):
                entries.append((verdict_word({"verdict": verdict}), verdicts[verdict], css))
    items = ['<li%s><b>%s</b>%s</li>' % (' class="%s"' % css if css else "", text(count), escape(label))
             for label, count, css in entries]
    items.append('<li class="%s"><b>%s</b>need attention</li>' % (
        "warn" if report.get("attention") else "", text(report.get("attention", 0))))
    return '<ul class="tiles">%s</ul>' % "".join(items)


def meta(report):
    run = report.get("run") or {}
    parts = ["rollout %s" % text(report.get("rollout") or "unknown")]
    if run.get("id"):
        parts.append("run <code>%s</code>" % text(run["id"]))
    if run.get("started"):
        parts.append("started %s" % text(run["started"]))
    if run.get("updated"):
        parts.append("report written %s" % text(run["updated"]))
    slices = report.get("slices")
    if slices:
        parts.append("merged from %d slices: %s" % (len(slices), ", ".join(
            "%s (%s host%s)" % (text((entry.get("run") or {}).get("id") or entry.get("source")), text(entry["hosts"]),
                                "" if entry["hosts"] == 1 else "s")
            for entry in slices)))
    return '<p class="meta">%s</p>' % " &middot; ".join(parts)


def banner(report):
    """A line above everything on a page that shows a test root host: no reader may miss it."""
    count = test_root_count(report)
    if not count:
        return ""
    return ('<p class="banner">TEST ROOT: %d host%s verified against a testing root, not Intel\'s SGX Root CA: '
            "%s nothing about Intel hardware.</p>\n" % (count, "" if count == 1 else "s",
                                                        "it proves" if count == 1 else "they prove"))


def render(report):
    rows = report.get("rows", [])
    attested_rollout = attests(rows)
    headers = ["Host", "Provisioned", "Hardened", "Verified"]
    if attested_rollout:
        headers += ["Attestation", "TCB status", "Advisories"]
    headers += ["Why not", "Measurements"]
    return "".join([
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        "<title>TDX fleet report</title>\n<style>%s</style>\n</head>\n<body>\n" % STYLE.strip(),
        "<h1>TDX fleet report</h1>\n", meta(report), "\n", banner(report), tiles(report), "\n",
        "<table>\n<thead><tr>%s</tr></thead>\n<tbody>\n" % "".join("<th>%s</th>" % escape(name) for name in headers),
        "\n".join(row_html(row, attested_rollout) for row in ordered(rows)),
        "\n</tbody>\n</table>\n",
        "<footer>Hosts that need attention (failed, not checked, not attested, TCB not up to date) come first. "
        "Verified: the host passed the verify role. Attestation: what its quote proved - attested (Intel's root, "
        "this run's nonce, MRTD and RTMR0-2 pinned), platform only (software not pinned), TEST ROOT (a testing "
        "root, not Intel's) or refused. "
        "Self-reported measurements come from the guest and were not checked on the controller.</footer>\n",
        "</body>\n</html>\n",
    ])
