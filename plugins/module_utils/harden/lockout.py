# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who would lose SSH access through the settings the harden role is about to write.

Judged before anything changes, from what harden_state read: the account
running the role and every account that must keep access. Each finding is
a one-line refusal that names the setting and the way out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.harden import patterns
from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import text, truth

LOCAL_CONNECTIONS = ("local", "ansible.builtin.local", "ansible.legacy.local")
ROOT_LOCKING_VALUES = ("no", "forced-commands-only")
# Keywords that decide who may log in on grounds this check cannot see from here.
UNJUDGED_KEYWORDS = ("allowgroups", "denygroups", "authenticationmethods")
# Judged through the keys sshd would find, when harden_state read the
# accounts with the drop-in about to be written (configuration "candidate").
KEY_SOURCE_KEYWORDS = ("authorizedkeysfile", "authorizedkeyscommand", "authorizedkeyscommanduser")


def _who(name, login):
    return "the account running the role" if name == login else "listed in harden_ssh_keep_access_accounts"


def login_findings(login, permit_root_login):
    if login is None:
        return ["harden_ssh: cannot tell which account runs the role; set ansible_user (or "
                "harden_ssh_lockout_check: false)."]
    if login == "root" and permit_root_login in ROOT_LOCKING_VALUES:
        return ["harden_ssh_permit_root_login: '%s' would lock out root, the account running the role; connect as "
                "an account with sudo, or use prohibit-password." % permit_root_login]
    return []


def _source_name(source):
    return ("AuthorizedKeysFile " + source["source"]) if source.get("kind") == "file" else source["source"]


def key_source_text(account):
    """Where sshd finds this account's keys, for a finding: "its keys: 2 from ...", or what each source gave."""
    sources = [dict(source, source=_source_name(source)) for source in (account or {}).get("key_sources") or []]
    giving = ["%d from %s" % (source["keys"], source["source"]) for source in sources if source.get("keys")]
    if giving:
        return "its key%s: %s" % ("s" if (account.get("keys") or 0) > 1 else "", ", ".join(giving))
    if not sources:
        return "no key source"
    return "; ".join("%s: %s" % (source["source"], "unknown, %s" % source["note"] if source.get("keys") is None
                                 else "no key" + (" (%s)" % source["note"] if source.get("note") else ""))
                     for source in sources)


def _allows(entry, name, address):
    host = patterns.host_part(entry)
    if host is not None and (address is None or not patterns.host_matches(host, address)):
        return False
    return patterns.matches(patterns.user_part(entry), name)


def user_list_findings(wanted, login, keep_accounts, accounts=None, client=None):
    """AllowUsers/DenyUsers against the accounts that keep access.

    A pattern with ``@host`` counts as allowing only the login running the
    role, and only when its host part matches the address that login comes
    from (``client``, harden_state's SSH_CONNECTION); other accounts may
    come from anywhere. It always counts as denying.
    """
    findings = []
    for keyword in ("allowusers", "denyusers"):
        if keyword not in wanted:
            continue
        value = wanted[keyword]
        entries = text(value).split()
        for name in [login] + list(keep_accounts):
            if name is None:
                continue
            address = (client or {}).get("addr") if name == login else None
            if keyword == "allowusers":
                matching = [entry for entry in entries if _allows(entry, name, address)]
            else:
                matching = [entry for entry in entries if patterns.matches(patterns.user_part(entry), name)]
            keys = ("; " + key_source_text(accounts[name])) if accounts and name in accounts else ""
            if keyword == "allowusers" and not matching:
                findings.append("harden_ssh_settings/overrides: AllowUsers %s would lock out %s (%s%s), which none "
                                "of its patterns allows. Add %s to AllowUsers, or set harden_ssh_lockout_check: false "
                                "if it logs in another way." % (value, name, _who(name, login), keys, name))
            elif keyword == "denyusers" and matching:
                findings.append("harden_ssh_settings/overrides: DenyUsers %s would lock out %s (%s%s), which %s "
                                "denies. Remove it from DenyUsers, or set harden_ssh_lockout_check: false."
                                % (value, name, _who(name, login), keys, ", ".join(matching)))
    return findings


