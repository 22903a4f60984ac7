#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harden_plan
short_description: The harden role's internal planner, deciding on the controller what to change on a host
version_added: 0.1.0
description:
  - Internal to the P(confidential.tdx.harden#role) role, not a general module. It takes what
    M(confidential.tdx.harden_state) read on a host and the role's variables, and returns the role's decisions
    for that host; the role's tasks then only apply what it returns.
  - Runs on the controller as an action, without starting a module; the host is not contacted.
  - Each O(step) is one point of the role where a decision is needed. V(inputs) finds the role variables its
    argument specification cannot check (before the host is read). V(controls) decides which controls run, which
    packages they still need, whether the host is a container, and which accounts would lose SSH access.
    V(work) decides what each running control still has to do (units, live values, files to fix, managed files
    whose content differs, rendering the role's templates as the template module would write them).
    V(sshd) compares what C(sshd -T) uses with the role's settings. V(report) builds the per-host report.
  - Reads the role's variables (C(harden_*) and the role's internal C(_harden_*) data) from the task's
    variables, so it only works inside the role.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  step:
    description:
      - Which decision to make (see the description).
    type: str
    required: true
    choices: [inputs, controls, work, sshd, report]
  state:
    description:
      - The C(state) that M(confidential.tdx.harden_state) returned. Needed by every step but V(inputs); for
        V(sshd), the state read after the role wrote its sshd settings.
    type: dict
  units:
    description:
      - For V(work), unit states read again after packages were installed; the units of O(state) otherwise.
    type: dict
  plan:
    description:
      - The result of step V(controls). Needed by V(work) and V(report).
    type: dict
  work:
    description:
      - The result of step V(work), for V(report).
    type: dict
  sshd:
    description:
      - The result of step V(sshd), for V(report).
    type: dict
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.action
attributes:
  check_mode:
    support: full
    details: Only decides; planning in check mode takes into account that packages are not installed.
  diff_mode:
    support: none
seealso:
  - module: confidential.tdx.harden_state
"""

EXAMPLES = r"""
# Inside the harden role (roles/harden/tasks/preflight.yml):
- name: Decide which controls run, and who would lose SSH access
  confidential.tdx.harden_plan:
    step: controls
    state: "{{ _harden_state.state }}"
  register: _harden_plan
"""

RETURN = r"""
errors:
  description: Step V(inputs). One line per invalid input, naming the variable and the fix.
  returned: when step is inputs
  type: list
  elements: str
  sample: ["harden_tdx_guest_group: Bad is not a valid group name (lower case letters, digits, _ and -)."]
controls:
  description:
    - Step V(controls). Per control, C(group), C(run), C(kernel) (its kernel-side step runs, false in a
      container), C(ready) (its packages are there, or will be installed), C(packages) still missing, C(reason)
      it is skipped and C(notes).
  returned: when step is controls
  type: dict
  sample: {sshd: {group: ssh, run: true, kernel: true, ready: true, packages: [], reason: "", notes: []}}
packages:
  description: Step V(controls). The packages to install before the controls run.
  returned: when step is controls
  type: list
  elements: str
  sample: [auditd]
check_mode:
  description: Step V(controls). Whether the run is in check mode (C(--check), or check mode set on the task).
  returned: when step is controls
  type: bool
container:
  description: Step V(controls). Whether the host is taken for a container.
  returned: when step is controls
  type: bool
lockouts:
  description: Step V(controls). One refusal per account the SSH settings would lock out; empty when none.
  returned: when step is controls
  type: list
  elements: str
units:
  description: Step V(work). Per control, the M(ansible.builtin.systemd_service) arguments of each unit that
    is not as the control wants it.
  returned: when step is work
  type: dict
  sample: {kdump: [{name: kdump-tools.service, masked: true, state: stopped}]}
stale:
  description: Step V(work). Managed file path to whether the host's copy differs from what the role writes.
  returned: when step is work
  type: dict
file_fixes:
  description: Step V(work). The listed files to give another owner, group or mode.
  returned: when step is work
  type: list
  elements: dict
notes:
  description: Step V(work). Per control, what the role found but cannot change.
  returned: when step is work
  type: dict
missing_dirs:
  description: Step V(work). Drop-in directories the running controls write into that do not exist yet.
  returned: when step is work
  type: list
  elements: str
critical:
  description: Step V(sshd). Login-guarding settings sshd does not use as the role set them.
  returned: when step is sshd
  type: list
  elements: str
other:
  description: Step V(sshd). Other settings sshd does not use as the role set them (reported only).
  returned: when step is sshd
  type: list
  elements: str
report:
  description: Step V(report). The host's report, as the role returns it in C(harden_report).
  returned: when step is report
  type: dict
"""
