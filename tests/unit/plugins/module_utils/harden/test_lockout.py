"""Who would lose SSH access: refused before anything changes."""

from ansible_collections.confidential.tdx.plugins.module_utils.harden.lockout import lockout_findings

from .role_data import values


def account(keys=True, exists=True):
    files = ["/home/x/.ssh/authorized_keys"]
    return {"exists": exists, "home": "/home/x", "key_files": files if exists else [],
            "key_files_with_keys": files if keys and exists else []}


def judge(login="tester", keep=(), overrides=None, connection="ssh", check=True, permit="no", passwords=False,
          accounts=None, effective=None):
    wanted = dict(values()["_harden_ssh_wanted"], **(overrides or {}))
    ssh = {"effective": effective or {}, "accounts": accounts if accounts is not None else {login: account()}}
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
                               "lock out tester (the account running the role)")
    assert judge(overrides={"AllowUsers": "te?ter"}) == []
    kept = judge(overrides={"AllowUsers": "tester"}, keep=["deploy"],
                 accounts={"tester": account(), "deploy": account()})
    assert len(kept) == 1 and "lock out deploy (listed in harden_ssh_keep_access_accounts)" in kept[0]


def test_deny_users_counts_host_patterns_and_names_the_pattern():
    found = judge(overrides={"DenyUsers": "nobody te*@somewhere"})
    assert len(found) == 1 and "which te*@somewhere denies" in found[0]
    assert judge(overrides={"DenyUsers": "nobody"}) == []


def test_keywords_the_check_cannot_judge_are_refused_in_their_spelling():
    found = judge(overrides={"allowGroups": "x", "AuthorizedKeysFile": "/nonexistent/keys"})
    assert [line.split(" decides")[0] for line in found] == ["harden_ssh_settings/overrides: allowGroups",
                                                             "harden_ssh_settings/overrides: AuthorizedKeysFile"]


def test_without_password_logins_every_kept_account_needs_a_key():
    found = judge(keep=["nokey", "ghost"], accounts={"tester": account(), "nokey": account(keys=False),
                                                     "ghost": account(exists=False)})
    assert found[0].startswith("harden_ssh_password_authentication: false would lock out nokey (listed in "
                               "harden_ssh_keep_access_accounts): no public key in /home/x/.ssh/authorized_keys. ")
    assert found[1] == ("harden_ssh_keep_access_accounts: account ghost does not exist on this host; create it first "
                        "or remove it from the list.")
    assert judge(passwords=True, accounts={"tester": account(keys=False)}) == []


def test_keys_from_elsewhere_are_named_as_unchecked():
    found = judge(accounts={"tester": {"exists": True, "home": "/h", "key_files": [], "key_files_with_keys": []}},
                  effective={"authorizedkeyscommand": "/usr/bin/keys %u", "trustedusercakeys": "none"})
    assert ("no public key in any authorized keys file (AuthorizedKeysFile none) and its keys from "
            "AuthorizedKeysCommand cannot be checked.") in found[0]
