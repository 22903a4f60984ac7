"""The host key scan: one ssh per address, port and key type, and its lines given back to the host they name."""

from ansible_collections.confidential.tdx.plugins.module_utils.ssh_keyscan import (
    KEY_TYPES,
    MARK,
    Target,
    commands,
    key_lines,
    keys_by_host,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"


def test_one_ssh_per_address_port_and_key_type_each_place_once_in_order_first_seen():
    targets = [Target("a", "10.0.0.1"), Target("b", "10.0.0.2", 2222), Target("a2", "10.0.0.1")]
    scans = commands(targets, 5)
    assert [label for label, dummy in scans] == ["10.0.0.1"] * 3 + ["[10.0.0.2]:2222"] * 3
    argv = scans[3][1]
    assert argv[:5] == ["ssh", "-F", "/dev/null", "-p", "2222"] and argv[-2:] == ["--", "10.0.0.2"]
    options = [argv[index + 1] for index, word in enumerate(argv) if word == "-o"]
    assert [option for option in options if option.startswith("HostKeyAlgorithms=")] == [
        "HostKeyAlgorithms=" + algorithms for dummy, algorithms in KEY_TYPES][:1]
    # Refused before any login: the key goes to KnownHostsCommand, which knows none, under strict checking.
    assert "StrictHostKeyChecking=yes" in options and "BatchMode=yes" in options and "ConnectTimeout=5" in options
    assert "UserKnownHostsFile=/dev/null" in options and "GlobalKnownHostsFile=/dev/null" in options
    # Cheap key exchanges first, ssh's defaults after them (a host that offers only another still answers).
    assert "KexAlgorithms=^curve25519-sha256,curve25519-sha256@libssh.org" in options


def test_key_lines_take_only_the_marked_lines_of_a_scans_stderr():
    text = ("No ED25519 host key is known for 10.0.0.1 and you have requested strict checking.\n"
            "%s %s\nHost key verification failed.\n%s broken\n" % (MARK, KEY, MARK))
    assert key_lines("[10.0.0.1]:2222", text) == ["[10.0.0.1]:2222 " + KEY]
    assert key_lines("10.0.0.1", "ssh: connect to host 10.0.0.1 port 22: Connection refused\n") == []


def test_lines_go_to_the_host_of_their_address_and_port_comments_and_strangers_left_out():
    targets = [Target("a", "10.0.0.1"), Target("b", "10.0.0.1", 2222), Target("c", "Web.Example")]
    outputs = {
        0: "# 10.0.0.1:22 SSH-2.0-OpenSSH_9.2\n10.0.0.1 %s\nweb.example %s\n10.9.9.9 %s\n" % (KEY, KEY, KEY),
        1: "[10.0.0.1]:2222  %s\n" % KEY,
    }
    assert keys_by_host(targets, outputs) == {
        "a": ["10.0.0.1 " + KEY],
        "b": ["[10.0.0.1]:2222 " + KEY],
        "c": ["web.example " + KEY],
    }


def test_a_host_that_did_not_answer_gets_no_lines():
    assert keys_by_host([Target("a", "10.0.0.1")], {0: ""}) == {"a": []}
