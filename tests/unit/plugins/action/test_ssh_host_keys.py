"""ssh_host_keys' collection of a background scan, on a fake clock (the scan itself: tests/processes)."""

from ansible_collections.confidential.tdx.plugins.action import ssh_host_keys as action


def test_a_scan_that_does_not_finish_by_the_deadline_names_the_places_left_without_keys(tmp_path):
    directory = tmp_path / "ssh-host-keys.x"
    directory.mkdir()
    (directory / "0.err").write_text("ssh-host-key: ssh-ed25519 AAAA\n")
    ticks = iter(range(100))
    outputs, unread = action.collect(str(directory), ["10.0.0.1", "10.0.0.1", "[10.0.0.2]:2222"], 1,
                                     clock=lambda: next(ticks), sleep=lambda s: None)
    assert unread == ["[10.0.0.2]:2222"]
    assert outputs == {0: "10.0.0.1 ssh-ed25519 AAAA", 1: "", 2: ""} and not directory.exists()
