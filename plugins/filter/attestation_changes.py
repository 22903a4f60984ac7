# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: attestation_changes
short_description: What changed for each host since its last archived verify report
version_added: 0.4.0
description:
  - Compares each host's report of this run of the P(confidential.tdx.verify#role) role with the last archived
    report of that host, and says what changed, before and after - the verdict, whether the host passes, the TCB
    status, the advisories (added, removed), the measurements (MRTD, RTMR0-3), the boot components by name (the
    digests of each named component in the replayed event log), a restart (the kernel's boot ID), and a Compute
    Engine maintenance event when the report records one.
  - With no previous report at all (the first run) each host is a C(first proof), with nothing to compare; later,
    a host with no previous report is C(new) and a host with no report this run but one before is C(gone), both
    changes. A host of O(hosts) with no report this run was C(not checked) and does not pass.
  - Used by the playbook C(confidential.tdx.reattest); the logic is in module_utils/attestation/changes.py.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: This run's reports (the verify role's JSON reports, each with C(host)).
    type: list
    elements: dict
    required: true
  previous:
    description: The last archived reports (empty on the first run).
    type: list
    elements: dict
  hosts:
    description: The hosts of this run's play; default the hosts of O(_input).
    type: list
    elements: str
  run:
    description: The name of this run (its UTC timestamp), shown in the text report.
    type: str
"""

EXAMPLES = r"""
- name: Say what changed since the last run
  ansible.builtin.debug:
    msg: "{{ (current_reports | confidential.tdx.attestation_changes(previous_reports, run='20261207T140000Z')).lines }}"
"""

RETURN = r"""
_value:
  description:
    - C(run), C(first_run), C(changed) (the hosts with a change), C(failing) (the hosts that do not pass),
      C(hosts) (by host - C(state) one of C(changed), C(unchanged), C(first proof), C(new), C(gone),
      C(not checked); C(changes), each C(kind), C(what), C(before), C(after) and C(text); C(verified),
      C(verdict), C(failures), C(before_at), C(after_at)), C(headline) and C(lines), the text report, changes first.
  type: dict
"""

from ansible.errors import AnsibleFilterError


def _by_host(reports, name):
    found = {}
    for report in reports or []:
        if not isinstance(report, dict) or not report.get("host"):
            raise AnsibleFilterError("attestation_changes: %s: every report must be a verify role report with a "
                                     "host, got %r" % (name, report if not isinstance(report, dict)
                                                       else sorted(report)))
        found[report["host"]] = report
    return found


def attestation_changes(current, previous=None, hosts=None, run=None):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation.changes import fleet_changes
    return fleet_changes(_by_host(previous, "previous"), _by_host(current, "this run's reports"),
                         hosts=hosts, run=run)


class FilterModule(object):
    def filters(self):
        return {"attestation_changes": attestation_changes}
