"""The inputs the harden role's argument specification cannot check, each refused in one line naming the variable."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.harden.inputs import input_errors

from .role_data import values


def test_the_defaults_have_no_error():
    assert input_errors(values()) == []


@pytest.mark.parametrize("changes, named", [
    ({"_harden_module_blacklist_all": ["cramfs", "tdx_guest"]}, "harden_module_blacklist_*: tdx_guest must stay"),
    ({"_harden_module_blacklist_all": ["evil module"]}, 'harden_module_blacklist_*: "evil module" is not'),
    ({"_harden_module_blacklist_all": ["cramfs\ninstall x /bin/sh"]}, "is not a kernel module name"),
    ({"harden_firewall_allowed_tcp_ports": [0]}, "harden_firewall_allowed_tcp_ports: 0 is not a port"),
    ({"harden_firewall_allowed_udp_ports": [65536]}, "harden_firewall_allowed_udp_ports: 65536 is not"),
    ({"harden_firewall_allowed_tcp_ports": ["http"]}, "harden_firewall_allowed_tcp_ports: http is not"),
    ({"harden_report_host_path": "relative/report.json"}, "harden_report_host_path: relative/report.json must"),
    ({"harden_tdx_guest_group": "Attest"}, "harden_tdx_guest_group: Attest is not a valid group name"),
    ({"_harden_sysctl_wanted": {"kernel kptr": 2}}, "harden_sysctl_*: kernel kptr is not"),
    ({"_harden_sysctl_wanted": {"../../etc/passwd": 1}}, "harden_sysctl_*: ../../etc/passwd is not"),
    ({"_harden_sysctl_wanted": {"net.ipv4.ip_forward": "0\nkernel.x = 1"}}, "with a one-line value"),
    ({"harden_ssh_overrides": {"PermitRootLogin": "yes"}}, "PermitRootLogin has its own variable"),
    ({"harden_ssh_settings": {"Match": "User x"}}, "Match is not a single sshd keyword"),
    ({"harden_ssh_disruptive_settings": {"Allow-Tcp": "no"}}, "Allow-Tcp is not a single sshd keyword"),
    ({"_harden_ssh_wanted": {"Banner": "a\nb"}}, "harden_ssh_*: the value of Banner must be one line."),
    ({"_harden_login_defs_wanted": {"umask": "027"}}, "harden_login_defs_*: umask is not a login.defs item"),
    ({"harden_serial_getty_ttys": ["ttyS0/../x"]}, 'harden_serial_getty_ttys: "ttyS0/../x" is not'),
    ({"harden_unattended_upgrades_reboot_time": "24:00"}, "harden_unattended_upgrades_reboot_time: 24:00 is not"),
    ({"harden_file_permissions_list": [{"path": "etc/passwd", "owner": "root", "group": "root", "mode": "0644"}]},
     'harden_file_permissions_list: {"path": "etc/passwd"'),
    ({"harden_file_permissions_list": [{"path": "/etc/passwd", "owner": "root", "group": "root", "mode": "0844"}]},
     "an octal mode"),
    ({"harden_file_permissions_list": [{"path": "/etc/passwd", "group": "root", "mode": "0644"}]}, "owner, group"),
    ({"harden_auditd_extra_rules": ["-w /etc/x\n-D"]}, "one rule per list item"),
    ({"harden_firewall_extra_input_rules": ["accept\ndrop"]}, "one rule per list item"),
])
def test_each_bad_input_is_one_line_that_names_the_variable(changes, named):
    errors = input_errors(values(**changes))
    assert len(errors) == 1, errors
    assert named in errors[0]
    assert "\n" not in errors[0].replace(repr("\n"), "")


def test_valid_edge_values_pass():
    assert input_errors(values(harden_firewall_allowed_tcp_ports=[1, "65535"], harden_tdx_guest_group="tdx-attest",
                               harden_unattended_upgrades_reboot_time="23:59",
                               harden_file_permissions_list=[{"path": "/x", "owner": "a", "group": "b",
                                                              "mode": "640"}])) == []


def test_errors_come_in_the_order_the_role_reports_them():
    errors = input_errors(values(harden_tdx_guest_group="Bad", harden_firewall_allowed_tcp_ports=[0]))
    assert [error.split(":")[0] for error in errors] == ["harden_firewall_allowed_tcp_ports", "harden_tdx_guest_group"]
