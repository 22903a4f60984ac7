"""What the fleet report decides: attention and order, attestation columns, merging slices, escaping."""

import re

import pytest

from ansible_collections.confidential.tdx.plugins.plugin_utils.fleet_report import model, page, text

DONE = {"provisioned": True, "hardened": True, "verified": True, "why": ""}


def row(host, **fields):
    values = dict(DONE, host=host, instance=host, zone="us-central1-a", address="10.0.0.1")
    values.update(fields)
    return values


def report(*rows, **fields):
    values = {"rollout": "finished", "batch_stops_rollout": False, "rows": list(rows)}
    values.update(fields)
    return model.build(values)


def test_failed_then_not_checked_then_fine_and_play_order_within_a_rank():
    rows = [row("ok-1"), row("unchecked", hardened=None, verified=None, why="check mode: create"),
            row("ok-2"), row("broken", provisioned=False, hardened=None, verified=None, why="provision failed: x"),
            row("unverified", verified=False, why="not verified (verify_enforce is false): tdx_active: no")]
    assert [entry["host"] for entry in model.ordered(rows)] == ["broken", "unverified", "unchecked", "ok-1", "ok-2"]


def test_attention_reasons_without_attestation_leave_verified_hosts_alone():
    built = report(row("ok"), row("late", provisioned=None, hardened=None, verified=None),
                   row("hard", hardened=False, verified=None))
    assert [entry["attention"] for entry in built["rows"]] == [[], ["not checked"], ["harden failed"]]
    assert built["attention"] == 2
    assert "attested" not in built


def test_once_the_rollout_attests_not_attested_and_a_stale_tcb_need_attention():
    rows = [row("good", attested=True, tcb_status="UpToDate", advisory_ids=[]),
            row("stale", attested=True, tcb_status="OutOfDate", advisory_ids=["INTEL-SA-00837"]),
            row("unproven", attested=False, tcb_status=None),
            row("no-record")]
    built = report(*rows)
    assert [entry["attention"] for entry in built["rows"]] == [
        [], ["TCB OutOfDate"], ["not attested"], ["not attested"]]
    assert [entry["host"] for entry in model.ordered(built["rows"])] == ["unproven", "no-record", "stale", "good"]
    assert (built["attested"], built["attention"]) == (2, 3)


def test_a_host_that_failed_verify_is_not_also_listed_as_not_attested():
    """Verified means attested (the verify role), so a failed verify already says it."""
    built = report(row("good", attested=True), row("refused", verified=False, attested=False))
    assert [entry["attention"] for entry in built["rows"]] == [[], ["not verified"]]


def test_the_verify_report_adds_attestation_and_the_quote_measurements():
    verify_result = {"host": "td-1", "self_reported": {"report": {"mrtd": "aa" * 48, "rtmr": ["00" * 48] * 4}},
                     "attestation": {"verified": True, "tcb_status": "SWHardeningNeeded",
                                     "advisory_ids": ["INTEL-SA-00615"], "fmspc": "00806f050000",
                                     "root": "Intel SGX Root CA", "problems": [], "quote": "BAACAIEAAAA=",
                                     "decoded": {"mrtd": "bb" * 48, "rtmr0": "01" * 48, "rtmr3": "03" * 48}}}
    built = model.build({"rows": [row("td-1")]}, {"td-1": verify_result})
    enriched = built["rows"][0]
    assert (enriched["attested"], enriched["tcb_status"]) == (True, "SWHardeningNeeded")
    assert enriched["attestation"]["fmspc"] == "00806f050000"
    # The verified quote's measurements, not the guest's own report.
    assert enriched["measurements"] == {"source": "attested quote", "mrtd": "bb" * 48, "rtmr0": "01" * 48,
                                        "rtmr3": "03" * 48}
    assert enriched["attention"] == ["TCB SWHardeningNeeded"]


def test_without_a_quote_the_tdreport_measurements_are_labelled_self_reported():
    verify_result = {"host": "td-1", "self_reported": {
        "report": {"mrtd": "aa" * 48, "rtmr": ["0%d" % n * 48 for n in range(4)]}}}
    measured = model.measurements_of(verify_result)
    assert measured["source"] == "self-reported TDREPORT"
    assert [measured["rtmr%d" % n] for n in range(4)] == ["0%d" % n * 48 for n in range(4)]
    # A quote that did not verify proves no measurement: the guest's own report is shown, as self-reported.
    refused = dict(verify_result, attestation={"verified": False, "decoded": {"mrtd": "bb" * 48}})
    assert model.measurements_of(refused)["source"] == "self-reported TDREPORT"
    assert model.measurements_of({"self_reported": {"report": None}}) is None
    assert model.measurements_of(None) is None