def unjudged_findings(wanted, spelled, login, ssh):
    """Keywords the check cannot judge; the key source keywords too when the drop-in was not judged with sshd."""
    accounts = (ssh.get("accounts") or {}).values()
    judged_as_written = accounts and all(account.get("configuration") == "candidate" for account in accounts
                                         if account.get("exists"))
    unjudged = UNJUDGED_KEYWORDS + (() if judged_as_written else KEY_SOURCE_KEYWORDS)
    return ["harden_ssh_settings/overrides: %s decides who may log in, which the lockout check cannot judge; set "
            "harden_ssh_lockout_check: false once you have checked that %s keeps its way in." % (spelled[keyword], login)
            for keyword in unjudged if keyword in wanted]


def key_findings(ssh, login):
    """With password logins off, every account that keeps access needs a public key sshd would find.

    The keys are those harden_state counted in each account's authorized
    keys files and from AuthorizedKeysCommand, judged for the real login's
    address. Keys that only a certificate authority vouches for
    (TrustedUserCAKeys) cannot be counted.
    """
    findings = []
    for name, account in (ssh.get("accounts") or {}).items():
        if not account["exists"]:
            findings.append("harden_ssh_keep_access_accounts: account %s does not exist on this host; create it "
                            "first or remove it from the list." % name)
            continue
        access = account.get("sshd") or (ssh.get("effective") or {})
        if text(access.get("pubkeyauthentication", "yes")).lower() == "no":
            findings.append("harden_ssh_password_authentication: false with PubkeyAuthentication no would lock out "
                            "%s (%s): sshd would take neither a password nor a key. Keep PubkeyAuthentication yes, or "
                            "keep password logins (harden_ssh_password_authentication: true)."
                            % (name, _who(name, login)))
            continue
        if account["keys"]:
            continue
        sources = account["key_sources"]
        if not sources:
            where = "no authorized keys file (AuthorizedKeysFile none) and no AuthorizedKeysCommand"
        else:
            where = key_source_text(account)
        certificates = text(access.get("trustedusercakeys", "none")).lower() != "none"
        also = " (keys signed by TrustedUserCAKeys cannot be counted)" if certificates else ""
        unknown = [source for source in sources if source.get("keys") is None]
        if unknown:
            findings.append("harden_ssh_password_authentication: false: cannot tell whether %s (%s) keeps a key: "
                            "%s%s. Check that %s logs in with a key, then set harden_ssh_lockout_check: false, or "
                            "keep password logins (harden_ssh_password_authentication: true)."
                            % (name, _who(name, login), where, also, name))
        else:
            findings.append("harden_ssh_password_authentication: false would lock out %s (%s): sshd would find no "
                            "public key for it - %s%s. Add a key for %s first, keep password logins "
                            "(harden_ssh_password_authentication: true), or set harden_ssh_lockout_check: false if "
                            "its keys come from elsewhere." % (name, _who(name, login), where, also, name))
    return findings


def lockout_findings(connection, lockout_check, login, keep_accounts, ssh_wanted, permit_root_login,
                     password_authentication, ssh):
    """Every refusal, in order; none when the role does not run over SSH or the check is off.

    ``ssh_wanted`` is the drop-in's keyword -> value; ``ssh`` is harden_state's ``ssh`` part.
    """
    if connection in LOCAL_CONNECTIONS or not truth(lockout_check):
        return []
    wanted = dict((key.lower(), value) for key, value in ssh_wanted.items())
    spelled = dict((key.lower(), key) for key in ssh_wanted)
    findings = login_findings(login, permit_root_login)
    findings.extend(user_list_findings(wanted, login, keep_accounts, ssh.get("accounts"), ssh.get("client")))
    findings.extend(unjudged_findings(wanted, spelled, login, ssh))
    if not truth(password_authentication):
        findings.extend(key_findings(ssh, login))
    return findings
