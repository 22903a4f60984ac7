"""ssh_host_keys' collection of a background scan, on a fake clock (the scan itself: tests/processes)."""

from ansible_collections.confidential.tdx.plugins.action import ssh_host_keys as action


def test_a_scan_that_does_not_finish_by_the_deadline_is_named_and_gives_no_lines(tmp_path):
    directory = tmp_path / "ssh-host-keys.x"
    directory.mkdir()
    ticks = iter(range(100))
    outputs, unfinished = action.collect(str(directory), [22, 2222], 1, clock=lambda: next(ticks), sleep=lambda s: None)
    assert unfinished == [22, 2222] and outputs == {22: "", 2222: ""}