def test_slices_merge_into_one_report_with_every_host_once():
    slices = [("slice-0", report(row("h-0"), row("h-3"), run={"id": "job-10"})),
              ("slice-1", report(row("h-1", verified=False), run={"id": "job-11"})),
              ("slice-2", report(row("h-2"), rollout="in progress", run={"id": "job-12"}))]
    merged = model.merge(slices, run={"id": "merged"})
    assert [entry["host"] for entry in merged["rows"]] == ["h-0", "h-3", "h-1", "h-2"]
    assert (merged["hosts"], merged["verified"], merged["attention"]) == (4, 3, 1)
    assert merged["rollout"] == "in progress"
    assert [(entry["source"], entry["run"]["id"], entry["hosts"]) for entry in merged["slices"]] == [
        ("slice-0", "job-10", 2), ("slice-1", "job-11", 1), ("slice-2", "job-12", 1)]
    assert merged["run"] == {"id": "merged"}


def test_a_host_in_two_slices_is_an_error_naming_it_and_both_slices():
    with pytest.raises(model.ReportError, match="host h-1 is in two slice reports, slice-0 and slice-2"):
        model.merge([("slice-0", report(row("h-1"))), ("slice-1", report(row("h-2"))),
                     ("slice-2", report(row("h-1")))])
    with pytest.raises(model.ReportError, match="sources: no slice reports"):
        model.merge([])
    with pytest.raises(model.ReportError, match="slice-0 is not a fleet report"):
        model.merge([("slice-0", {"hosts": 1})])


def test_the_text_table_keeps_play_order_and_adds_attestation_columns_only_when_attested():
    plain = text.lines(report(row("web-1"), row("web-22", verified=False, why="not verified: no TD")))
    assert plain[0] == "TDX fleet report: 2 hosts, 2 provisioned, 2 hardened, 1 verified"
    assert plain[1].split() == ["HOST", "INSTANCE", "ZONE", "ADDRESS", "PROVISIONED", "HARDENED", "VERIFIED",
                                "WHY", "NOT"]
    assert plain[3].split()[:7] == ["web-22", "web-22", "us-central1-a", "10.0.0.1", "yes", "yes", "NO"]
    assert plain[3].endswith("  not verified: no TD")
    # Columns line up: every cell starts where its header does.
    assert plain[2].index("yes") == plain[1].index("PROVISIONED")

    attested = text.lines(report(row("web-1", attested=False, tcb_status="OutOfDate"), rollout="in progress"))
    assert attested[0].endswith("1 verified, 0 attested (rollout not finished)")
    assert attested[1].split()[7:9] == ["ATTESTATION", "TCB"]
    assert attested[2].split()[7:10] == ["not", "attested", "OutOfDate"]


TEST_ROOT_REASONS = ["test root: the quote chains to a root that is not Intel's SGX Root CA (root 5bee...)"]


def verdict_rows():
    return [row("good", attested=True, verdict="attested", verdict_reasons=[], tcb_status="UpToDate"),
            row("amber", attested=False, verdict="platform only", tcb_status="UpToDate",
                verdict_reasons=["MRTD neither endorsed by Google nor pinned"]),
            row("lab", attested=False, verdict="test root", tcb_status="UpToDate", verdict_reasons=TEST_ROOT_REASONS),
            row("bad", verified=False, attested=False, verdict="refused", why="not verified: freshness: stale",
                verdict_reasons=["freshness: report data does not match"])]


def test_the_json_report_counts_each_verdict_and_names_test_root_and_platform_only_hosts_that_passed():
    built = report(*verdict_rows())
    assert built["verdicts"] == {"attested": 1, "platform only": 1, "test root": 1, "refused": 1}
    assert (built["attested"], built["verified"]) == (1, 3)
    assert [entry["attention"] for entry in built["rows"]] == [[], ["platform only"], ["TEST ROOT"], ["not verified"]]
    # Passed or not, a test root is worth a look before an attested host.
    assert [entry["host"] for entry in model.ordered(built["rows"])] == ["bad", "amber", "lab", "good"]


def test_the_verify_report_gives_the_row_its_verdict_and_a_test_root_quote_is_not_attested():
    verify_result = {"host": "td-1", "verified": True, "attested": False, "verdict": "test root",
                     "verdict_reasons": TEST_ROOT_REASONS,
                     "attestation": {"verified": True, "verdict": "test root", "root_is_intel": False,
                                     "tcb_status": "UpToDate", "problems": []}}
    # The row site's rescue or a report not yet recorded leaves with nulls.
    built = model.build({"rows": [row("td-1", attested=None, verdict=None)]}, {"td-1": verify_result})
    enriched = built["rows"][0]
    assert (enriched["attested"], enriched["verdict"]) == (False, "test root")
    assert enriched["verdict_reasons"] == TEST_ROOT_REASONS and enriched["attestation"]["root_is_intel"] is False
    assert built["verdicts"]["test root"] == 1 and built["attested"] == 0


