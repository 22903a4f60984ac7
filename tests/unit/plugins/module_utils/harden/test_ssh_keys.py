"""How sshd would call AuthorizedKeysCommand and where it would find keys: the pure part."""

import os

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.harden import ssh_keys

CLIENT = {"addr": "10.1.2.3", "port": "50022", "laddr": "10.1.2.9", "lport": "22"}
VALUES = ssh_keys.command_values("dana_example_com", 1001001, "/home/dana_example_com", CLIENT)


def test_ssh_connection_is_read_as_sshd_sets_it():
    assert ssh_keys.parse_ssh_connection("10.1.2.3 50022 10.1.2.9 22\n") == CLIENT
    assert ssh_keys.parse_ssh_connection("fe80::1 50022 fe80::2 2222") == {
        "addr": "fe80::1", "port": "50022", "laddr": "fe80::2", "lport": "2222"}
    for bad in ("", None, "10.1.2.3 50022 10.1.2.9", "10.1.2.3 x 10.1.2.9 22"):
        assert ssh_keys.parse_ssh_connection(bad) is None


def test_the_sshd_t_connection_spec_is_the_real_login_or_a_local_one():
    assert ssh_keys.match_spec("dana", CLIENT) == "user=dana,host=10.1.2.3,addr=10.1.2.3,laddr=10.1.2.9,lport=22"
    assert ssh_keys.match_spec("dana", None) == "user=dana,host=localhost,addr=127.0.0.1"


@pytest.mark.parametrize("command, argv", [
    # Google's OS Login: no arguments, so sshd gives the user name.
    ("/usr/bin/google_authorized_keys", ["/usr/bin/google_authorized_keys", "dana_example_com"]),
    ("/usr/bin/keys %u %U %h", ["/usr/bin/keys", "dana_example_com", "1001001", "/home/dana_example_com"]),
    ("/usr/bin/keys 100%% %u", ["/usr/bin/keys", "100%", "dana_example_com"]),
    ("/usr/bin/keys '%u at %C'", ["/usr/bin/keys", "dana_example_com at 10.1.2.3 50022 10.1.2.9 22"]),
    ("/usr/bin/keys -d %D.", ["/usr/bin/keys", "-d", "."]),
    # The program itself is not expanded, only its arguments.
    ("/opt/%u/keys", ["/opt/%u/keys", "dana_example_com"]),
])
def test_the_command_is_split_and_expanded_as_sshd_does(command, argv):
    assert ssh_keys.command_argv(command, VALUES) == (argv, None, False)


@pytest.mark.parametrize("command, reason", [
    ("/usr/bin/keys %u %k", "it was not run: its %k stands for the key a client offers"),
    ("/usr/bin/keys %f %t", "it was not run: its %f, %t stand for the key a client offers"),
])
def test_a_command_that_needs_the_offered_key_is_not_run_and_its_keys_are_unknown(command, reason):
    argv, why, sshd_refuses = ssh_keys.command_argv(command, VALUES)
    assert argv is None and why.startswith(reason) and "only during a login" in why and sshd_refuses is False


@pytest.mark.parametrize("command, reason", [
    ("google_authorized_keys", "sshd refuses it: google_authorized_keys is not an absolute path"),
    ("/usr/bin/keys %q", "sshd does not know the token %q"),
    ("/usr/bin/keys 'open", "sshd cannot split its command line"),
    ("", "it is empty"),
])
def test_a_command_sshd_would_not_run_gives_no_key(command, reason):
    argv, why, sshd_refuses = ssh_keys.command_argv(command, VALUES)
    assert argv is None and why.startswith(reason) and sshd_refuses is True


def test_tokens_and_literal_percent_signs():
    assert ssh_keys.tokens_in("%u-%%-%h%") == ["u", "h"]
    assert ssh_keys.expand_tokens("%h/%%u", {"h": "/home/a"}) == "/home/a/%u"
    with pytest.raises(KeyError):
        ssh_keys.expand_tokens("%k", VALUES)


def test_keys_are_counted_in_command_output_and_other_lines_are_not():
    output = ("# managed by OS Login\n"
              "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv8 dana\n"
              'no-pty,command="x" ecdsa-sha2-nistp256 AAAAE2VjZHNh dana\n'
              "ssh-rsa not-a-key\n\n")
    assert ssh_keys.count_keys(output) == 2
    assert ssh_keys.count_keys("") == 0


class Stat:
    def __init__(self, uid=0, mode=0o100755):
        self.st_uid = uid
        self.st_mode = mode


def test_sshd_runs_only_a_root_owned_program_no_one_else_may_change():
    directory = 0o040755
    assert ssh_keys.unsafe_path_reason([("/usr/bin/k", Stat()), ("/usr/bin", Stat(mode=directory)),
                                        ("/usr", Stat(mode=directory)), ("/", Stat(mode=directory))]) is None
    assert ssh_keys.unsafe_path_reason([("/usr/bin/k", None)]) == "/usr/bin/k does not exist"
    assert ssh_keys.unsafe_path_reason([("/opt/k", Stat(uid=1000))]) == "/opt/k is not owned by root"
    assert ssh_keys.unsafe_path_reason([("/opt/k", Stat(mode=0o100775))]) == "/opt/k is writable by group or others"
    assert ssh_keys.unsafe_path_reason([("/opt/k", Stat()), ("/opt", Stat(mode=0o041777))]) == (
        "/opt is writable by group or others")
    assert ssh_keys.unsafe_path_reason([("/opt", Stat(mode=directory))]) == "/opt is not a regular file"


def test_the_real_tree_of_a_system_program_is_safe():
    from ansible_collections.confidential.tdx.plugins.module_utils.harden import host_state
    if os.stat("/usr/bin/env").st_uid != 0:
        pytest.skip("this machine's /usr/bin/env is not owned by root")
    chain = host_state.path_chain("/usr/bin/env")
    assert chain[-1][0] == "/" and ssh_keys.unsafe_path_reason(chain) is None
