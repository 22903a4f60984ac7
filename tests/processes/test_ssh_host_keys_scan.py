"""ssh_host_keys' scan started in the background and collected by a later call, with a stand-in ssh-keyscan
on PATH (it starts sh and that program)."""

import os
import stat

import pytest

from ansible_collections.confidential.tdx.plugins.action import ssh_host_keys as action


@pytest.fixture
def fake_keyscan(tmp_path, monkeypatch):
    """An ssh-keyscan that answers for every address it is given, port 22 style, after a moment."""
    program = tmp_path / "bin" / "ssh-keyscan"
    program.parent.mkdir()
    program.write_text('#!/bin/sh\nshift 4\nsleep 0.2\nfor a in "$@"; do echo "$a ssh-ed25519 KEY-$a"; done\n')
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", "%s:%s" % (program.parent, os.environ["PATH"]))


def test_a_started_scan_is_collected_later_and_its_directory_removed(fake_keyscan):
    argvs = [(22, ["ssh-keyscan", "-T", "5", "-p", "22", "10.0.0.1", "10.0.0.2"])]
    directory = action.start(argvs)
    assert not os.path.exists(os.path.join(directory, "22.done"))  # started, not waited for
    outputs, unfinished = action.collect(directory, [22], 5)
    assert unfinished == [] and not os.path.exists(directory)
    assert outputs[22].splitlines() == ["10.0.0.1 ssh-ed25519 KEY-10.0.0.1", "10.0.0.2 ssh-ed25519 KEY-10.0.0.2"]
