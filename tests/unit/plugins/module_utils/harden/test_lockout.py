"""Who would lose SSH access: refused before anything changes."""

from ansible_collections.confidential.tdx.plugins.module_utils.harden.lockout import lockout_findings

from .role_data import values

OSLOGIN_COMMAND = "AuthorizedKeysCommand /usr/bin/google_authorized_keys (run as root)"


def source(path="/home/x/.ssh/authorized_keys", keys=1, kind="file", note=None):
    return {"kind": kind, "source": path, "keys": keys, "note": note}


def account(keys=True, exists=True, sources=None, configuration="candidate", sshd=None):
    if not exists:
        return {"exists": False, "home": None, "key_files": [], "key_files_with_keys": [], "key_sources": [],
                "keys": 0}
    if sources is None:
        sources = [source(keys=1 if keys else 0)]
    files = [entry["source"] for entry in sources if entry["kind"] == "file"]
    return {"exists": True, "home": "/home/x", "key_files": files,
            "key_files_with_keys": [entry["source"] for entry in sources if entry["kind"] == "file" and entry["keys"]],
            "key_sources": sources, "keys": sum(entry["keys"] or 0 for entry in sources),
            "configuration": configuration, "sshd": sshd or {"pubkeyauthentication": "yes"}}


def oslogin_account(keys=2, note=None):
    """An OS Login user as harden_state reads it: no key file, its keys from google_authorized_keys."""
    return account(sources=[source("/home/x/.ssh/authorized_keys", keys=0),
                            source(OSLOGIN_COMMAND, keys=keys, kind="command", note=note)])


def judge(login="tester", keep=(), overrides=None, connection="ssh", check=True, permit="no", passwords=False,
          accounts=None, effective=None, client=None):
    wanted = dict(values()["_harden_ssh_wanted"], **(overrides or {}))
    ssh = {"effective": effective or {}, "accounts": accounts if accounts is not None else {login: account()},
           "client": client}
    return lockout_findings(connection, check, login, list(keep), wanted, permit, passwords, ssh)


def test_the_login_with_a_key_keeps_access():
    assert judge() == []


def test_local_runs_and_a_switched_off_check_judge_nothing():
    assert judge(connection="local", login=None) == []
    assert judge(connection="ansible.builtin.local", accounts={"tester": account(keys=False)}) == []
    assert judge(check=False, login=None) == []


def test_an_unknown_login_is_refused():
    assert judge(login=None, accounts={}) == ["harden_ssh: cannot tell which account runs the role; set ansible_user "
                                              "(or harden_ssh_lockout_check: false)."]


def test_root_login_refused_when_root_runs_the_role():
    found = judge(login="root", accounts={"root": account()})
    assert len(found) == 1 and found[0].startswith("harden_ssh_permit_root_login: 'no' would lock out root")
    assert judge(login="root", accounts={"root": account()}, permit="prohibit-password") == []


def test_allow_users_must_allow_every_kept_account_and_host_patterns_do_not_count():
    found = judge(overrides={"AllowUsers": "someone-else admin@* tester@10.0.0.1"})
    assert len(found) == 1
    assert found[0].startswith("harden_ssh_settings/overrides: AllowUsers someone-else admin@* tester@10.0.0.1 would "
                               "lock out tester (the account running the role; its key: 1 from "
                               "AuthorizedKeysFile /home/x/.ssh/authorized_keys), which none of its patterns allows.")
    assert judge(overrides={"AllowUsers": "te?ter"}) == []
    kept = judge(overrides={"AllowUsers": "tester"}, keep=["deploy"],
                 accounts={"tester": account(), "deploy": account()})
    assert len(kept) == 1 and "lock out deploy (listed in harden_ssh_keep_access_accounts; " in kept[0]


def test_a_host_pattern_allows_the_login_when_it_matches_the_address_it_comes_from():
    client = {"addr": "10.0.0.1", "port": "50022", "laddr": "10.0.0.9", "lport": "22"}
    for allowing in ("tester@10.0.0.1", "tester@10.0.0.*", "te*@10.0.0.0/24"):
        assert judge(overrides={"AllowUsers": allowing}, client=client) == [], allowing
    for other in ("tester@10.0.0.2", "tester@192.168.0.0/16", "tester@!10.0.0.2", "tester@10.0.0.1,10.0.0.2"):
        assert len(judge(overrides={"AllowUsers": other}, client=client)) == 1, other
    # Without the address, and for the other accounts (which may come from anywhere), it does not count.
    assert len(judge(overrides={"AllowUsers": "tester@10.0.0.1"})) == 1
    kept = judge(overrides={"AllowUsers": "*@10.0.0.1"}, keep=["deploy"], client=client,
                 accounts={"tester": account(), "deploy": account()})
    assert len(kept) == 1 and "lock out deploy" in kept[0]


def test_deny_users_counts_host_patterns_and_names_the_pattern():
    found = judge(overrides={"DenyUsers": "nobody te*@somewhere"})
    assert len(found) == 1 and "which te*@somewhere denies" in found[0]
    assert judge(overrides={"DenyUsers": "nobody"}) == []