def test_the_text_says_each_verdict_and_test_root_on_every_line_of_such_a_host():
    lines = text.lines(report(*verdict_rows()))
    assert lines[0] == ("TDX fleet report: 4 hosts, 4 provisioned, 4 hardened, 3 verified, 1 attested, "
                        "1 TEST ROOT, 1 platform only, 1 refused")
    by_host = dict((line.split()[0], line) for line in lines[2:])
    assert "  attested  " in by_host["good"] and "  platform only  " in by_host["amber"]
    assert "MRTD neither endorsed by Google nor pinned" in by_host["amber"]
    assert "  TEST ROOT  " in by_host["lab"] and by_host["lab"].endswith("TEST ROOT: not Intel's root")
    assert "  refused  " in by_host["bad"] and by_host["bad"].endswith("not verified: freshness: stale")
    assert all("attested" not in line.split("  ") for line in (by_host["lab"], by_host["amber"], lines[0]))


def row_html(html, host):
    start = html.index('data-host="%s"' % host)
    return html[html.rindex("<tr", 0, start):html.index("</tr>", start)]


def test_the_page_colours_attested_green_platform_only_amber_refused_red_and_a_test_root_never_green():
    html = page.render(report(*verdict_rows()))
    assert '<td class="yes">attested</td>' in row_html(html, "good")
    amber = row_html(html, "amber")
    assert '<td class="amber">platform only<div class="sub">MRTD neither' in amber
    assert '<td class="amber">yes, platform only</td>' in amber
    assert '<td class="no">refused<div class="sub">freshness: report data does not match' in row_html(html, "bad")
    lab = row_html(html, "lab")
    assert lab.startswith('<tr class="testroot-row"')
    assert 'class="yes"' not in lab and "attested" not in lab.replace("not attested", "")
    assert '<td class="testroot">TEST ROOT<div class="sub">test root: the quote chains' in lab
    assert '<td class="testroot">yes, TEST ROOT</td>' in lab
    # The tiles: one per verdict a host has, a TEST ROOT one, and the verified count says how many are.
    assert '<li class="testroot"><b>1</b>TEST ROOT</li>' in html
    assert '<li class="testroot"><b>3</b>verified, of them 1 TEST ROOT</li>' in html
    assert '<li><b>1</b>attested</li>' in html and '<li class="warn"><b>1</b>platform only</li>' in html
    assert '<p class="banner">TEST ROOT: 1 host verified against a testing root' in html


def test_a_fleet_of_test_root_hosts_has_no_attested_tile_count_and_no_green():
    html = page.render(report(*[row("lab-%d" % index, attested=False, verdict="test root", tcb_status="UpToDate",
                                    verdict_reasons=TEST_ROOT_REASONS) for index in range(3)]))
    assert '<li><b>0</b>attested</li>' in html and '<li class="testroot"><b>3</b>TEST ROOT</li>' in html
    assert 'class="yes"' not in html.split("<tbody>")[1]
    assert "TEST ROOT: 3 hosts verified against a testing root" in html


HOSTILE = '"><img src=x onerror=alert(1)><script>alert("x")</script>&'


def test_every_value_on_the_page_is_escaped():
    hostile = row(HOSTILE, instance=HOSTILE, zone=HOSTILE, address=HOSTILE, verified=False, why=HOSTILE,
                  attested=False, tcb_status=HOSTILE, advisory_ids=[HOSTILE],
                  attestation={"problems": [HOSTILE]}, measurements={"source": HOSTILE, "mrtd": HOSTILE})
    html = page.render(report(hostile, run={"id": HOSTILE, "updated": HOSTILE}))
    assert "<script" not in html and "<img" not in html
    escaped = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"
    # host (cell and data-host), instance, zone, address, why, TCB (cell and attention badge), advisory,
    # problem, measurement source, mrtd, run id, time: every place a value lands.
    assert html.count(escaped) == 14
    # Only the page's own tags, nothing a value brought in.
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= {
        "html", "head", "meta", "title", "style", "body", "h1", "p", "code", "ul", "li", "b", "table", "thead",
        "tr", "th", "tbody", "td", "div", "span", "details", "summary", "dl", "dt", "dd", "footer"}


def test_the_page_puts_hosts_that_need_attention_first_and_loads_nothing_from_outside():
    html = page.render(report(row("fine-1"), row("broken", provisioned=False, hardened=None, verified=None,
                                                  why="provision failed: ZONE_RESOURCE_POOL_EXHAUSTED"),
                              run={"id": "tdx-20261201T190000Z", "updated": "2026-12-01T19:05:00Z"}))
    assert html.index('data-host="broken"') < html.index('data-host="fine-1"')
    assert '<tr class="attention" data-host="broken">' in html and '<tr class="fine" data-host="fine-1">' in html
    assert "provision failed" in html and "tdx-20261201T190000Z" in html and "2026-12-01T19:05:00Z" in html
    assert not re.search(r"(src|href)=|url\(|@import|<script|<link", html)
    # No attestation columns before the rollout attests.
    assert "TCB status" not in html
    attested = page.render(report(row("td-1", attested=True, tcb_status="UpToDate", advisory_ids=[])))
    assert "<th>TCB status</th>" in attested and ">attested</td>" in attested
