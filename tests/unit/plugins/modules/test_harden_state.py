"""harden_state: its parsers on recorded tool output, and the module on this machine's real files."""

import hashlib
import os
import time

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.harden import host_state
from ansible_collections.confidential.tdx.plugins.modules import harden_state

from ...module_harness import run_module

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv8example tester@controller"


# -- sshd -T ----------------------------------------------------------------------

SSHD_T = """port 22
port 2222
addressfamily any
passwordauthentication no
permitrootlogin without-password
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
authorizedkeyscommand none
subsystem sftp /usr/lib/openssh/sftp-server
ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com
"""


def test_sshd_output_gives_first_values_and_every_port():
    effective, ports = host_state.parse_sshd_test_output(SSHD_T)
    assert ports == [22, 2222]
    assert effective["port"] == "22"
    assert effective["passwordauthentication"] == "no"
    assert effective["authorizedkeysfile"] == ".ssh/authorized_keys .ssh/authorized_keys2"
    assert effective["subsystem"] == "sftp /usr/lib/openssh/sftp-server"


def test_sshd_keywords_are_lower_cased():
    effective, _ports = host_state.parse_sshd_test_output("PasswordAuthentication yes\n\n")
    assert effective == {"passwordauthentication": "yes"}


# -- AuthorizedKeysFile tokens ----------------------------------------------------

@pytest.mark.parametrize("spec, expected", [
    (".ssh/authorized_keys .ssh/authorized_keys2",
     ["/home/ann/.ssh/authorized_keys", "/home/ann/.ssh/authorized_keys2"]),
    ("/etc/ssh/keys/%u", ["/etc/ssh/keys/ann"]),
    ("%h/.ssh/keys_%U", ["/home/ann/.ssh/keys_1001"]),
    ("/etc/ssh/100%%/%u", ["/etc/ssh/100%/ann"]),
    ("none", []),
    ("", []),
])
def test_authorized_keys_file_tokens_expand_per_account(spec, expected):
    assert host_state.expand_key_file_spec(spec, "ann", "/home/ann", 1001) == expected


@pytest.mark.parametrize("line, has_key", [
    (ED25519, True),
    ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA x", True),
    ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x", True),
    ('from="10.0.0.0/8",no-pty ' + ED25519, True),
    ('command="echo hi there" ssh-ed25519 AAAAC3Nza x', True),
    ("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5 x", True),
    ("# " + ED25519, False),
    ("   ", False),
    ("ssh-ed25519 not-base64", False),
    ("hello world", False),
])
def test_a_key_is_told_from_comments_and_garbage(tmp_path, line, has_key):
    path = tmp_path / "authorized_keys"
    path.write_text("# keys of the team\n\n" + line + "\n")
    assert host_state.file_has_public_key(str(path)) is has_key


def test_a_missing_key_file_holds_no_key(tmp_path):
    assert host_state.file_has_public_key(str(tmp_path / "absent")) is False


# -- systemctl show ---------------------------------------------------------------

SYSTEMCTL_SHOW = """Id=auditd.service
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled

Id=kdump-tools.service
LoadState=not-found
ActiveState=inactive
SubState=dead
UnitFileState=

Id=serial-getty@ttyS0.service
LoadState=masked
ActiveState=inactive
SubState=dead
UnitFileState=masked
"""


def test_units_are_matched_to_the_names_asked_in_order():
    names = ["auditd.service", "kdump-tools.service", "serial-getty@ttyS0.service"]
    units = host_state.parse_systemctl_show(SYSTEMCTL_SHOW, names)
    assert units["auditd.service"] == {"load_state": "loaded", "active_state": "active", "sub_state": "running",
                                       "unit_file_state": "enabled"}
    assert units["kdump-tools.service"]["load_state"] == "not-found"
    assert units["kdump-tools.service"]["unit_file_state"] == ""
    assert units["serial-getty@ttyS0.service"]["load_state"] == "masked"


# -- mounts, swap, fstab ----------------------------------------------------------

MOUNTINFO = """22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:25 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,size=100k
31 22 0:26 / /dev/shm rw,nosuid,nodev,noexec shared:5 - tmpfs tmpfs rw
40 22 0:30 / /mnt/with\\040space rw - tmpfs none rw
"""


