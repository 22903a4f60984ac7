"""What sshd -T uses against what the drop-in set."""

from ansible_collections.confidential.tdx.plugins.module_utils.harden.sshd import sshd_mismatches, sshd_value

CRITICAL = ["passwordauthentication", "permitrootlogin", "pubkeyauthentication", "kbdinteractiveauthentication"]


def test_values_compare_as_sshd_prints_them():
    assert sshd_value(True) == "yes" and sshd_value(False) == "no" and sshd_value(30) == "30"
    assert sshd_value("VERBOSE") == "verbose"
    wanted = {"PasswordAuthentication": False, "LogLevel": "VERBOSE", "LoginGraceTime": 30, "PermitRootLogin": "prohibit-password"}
    effective = {"passwordauthentication": "no", "loglevel": "VERBOSE", "logingracetime": "30",
                 "permitrootlogin": "without-password"}
    assert sshd_mismatches(wanted, effective, CRITICAL) == {"critical": [], "other": []}


def test_login_guards_are_critical_and_the_rest_reported():
    found = sshd_mismatches({"PasswordAuthentication": False, "X11Forwarding": False, "Banner": "/etc/issue"},
                            {"passwordauthentication": "yes", "x11forwarding": "yes"}, CRITICAL)
    assert found == {"critical": ["PasswordAuthentication is yes, not no"],
                     "other": ["X11Forwarding is yes, not no", "Banner is (not shown by sshd -t), not /etc/issue"]}
