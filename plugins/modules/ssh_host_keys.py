#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ssh_host_keys
short_description: Read hosts' SSH host keys from the controller, as the network shows them
version_added: 0.3.0
description:
  - Reads on the controller the SSH host keys (RSA, ECDSA and Ed25519, the types C(ssh-keyscan) reads) of every host
    of O(hosts), at the address and port Ansible connects to (C(ansible_host), else the host's name;
    C(ansible_port), else 22), and returns each host's key lines as C(ssh-keyscan) writes them.
  - Each key is read by one C(ssh) that stops after the key exchange, before any login (no authentication is
    tried), with curve25519 offered first; all of them run at once, so a play of any size costs one scan. Run it
    once (C(run_once)) for the hosts of a play. C(ssh-keyscan) is not used because it cannot choose its key
    exchange, and its first, sntrup761x25519, costs several times the CPU.
  - The keys are what answers on the network, not what the host says about itself; the
    P(confidential.tdx.verify#role) role keeps them beside each host's quote (see docs/attestation.md).
  - A host that does not answer within O(timeout) gets no lines; the task does not fail for it.
  - With O(wait=false) the scan is only started, and a later task collects it with O(collect), so that it runs
    while the tasks between them do (the P(confidential.tdx.verify#role) role scans while the hosts give their
    quotes).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  hosts:
    description:
      - Inventory names of the hosts to scan (for example C(ansible_play_batch)).
      - Mutually exclusive with O(collect); one of them is required.
    type: list
    elements: str
  wait:
    description:
      - Wait for the scan and return RV(keys). With C(false), return at once with RV(started), to give to
        O(collect) later.
    type: bool
    default: true
  collect:
    description:
      - The RV(started) of an earlier task of this module run with O(wait=false) on the same controller; waits for
        that scan (at most its O(timeout) and a few seconds) and returns RV(keys).
    type: dict
  timeout:
    description: Seconds to wait for a host to answer (C(ssh)'s C(ConnectTimeout); also the limit of the whole scan).
    type: int
    default: 5
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.action
attributes:
  check_mode:
    support: full
    details: Only reads; it scans in check mode too.
  diff_mode:
    support: none
requirements:
  - C(ssh) (OpenSSH client) and C(sh) on the controller. With an C(ssh) older than OpenSSH 8.5 (no
    C(KnownHostsCommand)), each key is read by an C(ssh-keyscan) of one address, port and key type instead.
notes:
  - A host's lines are matched by the address and port it was scanned at, so hosts sharing both share their lines.
seealso:
  - module: confidential.tdx.quote_verify
    description: The verify role keeps these keys beside each host's quote it verifies.
"""

EXAMPLES = r"""
- name: Read the SSH host keys of the play's hosts from the controller, in one task
  confidential.tdx.ssh_host_keys:
    hosts: "{{ ansible_play_batch }}"
  run_once: true
  register: host_keys

- name: Start the scan, and collect it after the tasks between
  confidential.tdx.ssh_host_keys:
    hosts: "{{ ansible_play_batch }}"
    wait: false
  run_once: true
  register: host_key_scan

- name: Collect the scan started above
  confidential.tdx.ssh_host_keys:
    collect: "{{ host_key_scan.started }}"
  run_once: true
  register: host_keys

- name: Show one host's keys
  ansible.builtin.debug:
    var: host_keys.keys[inventory_hostname]
"""

RETURN = r"""
keys:
  description: Each host's key lines (C(ADDRESS TYPE KEY), or C([ADDRESS]:PORT TYPE KEY) off port 22), by name.
  returned: unless O(wait=false)
  type: dict
  sample: {web-1: ["10.0.0.5 ssh-ed25519 AAAAC3Nza..."]}
started:
  description: The scan started, for O(collect) (its temporary directory, ports, hosts and timeout).
  returned: with O(wait=false)
  type: dict
commands:
  description: The C(ssh) command lines run, one per address, port and key type.
  returned: unless O(collect) is given
  type: list
  elements: list
"""