def test_the_last_mount_on_a_point_wins_and_options_are_per_mount():
    mounts = host_state.parse_mountinfo(MOUNTINFO, ["/dev/shm", "/mnt/with space", "/srv"])
    assert mounts["/dev/shm"] == {"source": "tmpfs", "fstype": "tmpfs", "options": ["rw", "nosuid", "nodev", "noexec"]}
    assert mounts["/mnt/with space"]["fstype"] == "tmpfs"
    assert mounts["/srv"] is None


def test_proc_swaps_lists_files_and_partitions():
    text = ("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
            "/swapfile                               file\t\t65532\t\t0\t\t-2\n"
            "/dev/dm-1                               partition\t1048572\t\t0\t\t-3\n")
    assert host_state.parse_proc_swaps(text) == [{"name": "/swapfile", "type": "file"},
                                                    {"name": "/dev/dm-1", "type": "partition"}]


def test_only_swap_entries_in_force_are_taken_from_fstab():
    text = ("UUID=1 / ext4 defaults 0 1\n"
            "/swapfile none swap sw 0 0\n"
            "# /old.swap none swap sw 0 0\n"
            "/dev/mapper/cryptswap none swap sw 0 0\n")
    assert [entry["name"] for entry in host_state.parse_fstab_swaps(text)] == ["/swapfile", "/dev/mapper/cryptswap"]
    assert host_state.parse_fstab_swaps(text)[0]["line"] == "/swapfile none swap sw 0 0"


def test_dm_crypt_is_told_by_the_device_mapper_uuid(tmp_path):
    for name, uuid in (("dm-0", "CRYPT-PLAIN-cryptswap"), ("dm-1", "LVM-abc")):
        (tmp_path / name / "dm").mkdir(parents=True)
        (tmp_path / name / "dm" / "uuid").write_text(uuid + "\n")
    assert host_state.is_dm_crypt("/dev/dm-0", sys_block=str(tmp_path)) is True
    assert host_state.is_dm_crypt("/dev/dm-1", sys_block=str(tmp_path)) is False
    assert host_state.is_dm_crypt("/swapfile", sys_block=str(tmp_path)) is False


# -- the module on this machine ---------------------------------------------------

@pytest.mark.parametrize("check_mode", [False, True])
def test_reads_files_paths_and_checksums_without_changing_anything(tmp_path, check_mode):
    managed = tmp_path / "managed.conf"
    managed.write_text("kernel.kptr_restrict = 2\n")
    os.chmod(str(managed), 0o640)
    before = sorted(os.listdir(str(tmp_path)))
    result = run_module(harden_state.main, {
        "paths": [str(managed), str(tmp_path), str(tmp_path / "absent")],
        "files": [str(managed), str(tmp_path / "absent")],
        "checksums": [str(managed), str(tmp_path / "absent"), str(tmp_path)],
    }, check_mode=check_mode)
    assert not result.failed and not result.changed
    state = result["state"]
    assert state["check_mode"] is check_mode
    assert state["paths"][str(managed)]["mode"] == "0640"
    assert state["paths"][str(managed)]["type"] == "file"
    assert state["paths"][str(managed)]["uid"] == os.getuid()
    assert state["paths"][str(tmp_path)]["type"] == "directory"
    assert state["paths"][str(tmp_path / "absent")] == {"exists": False}
    assert state["files"][str(managed)] == "kernel.kptr_restrict = 2\n"
    assert state["files"][str(tmp_path / "absent")] is None
    assert state["checksums"][str(managed)] == hashlib.sha1(b"kernel.kptr_restrict = 2\n").hexdigest()
    assert state["checksums"][str(tmp_path / "absent")] is None
    assert state["checksums"][str(tmp_path)] is None
    assert sorted(os.listdir(str(tmp_path))) == before


def test_reads_live_kernel_parameters_and_marks_missing_ones():
    result = run_module(harden_state.main, {"sysctl": ["kernel.ostype", "kernel.no_such_parameter"]})
    assert result["state"]["sysctl"] == {"kernel.ostype": "Linux", "kernel.no_such_parameter": None}


@pytest.mark.parametrize("bad", ["../../etc/shadow", "kernel", "kernel/ostype", "kernel..ostype"])
def test_refuses_a_sysctl_name_that_is_not_one_in_a_single_line(bad):
    result = run_module(harden_state.main, {"sysctl": [bad]})
    assert result.failed
    assert result["msg"].startswith("sysctl: ")
    assert "\n" not in result["msg"]


