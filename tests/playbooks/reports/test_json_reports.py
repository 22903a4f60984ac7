"""confidential.tdx.json_reports through ansible-playbook: reports written on the controller in one task."""

import json
import os
import stat

import pytest

from tests.playbooks.playbook import localhost_play, run_playbook

pytestmark = pytest.mark.integration

REPORTS = {"host-a": {"host": "host-a", "verified": False, "failures": ["tdx_active: no"]},
           "host-b": {"host": "host-b", "verified": True, "failures": []},
           "summary": {"hosts": 2, "verified": ["host-b"]}}


def task(name="write", **args):
    return {"name": name, "confidential.tdx.json_reports": args, "ignore_errors": True}


def test_reports_are_written_once_and_a_rerun_changes_nothing(tmp_path):
    directory = tmp_path / "audit" / "tdx"
    first = run_playbook([localhost_play([task(path=str(directory), reports=REPORTS)])], tmp_path)
    assert first.status("write") == "changed", first.output
    result = first.result("write")
    assert result["written"] == sorted(str(directory / (name + ".json")) for name in REPORTS)
    for name, document in REPORTS.items():
        path = directory / (name + ".json")
        text = path.read_text()
        # The text Ansible's to_nice_json(indent=2) makes, with a final newline.
        assert text == json.dumps(document, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(directory.stat().st_mode) == 0o750
    assert not [entry for entry in os.listdir(str(directory)) if entry.startswith(".")]  # no temporary files left

    again = run_playbook([localhost_play([task(path=str(directory), reports=REPORTS)])], tmp_path)
    assert again.status("write") == "ok", again.output
    assert again.result("write")["written"] == []


def test_check_mode_and_diff_show_the_change_without_writing(tmp_path):
    directory = tmp_path / "reports"
    assert run_playbook([localhost_play([task(path=str(directory), reports=REPORTS)])], tmp_path).ok
    changed = dict(REPORTS, **{"host-a": {"host": "host-a", "verified": True, "failures": []}})
    run = run_playbook([localhost_play([task(path=str(directory), reports=changed)])], tmp_path, check=True,
                       diff=True)
    assert run.status("write") == "changed", run.output
    assert run.result("write")["written"] == [str(directory / "host-a.json")]
    assert '-  "verified": false' in run.stdout and '+  "verified": true' in run.stdout
    assert json.loads((directory / "host-a.json").read_text())["verified"] is False


def test_a_changed_mode_is_corrected_and_an_unquoted_mode_is_octal(tmp_path):
    directory = tmp_path / "reports"
    assert run_playbook([localhost_play([task(path=str(directory), reports=REPORTS)])], tmp_path).ok
    os.chmod(str(directory / "host-b.json"), 0o644)
    # 0600 as YAML 1.1 reads it unquoted: the number 384.
    run = run_playbook([localhost_play([task(path=str(directory), reports={"host-b": REPORTS["host-b"]},
                                             mode=0o600)])], tmp_path)
    assert run.status("write") == "changed", run.output
    assert stat.S_IMODE((directory / "host-b.json").stat().st_mode) == 0o600


@pytest.mark.parametrize("args, message", [
    (dict(reports={"../escape": {}}), "reports: '../escape' cannot be a file name"),
    (dict(reports={"a": {}}, mode="rw-r"), "mode: 'rw-r' is not an octal file mode"),
    (dict(reports="not a dict"), "reports"),
])
def test_bad_arguments_fail_in_one_line_and_write_nothing(tmp_path, args, message):
    directory = tmp_path / "reports"
    run = run_playbook([localhost_play([task(path=str(directory), **args)])], tmp_path)
    assert run.status("write") == "failed", run.output
    assert message in run.result("write")["msg"]
    assert "\n" not in run.result("write")["msg"].strip()
    assert not directory.exists()


def test_a_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("")
    run = run_playbook([localhost_play([task(path=str(tmp_path / "taken"), reports=REPORTS)])], tmp_path)
    assert run.status("write") == "failed"
    assert run.result("write")["msg"] == ("path: %s exists and is not a directory; give a directory for the reports"
                                          % (tmp_path / "taken"))
