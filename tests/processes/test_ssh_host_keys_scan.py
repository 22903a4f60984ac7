"""ssh_host_keys' scan started in the background and collected by a later call, with a stand-in ssh on PATH
(the script starts it as the real one, which the test hosts answer: tests/hosts/verify)."""

import os
import stat
import subprocess

import pytest

from ansible_collections.confidential.tdx.plugins.action import ssh_host_keys as action
from ansible_collections.confidential.tdx.plugins.module_utils.ssh_keyscan import (
    MARK,
    WAVE,
    Target,
    commands,
    key_lines,
    keys_by_host,
    quote,
    script,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    """An ssh that, after a moment, hands a key of the type it is asked for to its KnownHostsCommand, as ssh does
    (the last argument is the address), and fails as strict checking makes it."""
    program = tmp_path / "bin" / "ssh"
    program.parent.mkdir()
    program.write_text(
        '#!/bin/sh\nsleep 0.2\nfor a in "$@"; do case "$a" in HostKeyAlgorithms=*) t=${a#*=}; t=${t%%,*};; esac;'
        ' address=$a; done\n'
        'case "$address" in 10.0.0.9) echo "ssh: connect to host $address port 22: Connection refused" >&2;'
        ' exit 255;; esac\n'
        '/bin/sh -c \'echo "ssh-host-key: $1 $2" >&2\' - "$t" "KEY-$address"\n'
        'echo "Host key verification failed." >&2\nexit 255\n')
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", "%s:%s" % (program.parent, os.environ["PATH"]))


def test_a_started_scan_is_collected_later_and_its_directory_removed(fake_ssh):
    targets = [Target("a", "10.0.0.1"), Target("b", "10.0.0.2", 2222), Target("down", "10.0.0.9")]
    scans = commands(targets, 5)
    directory = action.start([argv for dummy, argv in scans], 5)
    assert not os.path.exists(os.path.join(directory, "done"))  # started, not waited for
    outputs, unread = action.collect(directory, [label for label, dummy in scans], 5)
    assert unread == [] and not os.path.exists(directory)
    assert keys_by_host(targets, outputs) == {
        "a": ["10.0.0.1 rsa-sha2-512 KEY-10.0.0.1", "10.0.0.1 ecdsa-sha2-nistp256 KEY-10.0.0.1",
              "10.0.0.1 ssh-ed25519 KEY-10.0.0.1"],
        "b": ["[10.0.0.2]:2222 rsa-sha2-512 KEY-10.0.0.2", "[10.0.0.2]:2222 ecdsa-sha2-nistp256 KEY-10.0.0.2",
              "[10.0.0.2]:2222 ssh-ed25519 KEY-10.0.0.2"],
        "down": [],
    }


def test_the_known_hosts_command_writes_the_key_to_stderr_and_nothing_to_stdout():
    argv = commands([Target("a", "10.0.0.1")], 5)[0][1]
    option = [argv[index + 1] for index, word in enumerate(argv) if word == "-o"
              and argv[index + 1].startswith("KnownHostsCommand=")][0]
    # As ssh splits it (quotes as sh does) and expands %t and %K.
    words = ["/bin/sh", "-c", 'echo "%s $1 $2" >&2' % MARK, "-", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIB"]
    assert option == ('KnownHostsCommand=/bin/sh -c "echo \\"%s $1 $2\\" >&2" - %%t %%K' % MARK)
    completed = subprocess.run(words, capture_output=True, text=True, check=True)
    assert completed.stdout == "" and key_lines("10.0.0.1", completed.stderr) == ["10.0.0.1 " + KEY]


def test_the_script_runs_every_scan_in_waves_and_leaves_a_marker(tmp_path):
    argvs = [["sh", "-c", "echo %d-$0 >&2" % index, "it's"] for index in range(WAVE + 2)]
    text = script(argvs, 5)
    assert text.count("wait $pids") == 2
    # In a session of its own, as the action starts it: the time limit stops the script's whole process group.
    subprocess.run(["sh", "-c", text, "scan", str(tmp_path)], check=True, timeout=30, start_new_session=True)
    assert (tmp_path / "done").exists()
    assert [(tmp_path / ("%d.err" % index)).read_text() for index in (0, WAVE + 1)] == [
        "0-it's\n", "%d-it's\n" % (WAVE + 1)]


def test_a_scan_that_hangs_is_stopped_after_the_time_limit_without_a_marker(tmp_path):
    subprocess.run(["sh", "-c", script([["sleep", "30"]], 1), "scan", str(tmp_path)], timeout=15,
                   start_new_session=True)
    assert not (tmp_path / "done").exists()


def test_quote_makes_one_sh_word():
    assert subprocess.run(["sh", "-c", "printf %s " + quote("a b'c$d")], capture_output=True,
                          text=True).stdout == "a b'c$d"


@pytest.fixture
def fake_keyscan(tmp_path, monkeypatch):
    """An ssh-keyscan that answers for the address it is given (the last argument) with a key of the type asked
    for (-t), after its comment line, as ssh-keyscan writes them."""
    program = tmp_path / "bin" / "ssh-keyscan"
    program.parent.mkdir(exist_ok=True)
    program.write_text('#!/bin/sh\nwhile [ "$1" != -- ]; do [ "$1" = -t ] && t=$2; shift; done\n'
                       'echo "# $2:22 SSH-2.0-OpenSSH_8.0" >&2\necho "$2 ssh-$t KEY-$2"\n')
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", "%s:%s" % (program.parent, os.environ["PATH"]))


def test_without_known_hosts_command_each_key_is_read_by_ssh_keyscan_into_the_same_lines(fake_keyscan):
    targets = [Target("a", "10.0.0.1"), Target("b", "10.0.0.2", 2222)]
    scans = commands(targets, 5, known_hosts_command=False)
    assert [argv[argv.index("-t") + 1] for dummy, argv in scans] == ["rsa", "ecdsa", "ed25519"] * 2
    directory = action.start([argv for dummy, argv in scans], 5)
    outputs, unread = action.collect(directory, [label for label, dummy in scans], 5)
    assert unread == [] and keys_by_host(targets, outputs) == {
        "a": ["10.0.0.1 ssh-rsa KEY-10.0.0.1", "10.0.0.1 ssh-ecdsa KEY-10.0.0.1", "10.0.0.1 ssh-ed25519 KEY-10.0.0.1"],
        "b": ["[10.0.0.2]:2222 ssh-rsa KEY-10.0.0.2", "[10.0.0.2]:2222 ssh-ecdsa KEY-10.0.0.2",
              "[10.0.0.2]:2222 ssh-ed25519 KEY-10.0.0.2"]}


def test_the_controllers_ssh_is_asked_whether_it_knows_known_hosts_command(tmp_path, monkeypatch):
    # The real ssh of this machine (OpenSSH 9.2) knows it; one that refuses the option does not.
    assert action.ssh_has_known_hosts_command()
    program = tmp_path / "old" / "ssh"
    program.parent.mkdir()
    program.write_text('#!/bin/sh\necho "command-line: line 0: Bad configuration option: knownhostscommand" >&2\n'
                       'exit 255\n')
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", "%s:%s" % (program.parent, os.environ["PATH"]))
    assert not action.ssh_has_known_hosts_command()
