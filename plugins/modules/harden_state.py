#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harden_state
short_description: The harden role's internal state reader (one round trip per host)
version_added: 0.1.0
description:
  - Internal to the P(confidential.tdx.harden#role) role, not a general module; its options and its result are
    what that role's planner (M(confidential.tdx.harden_plan)) needs, and change with it.
  - Reads, without changing anything, the parts of a Linux host's state that the role needs to decide what to
    change, so that the role pays one round trip per host instead of one task per file, unit or setting.
  - Each part is read only when asked for. A part that cannot be read (a tool missing, no privilege, a kernel
    interface absent in a container) is returned with an C(error) text instead of failing the task.
  - The SSH part tells, for the account that logged in and for any other account named, which authorized key
    files C(sshd) would read (from its effective configuration, C(sshd -T)) and which of them hold a public key,
    so a caller can refuse to turn password logins off for an account that would be locked out.
  - When the effective configuration has an C(AuthorizedKeysCommand) (Google's OS Login has
    C(/usr/bin/google_authorized_keys)), the module runs it for each account as sshd would - as
    C(AuthorizedKeysCommandUser), with its tokens expanded, the user name as its argument when it has none,
    standard input from C(/dev/null), a minimal environment, at most 30 seconds - and counts the keys it prints.
    sshd's own refusals (not an absolute path, not owned by root, writable by others, no such user) give no key.
    A command whose arguments use the offered key (C(%f), C(%k), C(%t)) is not run, since that key only exists
    during a login; its keys are unknown (V(null)).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  login_user:
    description:
      - The account that logged in over SSH.
      - When not given, the module takes C(SUDO_USER) or C(DOAS_USER) from its environment, then the audit login
        ID of its process (C(/proc/self/loginuid), kept across C(sudo) and C(su)), then the user it runs as.
    type: str
  sshd:
    description:
      - Read the effective C(sshd) configuration (C(sshd -T)) for O(login_user), and the authorized key files of
        O(login_user) and of every account in O(ssh_accounts).
    type: bool
    default: false
  ssh_accounts:
    description:
      - Further accounts whose authorized key files are read when O(sshd=true).
    type: list
    elements: str
    default: []
  ssh_client:
    description:
      - The C(SSH_CONNECTION) of the login (C(client-address client-port server-address server-port)), read
        without C(become), which drops it from the environment.
      - C(sshd -T) is then asked for each account as a login from that address to that server address and
        port, so C(Match Address), C(Match Host), C(Match LocalAddress) and C(Match LocalPort) blocks apply
        as they will for the real login (C(host) is the address, as sshd has it with C(UseDNS no)).
      - Empty, a login from C(127.0.0.1) is judged instead (C(client) in RV(state.ssh) is then V(null)); a
        value not in that form is refused.
    type: str
    default: ""
  sshd_candidate:
    description:
      - sshd settings about to be written (the text of a drop-in that sorts first). When given, each account is
        judged with C(sshd -T) of this text read ahead of C(/etc/ssh/sshd_config), that is with the
        configuration sshd will have once it is written; C(effective) in RV(state.ssh) stays the current one.
      - When sshd rejects the candidate, the account is judged with the current configuration and its C(error)
        says why.
    type: str
    default: ""
  units:
    description:
      - systemd units whose load, activity and enablement state are returned (one C(systemctl show) call).
    type: list
    elements: str
    default: []
  sysctl:
    description:
      - Kernel parameters (C(kernel.kptr_restrict) form) whose live values are read from C(/proc/sys).
    type: list
    elements: str
    default: []
  paths:
    description:
      - Paths whose type, mode, owner and group are returned (without following a final symbolic link).
    type: list
    elements: path
    default: []
  files:
    description:
      - Text files whose content is returned (up to 1 MiB each).
    type: list
    elements: path
    default: []
  checksums:
    description:
      - Files whose SHA-1 checksum is returned, so a caller can compare a rendered template with the file on the
        host without a round trip per file.
    type: list
    elements: path
    default: []
  programs:
    description:
      - Program names looked up in C(/usr/sbin), C(/usr/bin), C(/sbin) and C(/bin).
    type: list
    elements: str
    default: []
  mounts:
    description:
      - Mount points whose source, file system type and per-mount options are returned.
    type: list
    elements: path
    default: []
  swap:
    description:
      - Read the active swap areas and the swap entries of C(/etc/fstab), and tell for each whether it lies on
        a dm-crypt device.
    type: bool
    default: false
  audit_rules:
    description:
      - Return the audit rules loaded in the kernel (C(auditctl -l)).
    type: bool
    default: false
  nft_tables:
    description:
      - nftables tables, as C(family name), whose presence in the kernel is returned (one C(nft list tables)
        call).
    type: list
    elements: str
    default: []
  apparmor:
    description:
      - Return whether the kernel runs AppArmor and the mode of each loaded profile.
    type: bool
    default: false
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.guest
attributes:
  check_mode:
    support: full
    details: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
notes:
  - Run it with O(ignore:become=true); the audit rules, other accounts' key files and some C(/proc) entries
    need root.
seealso:
  - module: confidential.tdx.harden_plan
"""

EXAMPLES = r"""
- name: Read what the SSH lockout guard needs
  confidential.tdx.harden_state:
    sshd: true
    ssh_accounts: [deploy]
  become: true
  register: host_state

- name: Refuse to continue when sshd would find no key for the login account (files or AuthorizedKeysCommand)
  ansible.builtin.assert:
    that: host_state.state.ssh.accounts[host_state.state.login_user]['keys'] > 0

- name: Read the login's address without become (sudo drops SSH_CONNECTION)
  ansible.builtin.command: printenv SSH_CONNECTION
  become: false
  changed_when: false
  failed_when: false
  register: ssh_connection

- name: Judge the login as sshd will see it, with settings about to be written
  confidential.tdx.harden_state:
    sshd: true
    ssh_client: "{{ ssh_connection.stdout }}"
    sshd_candidate: |
      PasswordAuthentication no
      AllowUsers {{ ansible_user }}
  become: true
  register: host_state

- name: Read units, live sysctls and swap in the same round trip
  confidential.tdx.harden_state:
    units: [kdump-tools.service, auditd.service]
    sysctl: [kernel.kptr_restrict, fs.suid_dumpable]
    swap: true
  become: true
  register: host_state
"""

RETURN = r"""
state:
  description: What was read. Only the parts asked for are filled in; the others are empty.
  returned: always
  type: dict
  contains:
    check_mode:
      description:
        - Whether the module ran in check mode. Also true when check mode was set on the task (C(check_mode=true)
          or C(apply) of an include), which the C(ansible_check_mode) variable does not show.
      type: bool
      sample: false
    root:
      description: Whether the module ran as root; most parts need it to be complete.
      type: bool
      sample: true
    login_user:
      description: The account that logged in (see O(login_user)), or V(null) when it cannot be told.
      type: str
      sample: tester
    login_user_source:
      description: Where RV(state.login_user) came from (C(option), C(SUDO_USER), C(DOAS_USER), C(loginuid),
        C(process)).
      type: str
      sample: SUDO_USER
    container:
      description:
        - The container technology the host runs in, as C(systemd-detect-virt --container) names it, or V("")
          on a machine with its own kernel. V(null) when it cannot be told.
      type: str
      sample: systemd-nspawn
    programs:
      description: Program name to its path, V(null) for a program not found.
      type: dict
      sample: {sshd: /usr/sbin/sshd, nft: null}
    units:
      description: Unit name to its C(load_state), C(active_state), C(sub_state) and C(unit_file_state)
        (an empty unit file state means the unit has no unit file, for example a generated one).
      type: dict
      sample: {auditd.service: {load_state: loaded, active_state: active, sub_state: running,
               unit_file_state: enabled}}
    units_error:
      description: Why the units could not be read, or V(null).
      type: str
    sysctl:
      description: Kernel parameter to its live value (whitespace collapsed), V(null) when the kernel lacks it.
      type: dict
      sample: {kernel.kptr_restrict: "1"}
    paths:
      description: Path to C(exists), C(type) (C(file), C(directory), C(link), C(char), C(block), C(fifo),
        C(socket)), C(mode) (four octal digits), C(owner), C(group), C(uid) and C(gid).
      type: dict
      sample: {/etc/shadow: {exists: true, type: file, mode: "0640", owner: root, group: shadow, uid: 0,
               gid: 42}}
    files:
      description: Path to the file's text, V(null) for a file that does not exist.
      type: dict
    checksums:
      description: Path to the SHA-1 checksum (hex) of the file's content, V(null) when it is not a readable
        regular file.
      type: dict
      sample: {/etc/sysctl.d/90-confidential-tdx-harden.conf: 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed}
    mounts:
      description: Mount point to C(source), C(fstype) and C(options) (list), V(null) when nothing is mounted
        there.
      type: dict
      sample: {/dev/shm: {source: tmpfs, fstype: tmpfs, options: [rw, nosuid, nodev]}}
    swap:
      description:
        - C(active), the swap areas in use, and C(fstab), the swap entries of C(/etc/fstab) that are not
          commented out; each with C(name) (the device or file), C(encrypted) (on a dm-crypt device) and, for
          fstab entries, C(line) (the line as written).
      type: dict
      sample: {active: [{name: /swapfile, type: file, encrypted: false}],
               fstab: [{name: /swapfile, encrypted: false, line: "/swapfile none swap sw 0 0"}]}
    ssh:
      description:
        - C(installed) (an C(sshd) program was found), C(error) (why C(sshd -T) failed, or V(null)),
          C(effective) (keyword to its first value as C(sshd -T) prints it for the login user, keywords in
          lower case), C(ports) (list of ports sshd listens on) and C(accounts).
        - C(accounts) maps each account to C(exists), C(home), C(key_files) (the files sshd would read),
          C(key_files_with_keys) (those holding at least one public key), C(key_sources), C(keys) (the keys
          counted in all sources), C(match) (the C(sshd -T -C) connection spec it was judged with),
          C(configuration) (C(candidate) when judged with O(sshd_candidate), else C(current)), C(sshd) (the
          keywords that decide access, as sshd -T gives them for this login) and C(error).
        - Each of C(key_sources) has C(kind) (C(file) or C(command)), C(source) (the file's path, or
          C(AuthorizedKeysCommand <command> (run as <user>))), C(keys) (how many it gave, V(null) when unknown),
          C(note) (why it gave none or is unknown, or V(null)) and, for a command that ran, C(argv).
        - C(client) is the parsed O(ssh_client) (C(addr), C(port), C(laddr), C(lport)), or V(null).
      type: dict
    audit:
      description: C(rules), the loaded audit rules one per line, and C(error) when they could not be read.
      type: dict
    nft:
      description: C(tables), each requested table to whether the kernel has it, and C(error).
      type: dict
    apparmor:
      description: C(enabled) (the kernel runs AppArmor), C(profiles) (profile name to mode) and C(error).
      type: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.confidential.tdx.plugins.module_utils.harden.host_state import gather
from ansible_collections.confidential.tdx.plugins.module_utils.harden.ssh_keys import parse_ssh_connection


def main():
    module = AnsibleModule(
        argument_spec=dict(
            login_user=dict(type="str"),
            sshd=dict(type="bool", default=False),
            ssh_accounts=dict(type="list", elements="str", default=[]),
            ssh_client=dict(type="str", default=""),
            sshd_candidate=dict(type="str", default=""),
            units=dict(type="list", elements="str", default=[]),
            sysctl=dict(type="list", elements="str", default=[]),
            paths=dict(type="list", elements="path", default=[]),
            files=dict(type="list", elements="path", default=[]),
            checksums=dict(type="list", elements="path", default=[]),
            programs=dict(type="list", elements="str", default=[]),
            mounts=dict(type="list", elements="path", default=[]),
            swap=dict(type="bool", default=False),
            audit_rules=dict(type="bool", default=False),
            nft_tables=dict(type="list", elements="str", default=[]),
            apparmor=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    # fullmatch: "$" would let a name end in a line break.
    bad_keys = [key for key in module.params["sysctl"] if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)+", key)]
    if bad_keys:
        module.fail_json(msg="sysctl: %s is not a kernel parameter name like kernel.kptr_restrict"
                         % ", ".join(repr(key) for key in bad_keys))
    client = module.params["ssh_client"]
    if client and parse_ssh_connection(client) is None:
        module.fail_json(msg="ssh_client: %r is not an SSH_CONNECTION value (client-address client-port "
                         "server-address server-port); pass the login's $SSH_CONNECTION, or leave it empty to judge a "
                         "login from 127.0.0.1" % client)
    module.exit_json(changed=False, state=gather(module))


if __name__ == "__main__":
    main()
