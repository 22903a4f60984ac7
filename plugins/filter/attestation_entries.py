# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: attestation_entries
short_description: The batch of M(confidential.tdx.quote_verify) entries for a play's hosts
version_added: 0.2.0
description:
  - Builds the O(confidential.tdx.quote_verify#module:quotes) dictionary for a list of hosts, one entry per host
    with the quote the host returned, the nonce the controller chose for it and the user data, and the host's
    event log (CCEL data and table) when it gave one, for M(confidential.tdx.quote_verify) to replay.
  - A host whose quote task gave no quote gets an entry without one, which M(confidential.tdx.quote_verify)
    refuses as a host that gave none; the reason the host gave stays in its registered result.
  - Used by the P(confidential.tdx.verify#role) role; one template for the batch instead of a task per host.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The host names (for example C(ansible_play_batch)).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars); each host's registered quote result is read from it.
    type: raw
    required: true
  nonces:
    description: The nonce of each host, by name (64 hex digits).
    type: dict
    required: true
  user_data:
    description: Hex bytes hashed after each nonce; empty for none.
    type: str
    default: ""
  result_name:
    description: The registered variable that holds each host's M(confidential.tdx.guest_quote) result.
    type: str
    default: verify_guest_quote
  result_key:
    description:
      - The key of each host's registered result that holds the evidence, such as C(attestation) for a
        M(confidential.tdx.guest_info) run with O(confidential.tdx.guest_info#module:attest_report_data); empty for
        the result itself (a M(confidential.tdx.guest_quote) result).
    type: str
    default: ""
    version_added: 0.3.0
seealso:
  - module: confidential.tdx.quote_verify
  - plugin: confidential.tdx.attestation_report_data
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Verify the quotes of the batch in one run
  confidential.tdx.quote_verify:
    quotes: "{{ ansible_play_batch | confidential.tdx.attestation_entries(hostvars, nonces) }}"
    collateral_dir: collateral
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_value:
  description: Host name to entry (C(nonce), C(quote) when the host gave one, C(user_data) when given,
    C(event_log) and C(event_log_table) when the host gave them).
  type: dict
"""

from ansible.errors import AnsibleFilterError


def attestation_entries(hosts, hostvars, nonces, user_data="", result_name="verify_guest_quote", result_key=""):
    entries = {}
    for host in hosts:
        if host not in nonces:
            raise AnsibleFilterError("attestation_entries: no nonce for host %s" % host)
        result = hostvars[host].get(result_name) or {}
        if result_key:
            result = result.get(result_key) or {}
        entry = {"nonce": nonces[host]}
        if user_data:
            entry["user_data"] = user_data
        if result.get("quote"):
            entry["quote"] = result["quote"]
        for key in ("event_log", "event_log_table"):
            if result.get(key):
                entry[key] = result[key]
        entries[host] = entry
    return entries


class FilterModule(object):
    def filters(self):
        return {"attestation_entries": attestation_entries}