def test_finds_programs_and_reports_missing_ones():
    programs = run_module(harden_state.main, {"programs": ["sh", "no-such-program-here"]})["state"]["programs"]
    assert programs["sh"] in ("/usr/bin/sh", "/bin/sh")
    assert programs["no-such-program-here"] is None


def test_login_user_comes_from_the_option_then_sudo(monkeypatch):
    monkeypatch.setenv("SUDO_USER", "alice")
    assert run_module(harden_state.main, {"login_user": "bob"})["state"]["login_user"] == "bob"
    state = run_module(harden_state.main, {})["state"]
    assert (state["login_user"], state["login_user_source"]) == ("alice", "SUDO_USER")


def test_mounts_of_this_machine_are_read():
    mounts = run_module(harden_state.main, {"mounts": ["/proc", "/no/such/mount"]})["state"]["mounts"]
    assert mounts["/proc"]["fstype"] == "proc"
    assert mounts["/no/such/mount"] is None


def test_a_part_that_cannot_be_read_is_an_error_text_not_a_failure(monkeypatch):
    monkeypatch.setattr(host_state, "TOOL_DIRS", ("/nonexistent",))
    result = run_module(harden_state.main, {"sshd": True, "audit_rules": True, "nft_tables": ["inet t"],
                                             "units": ["ssh.service"]})
    assert not result.failed
    state = result["state"]
    assert state["ssh"]["installed"] is False and "sshd not found" in state["ssh"]["error"]
    assert state["audit"]["error"] == "auditctl not found"
    assert state["nft"] == {"tables": {"inet t": False}, "error": "nft not found"}
    assert state["units"] == {} and state["units_error"] == "systemctl not found"


def test_account_name_of_a_known_and_an_unknown_id():
    import grp
    import pwd
    assert host_state.account_name(pwd.getpwuid, 0) == "root"
    assert host_state.account_name(grp.getgrgid, 0) == "root"
    unused = next(number for number in range(54321, 65000) if not _has_entry(pwd.getpwuid, number))
    assert host_state.account_name(pwd.getpwuid, unused) is None


def _has_entry(lookup, number):
    try:
        lookup(number)
    except KeyError:
        return False
    return True


# -- where sshd finds an account's keys -------------------------------------------

KEY_FOR_NOBODY = ('/bin/sh -c "test \\"$(id -un)\\" = nobody && test \\"$HOME\\" = %s '
                  '&& echo ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv8 %%u"')


def _oneself():
    import pwd
    return pwd.getpwuid(os.geteuid())


def test_a_keys_command_counts_only_what_a_clean_exit_prints_and_is_cut_off_when_it_hangs():
    me = _oneself()
    assert host_state.run_keys_command(["/bin/sh", "-c", "echo '%s'; echo '%s'" % (ED25519, ED25519)], me) == (2, None)
    keys, note = host_state.run_keys_command(["/bin/sh", "-c", "echo '%s'; echo denied >&2; exit 3" % ED25519], me)
    assert (keys, note) == (0, "it exited with code 3: denied; sshd takes no key from a failed run")
    # A child the command left behind would hold its output open: it ends with it.
    started = time.monotonic()
    assert host_state.run_keys_command(["/bin/sh", "-c", "sleep 30 & sleep 30; wait"], me, timeout=1) == (
        None, "it did not finish within 1 s (a login would wait as long)")
    assert time.monotonic() - started < 10
    # sshd's environment, not the caller's.
    script = 'test -z "$CALLER_ONLY" && test "$USER" = %s && echo "%s"' % (me.pw_name, ED25519)
    os.environ["CALLER_ONLY"] = "1"
    try:
        assert host_state.run_keys_command(["/bin/sh", "-c", script], me) == (1, None)
    finally:
        del os.environ["CALLER_ONLY"]


def _entry(name="tester", uid=1001, home="/home/tester"):
    import pwd
    return pwd.struct_passwd((name, "x", uid, uid, "", home, "/bin/sh"))


