"""ssh-keyscan grouped by port, and its lines given back to the host they name."""

from ansible_collections.confidential.tdx.plugins.module_utils.ssh_keyscan import Target, commands, keys_by_host

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"


def test_one_process_per_port_each_address_once_in_order_first_seen():
    targets = [Target("a", "10.0.0.1"), Target("b", "10.0.0.2", 2222), Target("c", "10.0.0.3"),
               Target("a2", "10.0.0.1")]
    assert commands(targets, 5) == [
        (22, ["ssh-keyscan", "-T", "5", "-p", "22", "10.0.0.1", "10.0.0.3"]),
        (2222, ["ssh-keyscan", "-T", "5", "-p", "2222", "10.0.0.2"]),
    ]


def test_lines_go_to_the_host_of_their_address_and_port_comments_and_strangers_left_out():
    targets = [Target("a", "10.0.0.1"), Target("b", "10.0.0.1", 2222), Target("c", "Web.Example")]
    outputs = {
        22: "# 10.0.0.1:22 SSH-2.0-OpenSSH_9.2\n10.0.0.1 %s\nweb.example %s\n10.9.9.9 %s\n" % (KEY, KEY, KEY),
        2222: "[10.0.0.1]:2222  %s\n" % KEY,
    }
    assert keys_by_host(targets, outputs) == {
        "a": ["10.0.0.1 " + KEY],
        "b": ["[10.0.0.1]:2222 " + KEY],
        "c": ["web.example " + KEY],
    }


def test_a_host_that_did_not_answer_gets_no_lines():
    assert keys_by_host([Target("a", "10.0.0.1")], {22: ""}) == {"a": []}