def test_keywords_the_check_cannot_judge_are_refused_in_their_spelling():
    found = judge(overrides={"allowGroups": "x", "AuthenticationMethods": "publickey,password"})
    assert [line.split(" decides")[0] for line in found] == ["harden_ssh_settings/overrides: allowGroups",
                                                             "harden_ssh_settings/overrides: AuthenticationMethods"]


def test_key_source_settings_are_judged_through_the_keys_sshd_would_find_with_them():
    # Read with the drop-in about to be written: the keys harden_state counted are the judgement.
    assert judge(overrides={"AuthorizedKeysFile": "/etc/ssh/keys/%u"},
                 accounts={"tester": account(sources=[source("/etc/ssh/keys/tester")])}) == []
    found = judge(overrides={"AuthorizedKeysFile": "/nonexistent/keys"},
                  accounts={"tester": account(sources=[source("/nonexistent/keys", keys=0)])})
    assert found == ["harden_ssh_password_authentication: false would lock out tester (the account running the role): "
                     "sshd would find no public key for it - AuthorizedKeysFile /nonexistent/keys: no key. "
                     "Add a key for tester first, "
                     "keep password logins (harden_ssh_password_authentication: true), or set "
                     "harden_ssh_lockout_check: false if its keys come from elsewhere."]
    # Read with the current configuration only (sshd rejected the candidate): the setting is not judged.
    found = judge(overrides={"AuthorizedKeysCommand": "/usr/bin/keys"},
                  accounts={"tester": account(configuration="current")})
    assert len(found) == 1 and found[0].startswith("harden_ssh_settings/overrides: AuthorizedKeysCommand decides")


def test_without_password_logins_every_kept_account_needs_a_key():
    found = judge(keep=["nokey", "ghost"], accounts={"tester": account(), "nokey": account(keys=False),
                                                     "ghost": account(exists=False)})
    assert found[0].startswith("harden_ssh_password_authentication: false would lock out nokey (listed in "
                               "harden_ssh_keep_access_accounts): sshd would find no public key for it - "
                               "AuthorizedKeysFile /home/x/.ssh/authorized_keys: no key. ")
    assert found[1] == ("harden_ssh_keep_access_accounts: account ghost does not exist on this host; create it first "
                        "or remove it from the list.")
    assert judge(passwords=True, accounts={"tester": account(keys=False)}) == []


def test_an_oslogin_user_keeps_access_through_its_keys_command():
    assert judge(login="dana_example_com", accounts={"dana_example_com": oslogin_account()}) == []


def test_allow_users_without_the_oslogin_user_names_it_and_its_keys_command():
    found = judge(login="dana_example_com", overrides={"AllowUsers": "admin"},
                  accounts={"dana_example_com": oslogin_account()})
    assert found == ["harden_ssh_settings/overrides: AllowUsers admin would lock out dana_example_com (the account "
                     "running the role; its keys: 2 from %s), which none of its patterns allows. Add "
                     "dana_example_com to AllowUsers, or set harden_ssh_lockout_check: false if it logs in another "
                     "way." % OSLOGIN_COMMAND]


def test_a_keys_command_that_gives_nothing_is_named_with_why():
    found = judge(login="dana_example_com", accounts={"dana_example_com": oslogin_account(
        keys=0, note="it exited with code 1; sshd takes no key from a failed run")})
    assert found[0].startswith("harden_ssh_password_authentication: false would lock out dana_example_com (the "
                               "account running the role): sshd would find no public key for it - "
                               "AuthorizedKeysFile /home/x/.ssh/authorized_keys: no key; %s: no key (it exited "
                               "with code 1; sshd takes "
                               "no key from a failed run). " % OSLOGIN_COMMAND)


def test_a_keys_command_that_needs_the_offered_key_is_unknown_not_a_pass():
    note = "it was not run: its %k stands for the key a client offers, which exists only during a login"
    found = judge(accounts={"tester": account(sources=[source(keys=0), source(
        "AuthorizedKeysCommand /usr/bin/check %u %k (run as nobody)", keys=None, kind="command", note=note)])})
    assert len(found) == 1
    assert found[0].startswith("harden_ssh_password_authentication: false: cannot tell whether tester (the account "
                               "running the role) keeps a key: AuthorizedKeysFile /home/x/.ssh/authorized_keys: "
                               "no key; "
                               "AuthorizedKeysCommand /usr/bin/check %u %k (run as nobody): unknown, " + note + ".")
    # A key in a file is enough, whatever the command would say.
    assert judge(accounts={"tester": account(sources=[source(keys=1), source(
        "AuthorizedKeysCommand /usr/bin/check %k (run as nobody)", keys=None, kind="command", note=note)])}) == []


def test_no_key_source_at_all_and_certificates_are_named():
    found = judge(accounts={"tester": account(sources=[], sshd={"trustedusercakeys": "/etc/ssh/ca.pub"})})
    assert ("sshd would find no public key for it - no authorized keys file (AuthorizedKeysFile none) and no "
            "AuthorizedKeysCommand (keys signed by TrustedUserCAKeys cannot be counted).") in found[0]


def test_public_keys_switched_off_with_password_logins_off_locks_everyone_out():
    found = judge(accounts={"tester": account(sshd={"pubkeyauthentication": "no"})})
    assert len(found) == 1 and "with PubkeyAuthentication no would lock out tester" in found[0]
