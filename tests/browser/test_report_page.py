"""The fleet report page in a real browser: Debian's chromium renders it, every host is on it.

The page is written by confidential.tdx.fleet_report through ansible-playbook
(the same action site runs), from a report with a failed, an unchecked, a
stale-TCB and a hostile host name, then loaded from disk by headless chromium.
The screenshot is kept in build/test-artefacts/fleet-report.png.
"""

import json
import os

import pytest

from tests.browser.chromium import dump_dom, missing_reason, rendered_rows, screenshot, text_colours
from tests.playbooks.playbook import localhost_play, run_playbook

pytestmark = [pytest.mark.integration, pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or "")]

HOSTILE = 'x"><img src=x onerror=alert(1)><script>document.title="owned"</script>'
MEASURED = {"source": "attested quote", "mrtd": "a1" * 48, "rtmr0": "b2" * 48, "rtmr1": "c3" * 48,
            "rtmr2": "d4" * 48, "rtmr3": "e5" * 48}
ROWS = [
    {"host": "tdx-web-1", "instance": "tdx-web-1", "zone": "us-central1-a", "address": "10.128.0.11",
     "provisioned": True, "hardened": True, "verified": True, "why": "", "attested": True,
     "tcb_status": "UpToDate", "advisory_ids": []},
    {"host": "tdx-web-2", "instance": "tdx-web-2", "zone": None, "address": None, "provisioned": False,
     "hardened": None, "verified": None, "attested": None,
     "why": "provision failed: create instance tdx-web-2 failed: no capacity in us-central1-b "
            "ZONE_RESOURCE_POOL_EXHAUSTED"},
    {"host": "tdx-web-3", "instance": "tdx-web-3", "zone": "us-central1-c", "address": "10.128.0.13",
     "provisioned": True, "hardened": True, "verified": True, "why": "", "attested": True,
     "tcb_status": "OutOfDate", "advisory_ids": ["INTEL-SA-00837", "INTEL-SA-00960"]},
    {"host": "tdx-web-4", "instance": None, "zone": None, "address": None, "provisioned": None,
     "hardened": None, "verified": None, "why": "not reached: its batch had not started"},
    # Passed only because verify_accept_test_root accepted it: the page must never show it green.
    {"host": "tdx-lab-1", "instance": "tdx-lab-1", "zone": "us-central1-a", "address": "10.128.0.16",
     "provisioned": True, "hardened": True, "verified": True, "why": "", "attested": False, "verdict": "test root",
     "verdict_reasons": ["test root: the quote chains to a root that is not Intel's SGX Root CA (root 5bee...)"],
     "tcb_status": "UpToDate", "advisory_ids": []},
    {"host": HOSTILE, "instance": HOSTILE, "zone": "us-central1-a", "address": "10.128.0.15",
     "provisioned": True, "hardened": True, "verified": False, "attested": False,
     "why": "not verified: " + HOSTILE},
]
VERIFY_RESULTS = {
    "tdx-web-1": {"host": "tdx-web-1", "attestation": {
        "verified": True, "tcb_status": "UpToDate", "advisory_ids": [], "fmspc": "00806f050000",
        "root": "Intel SGX Root CA", "problems": [], "decoded": MEASURED}},
    HOSTILE: {"host": HOSTILE, "attestation": {"verified": False, "problems": ["quote: " + HOSTILE]}},
}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report-page")
    directory = tmp_path / "reports"
    task = {"name": "write", "confidential.tdx.fleet_report": {
        "path": str(directory), "verify_results": VERIFY_RESULTS,
        "report": {"rollout": "in progress", "batch_stops_rollout": True, "rows": ROWS},
        "run": {"id": "tdx-20261201T190000Z", "updated": "2026-12-01T19:04:31Z"}}}
    run = run_playbook([localhost_play([task])], tmp_path)
    assert run.ok, run.output[-3000:]
    assert run.result("write")["files"]["html"] == str(directory / "fleet-report.html")
    return directory


def test_chromium_renders_every_host_of_the_json_report(page):
    report = json.loads((page / "fleet-report.json").read_text())
    dom = dump_dom(str(page / "fleet-report.html"))
    rendered = rendered_rows(dom)
    assert sorted(rendered.rows) == sorted(row["host"] for row in report["rows"])
    # Hosts that need attention first: failed, not verified and not attested, not checked, then the stale TCB.
    order = [host for host in rendered.rows]
    assert order == ["tdx-web-2", HOSTILE, "tdx-web-4", "tdx-lab-1", "tdx-web-3", "tdx-web-1"]
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in rendered.rows["tdx-web-2"]
    assert "INTEL-SA-00837" in rendered.rows["tdx-web-3"] and "OutOfDate" in rendered.rows["tdx-web-3"]
    assert "b2" * 48 in rendered.rows["tdx-web-1"]
    assert "5 need attention" in " ".join(dom.split()).replace("</b>", " ").replace("<b>", "")
    # The hostile name is text on the page: no element, no script ran (the title is still the page's).
    assert HOSTILE in rendered.rows[HOSTILE]
    assert "img" not in rendered.tags and "script" not in rendered.tags
    assert "<title>TDX fleet report</title>" in dom


def test_a_test_root_host_is_never_green_and_says_test_root_on_its_row_tiles_and_page(page, tmp_path):
    colours = text_colours(str(page / "fleet-report.html"), tmp_path)
    lab = colours["rows"]["tdx-lab-1"]
    assert "TEST ROOT" in lab["text"] and "attested" not in lab["text"].replace("not attested", "")
    assert lab["green"] == [], lab["green"]
    # Chromium's own colours, so the check can fail: the attested host's row is green.
    assert colours["rows"]["tdx-web-1"]["green"]
    test_root_tiles = [tile for tile in colours["tiles"] if "TEST ROOT" in tile["text"]]
    # The count is a block above its label: textContent joins them.
    assert [tile["text"] for tile in test_root_tiles] == ["3verified, of them 1 TEST ROOT", "1TEST ROOT"]
    assert all(tile["green"] == [] for tile in colours["tiles"]), colours["tiles"]
    assert " ".join(colours["banner"].split()).startswith("TEST ROOT: 1 host verified against a testing root")


def test_a_screenshot_of_the_page_is_kept(page):
    path = screenshot(str(page / "fleet-report.html"), "fleet-report.png")
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(path) > 10000
