"""confidential.tdx.fleet_report through ansible-playbook: the three files, a rerun, check mode, merging, bad input."""

import json

import pytest

from tests.playbooks.playbook import localhost_play, run_playbook

pytestmark = pytest.mark.integration

ROWS = [{"host": "web-1", "instance": "web-1", "zone": "us-central1-a", "address": "10.0.0.1", "provisioned": True,
         "hardened": True, "verified": True, "why": ""},
        {"host": "web-2", "instance": "web-2", "zone": None, "address": None, "provisioned": False,
         "hardened": None, "verified": None, "why": "provision failed: no capacity"}]
REPORT = {"rollout": "finished", "batch_stops_rollout": False, "rows": ROWS}
FILES = ["fleet-report.html", "fleet-report.json", "fleet-report.txt"]


def task(**args):
    return {"name": "report", "confidential.tdx.fleet_report": args, "ignore_errors": True}


def run(tmp_path, check=False, diff=False, **args):
    return run_playbook([localhost_play([task(**args)])], tmp_path, check=check, diff=diff)


def test_three_files_once_and_a_rerun_changes_nothing(tmp_path):
    directory = tmp_path / "reports"
    first = run(tmp_path, path=str(directory), report=REPORT, run={"id": "run-1"})
    assert first.status("report") == "changed", first.output
    result = first.result("report")
    assert result["written"] == [str(directory / name) for name in FILES]
    assert result["files"] == {"json": str(directory / "fleet-report.json"), "txt": str(directory / "fleet-report.txt"),
                               "html": str(directory / "fleet-report.html")}
    written = json.loads((directory / "fleet-report.json").read_text())
    assert written == result["report"]
    assert (written["hosts"], written["provisioned"], written["attention"], written["run"]) == (
        2, 1, 1, {"id": "run-1"})
    assert (directory / "fleet-report.txt").read_text().splitlines() == result["lines"]

    again = run(tmp_path, path=str(directory), report=REPORT, run={"id": "run-1"})
    assert again.status("report") == "ok", again.output
    assert again.result("report")["written"] == []


def test_check_mode_and_diff_show_the_change_without_writing(tmp_path):
    directory = tmp_path / "reports"
    assert run(tmp_path, path=str(directory), report=REPORT).ok
    fixed = dict(REPORT, rows=[ROWS[0], dict(ROWS[1], provisioned=True, why="")])
    checked = run(tmp_path, check=True, diff=True, path=str(directory), report=fixed)
    assert checked.status("report") == "changed", checked.output
    assert '-  "provisioned": 1' in checked.stdout and '+  "provisioned": 2' in checked.stdout
    assert json.loads((directory / "fleet-report.json").read_text())["provisioned"] == 1


def test_merging_slices_and_refusing_a_host_in_two(tmp_path):
    slices = []
    for number, row in enumerate(ROWS, start=1):
        slices.append(tmp_path / ("slice-%d" % number))
        assert run(tmp_path, path=str(slices[-1]), report=dict(REPORT, rows=[row]), run={"id": "s%d" % number}).ok
    merged = run(tmp_path, path=str(tmp_path / "merged"), sources=[str(path) for path in slices])
    assert merged.status("report") == "changed", merged.output
    assert [row["host"] for row in merged.result("report")["report"]["rows"]] == ["web-1", "web-2"]

    twice = run(tmp_path, path=str(tmp_path / "twice"), sources=[str(slices[0]), str(slices[1]), str(slices[0])])
    assert twice.status("report") == "failed"
    assert twice.result("report")["msg"] == (
        "sources: host web-1 is in two slice reports, %s and %s; job slices must be disjoint" % (slices[0], slices[0]))
    assert not (tmp_path / "twice").exists()


@pytest.mark.parametrize("args, message", [
    ({}, "one of the following is required: report, sources"),
    ({"report": REPORT, "sources": ["x"]}, "parameters are mutually exclusive: report|sources"),
    ({"report": {"hosts": 2}}, "report: has no list of rows"),
    ({"sources": ["/nonexistent/slice"]}, "sources: cannot read /nonexistent/slice: No such file or directory"),
])
def test_bad_input_is_one_line_naming_the_argument_and_writes_nothing(tmp_path, args, message):
    directory = tmp_path / "reports"
    failed = run(tmp_path, path=str(directory), **args)
    assert failed.status("report") == "failed"
    assert message in failed.result("report")["msg"]
    assert not directory.exists()
