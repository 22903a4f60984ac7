# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The harden role's inputs that its argument specification cannot check.

Each finding is one line that names the variable and the fix. The role
refuses on any of them before it reads or changes the host. The patterns
are matched from the start of the value, as the role always matched them
(``re.match``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import one_line, text

MODULE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
PORT = re.compile(r"^[0-9]+$")
GROUP_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
SYSCTL_KEY = re.compile(r"^[A-Za-z0-9_-]+([.][A-Za-z0-9_-]+)+$")
SSHD_KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
LOGIN_DEFS_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
TTY_NAME = re.compile(r"^[A-Za-z0-9]+$")
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
OCTAL_MODE = re.compile(r"^0?[0-7]{3}$")

# sshd keywords the role sets through variables of their own.
SSHD_KEYWORDS_WITH_A_VARIABLE = ("passwordauthentication", "permitrootlogin", "pubkeyauthentication", "ciphers",
                                 "macs", "kexalgorithms")
# Blocks a drop-in of single keywords cannot hold.
SSHD_BLOCK_KEYWORDS = ("include", "match")


def _json(value):
    """A value as the role's ``to_json`` showed it in a message."""
    return json.dumps(value)


def module_blacklist_errors(blacklisted, required_modules):
    errors = []
    for name in blacklisted:
        if name in required_modules:
            errors.append("harden_module_blacklist_*: %s must stay loadable on a TD (attestation needs it); "
                          "remove it from the list." % name)
    for name in blacklisted:
        if not MODULE_NAME.match(text(name)):
            errors.append("harden_module_blacklist_*: %s is not a kernel module name." % _json(name))
    return errors


def port_errors(variable, ports):
    errors = []
    for port in ports:
        if not PORT.match(text(port)) or not 1 <= int(text(port)) <= 65535:
            errors.append("%s: %s is not a port number (1-65535)." % (variable, port))
    return errors


def ssh_keyword_errors(keywords):
    errors = []
    for key in keywords:
        if key.lower() in SSHD_KEYWORDS_WITH_A_VARIABLE:
            errors.append("harden_ssh_settings/overrides: %s has its own variable (harden_ssh_password_authentication, "
                          "harden_ssh_permit_root_login, harden_ssh_ciphers, harden_ssh_macs, "
                          "harden_ssh_kex_algorithms); set it there." % key)
        elif key.lower() in SSHD_BLOCK_KEYWORDS or not SSHD_KEYWORD.match(key):
            errors.append("harden_ssh_settings/overrides: %s is not a single sshd keyword (Include and Match blocks "
                          "are not supported)." % key)
    return errors


def file_permission_errors(entries):
    errors = []
    for entry in entries:
        if (not re.match("^/", text(entry.get("path", ""))) or len(entry.get("owner", "") or "") == 0
                or len(entry.get("group", "") or "") == 0 or not OCTAL_MODE.match(text(entry.get("mode", "")))):
            errors.append('harden_file_permissions_list: %s needs an absolute path, owner, group and an octal mode '
                          'such as "0640".' % _json(entry))
    return errors


def input_errors(values):
    """Every finding, in the order the role reports them; ``values`` holds the role variables by name."""
    errors = module_blacklist_errors(values["_harden_module_blacklist_all"], values["_harden_required_modules"])
    for variable in ("harden_firewall_allowed_tcp_ports", "harden_firewall_allowed_udp_ports"):
        errors.extend(port_errors(variable, values[variable]))
    report_path = values["harden_report_host_path"]
    if report_path and not report_path.startswith("/"):
        errors.append('harden_report_host_path: %s must be an absolute path, or "" for no report on the host.'
                      % report_path)
    group = values["harden_tdx_guest_group"]
    if group and not GROUP_NAME.match(group):
        errors.append("harden_tdx_guest_group: %s is not a valid group name (lower case letters, digits, _ and -)."
                      % group)
    for key, value in values["_harden_sysctl_wanted"].items():
        if not SYSCTL_KEY.match(text(key)) or not one_line(value):
            errors.append("harden_sysctl_*: %s is not a kernel parameter like kernel.kptr_restrict with a one-line "
                          "value." % key)
    keywords = []
    for source in ("harden_ssh_settings", "harden_ssh_disruptive_settings", "harden_ssh_overrides"):
        keywords.extend(key for key in values[source] if key not in keywords)
    errors.extend(ssh_keyword_errors(keywords))
    for key, value in values["_harden_ssh_wanted"].items():
        if not one_line(value):
            errors.append("harden_ssh_*: the value of %s must be one line." % key)
    for key, value in values["_harden_login_defs_wanted"].items():
        if not LOGIN_DEFS_KEY.match(text(key)) or not one_line(value):
            errors.append("harden_login_defs_*: %s is not a login.defs item (upper case) with a one-line value." % key)
    for tty in values["harden_serial_getty_ttys"]:
        if not TTY_NAME.match(text(tty)):
            errors.append("harden_serial_getty_ttys: %s is not a terminal name like ttyS0." % _json(tty))
    reboot_time = values["harden_unattended_upgrades_reboot_time"]
    if not CLOCK_TIME.match(text(reboot_time)):
        errors.append("harden_unattended_upgrades_reboot_time: %s is not a time like 03:30." % reboot_time)
    errors.extend(file_permission_errors(values["harden_file_permissions_list"]))
    for rule in list(values["harden_auditd_extra_rules"]) + list(values["harden_firewall_extra_input_rules"]):
        if not one_line(rule):
            errors.append("harden_auditd_extra_rules/harden_firewall_extra_input_rules: one rule per list item, "
                          "without line breaks.")
    return errors


INPUT_VARIABLES = (
    "_harden_module_blacklist_all", "_harden_required_modules", "harden_firewall_allowed_tcp_ports",
    "harden_firewall_allowed_udp_ports", "harden_report_host_path", "harden_tdx_guest_group", "_harden_sysctl_wanted",
    "harden_ssh_settings", "harden_ssh_disruptive_settings", "harden_ssh_overrides", "_harden_ssh_wanted",
    "_harden_login_defs_wanted", "harden_serial_getty_ttys", "harden_unattended_upgrades_reboot_time",
    "harden_file_permissions_list", "harden_auditd_extra_rules", "harden_firewall_extra_input_rules",
)