def test_a_keys_command_sshd_would_refuse_or_that_needs_the_offered_key_is_not_run():
    command = host_state.HostState._keys_from_command
    assert command({"authorizedkeyscommand": "none"}, _entry(), None) is None
    skipped = command({"authorizedkeyscommand": "/usr/bin/env", "authorizedkeyscommanduser": "none"}, _entry(), None)
    assert skipped == {"kind": "command", "source": "AuthorizedKeysCommand /usr/bin/env (run as none)", "keys": 0,
                       "note": "sshd skips it: AuthorizedKeysCommandUser is not set"}
    keyed = command({"authorizedkeyscommand": "/usr/bin/env %k", "authorizedkeyscommanduser": "root"}, _entry(), None)
    assert keyed["keys"] is None and keyed["note"].startswith("it was not run: its %k")
    ghost = command({"authorizedkeyscommand": "/usr/bin/env", "authorizedkeyscommanduser": "no-such-user-here"},
                    _entry(), None)
    assert (ghost["keys"], ghost["note"]) == (0, "sshd skips it: its user no-such-user-here does not exist")
    per_user = command({"authorizedkeyscommand": "/usr/bin/env", "authorizedkeyscommanduser": "keys-%u"},
                       _entry(), None)
    assert (per_user["keys"], per_user["note"]) == (0, "sshd skips it: its user keys-tester does not exist")


def test_a_keys_command_outside_roots_hands_gives_no_key(tmp_path):
    script = tmp_path / "keys"
    script.write_text("#!/bin/sh\necho '%s'\n" % ED25519)
    os.chmod(str(script), 0o777)
    found = host_state.HostState._keys_from_command(
        {"authorizedkeyscommand": str(script), "authorizedkeyscommanduser": _oneself().pw_name}, _entry(), None)
    assert found["keys"] == 0 and found["note"].startswith("sshd refuses to run it: %s is " % script)


def _real_sshd():
    sshd = "/usr/sbin/sshd"
    if os.geteuid() != 0 or not os.access(sshd, os.X_OK) or not os.path.isdir("/run/sshd"):
        pytest.skip("needs root and an installed openssh-server (/usr/sbin/sshd, /run/sshd)")
    return sshd


def test_the_real_sshd_judges_the_login_from_its_address_with_the_settings_about_to_be_written(tmp_path, monkeypatch):
    _real_sshd()
    import pwd
    nobody = pwd.getpwnam("nobody")
    keys = tmp_path / "keys"
    keys.mkdir()
    config = tmp_path / "sshd_config"
    config.write_text("AuthorizedKeysFile %s/%%u\nPasswordAuthentication yes\n"
                      "Match Address 10.1.2.3\n    AuthorizedKeysCommand %s\n    AuthorizedKeysCommandUser nobody\n"
                      % (keys, KEY_FOR_NOBODY % nobody.pw_dir))
    monkeypatch.setattr(host_state, "SSHD_CONFIG", str(config))
    args = {"sshd": True, "login_user": "root", "sshd_candidate": "PasswordAuthentication no\n"}

    remote = run_module(harden_state.main, dict(args, ssh_client="10.1.2.3 50022 10.1.2.9 22"))["state"]["ssh"]
    root = remote["accounts"]["root"]
    assert remote["error"] is None and remote["client"]["addr"] == "10.1.2.3"
    assert root["match"] == "user=root,host=10.1.2.3,addr=10.1.2.3,laddr=10.1.2.9,lport=22"
    assert root["configuration"] == "candidate" and root["error"] is None
    assert root["sshd"]["passwordauthentication"] == "no" and remote["effective"]["passwordauthentication"] == "yes"
    command = root["key_sources"][-1]
    assert command["kind"] == "command" and command["keys"] == 1, command
    assert command["argv"][-1].endswith("echo ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv8 root")
    assert root["key_sources"][0] == {"kind": "file", "source": "%s/root" % keys, "keys": 0, "note": None}
    assert root["keys"] == 1

    # From this machine itself the Match block does not apply: only the (empty) file counts.
    local = run_module(harden_state.main, args)["state"]["ssh"]["accounts"]["root"]
    assert local["match"] == "user=root,host=localhost,addr=127.0.0.1"
    assert [source["kind"] for source in local["key_sources"]] == ["file"] and local["keys"] == 0

    # A candidate sshd rejects: judged with the current configuration, saying why.
    broken = run_module(harden_state.main, dict(args, sshd_candidate="NoSuchKeyword yes\n"))["state"]["ssh"]
    assert broken["accounts"]["root"]["configuration"] == "current"
    assert "NoSuchKeyword" in broken["accounts"]["root"]["error"]
