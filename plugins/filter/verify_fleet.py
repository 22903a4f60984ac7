# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: verify_fleet
short_description: The verify role's fleet summary, by verdict, with a headline that never calls a test root attested
version_added: 0.3.0
description:
  - Sums up the C(verify_result) of every host of the play (see P(confidential.tdx.verify_judgement#filter)) for
    the P(confidential.tdx.verify#role) role's C(summary.json) and the summary it prints.
  - Hosts without a result (for example unreachable ones) are listed as not checked.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The C(verify_result) of each host that has one.
    type: list
    elements: dict
    required: true
  hosts:
    description: Every host of the play (C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Gather the fleet's verdicts
  ansible.builtin.set_fact:
    verify_fleet: "{{ ansible_play_hosts_all | map('extract', hostvars, 'verify_result') | select('defined') | list
                      | confidential.tdx.verify_fleet(ansible_play_hosts_all) }}"
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - C(hosts) (how many), C(verified) (the hosts that pass), C(attested) (the hosts whose verdict is C(attested)),
      C(verdicts) (each verdict to its hosts, every verdict listed), C(failed) (host to failures, for the hosts that
      do not pass), C(not_checked) (hosts without a result) and C(headline) (one line, e.g.
      C(0 of 3 hosts attested; 3 TEST ROOT (...); 3 of 3 pass)).
  type: dict
"""


def verify_fleet(results, hosts):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation.fleet import verify_fleet as fleet
    return fleet(results, hosts)


class FilterModule(object):
    def filters(self):
        return {"verify_fleet": verify_fleet}
