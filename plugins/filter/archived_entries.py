# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: archived_entries
short_description: M(confidential.tdx.quote_verify) entries from the verify role's archived reports
version_added: 0.2.0
description:
  - Turns the JSON reports the P(confidential.tdx.verify#role) role wrote (one per host) into the
    O(confidential.tdx.quote_verify#module:quotes) entries that re-verify them, each with the quote, nonce, user
    data and policy its report recorded and the collateral file written from the report's collateral document.
  - Each host keeps its own recorded policy (hosts of one archive may have been verified with different ones),
    less the keys quote_verify reported as not checked (null, or an empty list).
  - Used by the playbook C(confidential.tdx.reverify).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The reports, as parsed JSON, each with C(host) and C(attestation).
    type: list
    elements: dict
    required: true
  collateral_dir:
    description: The directory holding each host's recorded collateral as C(HOST.json).
    type: str
    required: true
  at_recorded_time:
    description: Verify at the time the report recorded (C(attestation.verify_at)); false verifies now.
    type: bool
    default: true
seealso:
  - module: confidential.tdx.quote_verify
"""

EXAMPLES = r"""
- name: Re-verify archived reports as of when they were taken
  confidential.tdx.quote_verify:
    quotes: "{{ reports | confidential.tdx.archived_entries('/tmp/collateral') }}"
    collateral_dir: /tmp/collateral
"""

RETURN = r"""
_value:
  description: One entry per report that holds a quote (C(name), C(quote), C(nonce), C(collateral), and C(user_data),
    C(verify_at) and C(policy) when recorded).
  type: list
  elements: dict
"""

import os

from ansible.errors import AnsibleFilterError


# An empty list that means something: no TD attribute allowed besides none.
# Other empty lists (mrtd, mrseam) mean "not checked" and would be refused.
MEANINGFUL_EMPTY = ("allowed_attributes",)


def recorded_policy(described):
    """The policy a report recorded, as quote_verify takes it: the keys it reported as not checked (null, an
    empty list of allowed values) left out, since quote_verify refuses them given back."""
    return dict((key, value) for key, value in described.items()
                if value is not None and (value != [] or key in MEANINGFUL_EMPTY))


def archived_entries(reports, collateral_dir, at_recorded_time=True):
    entries = []
    for report in reports:
        evidence = (report or {}).get("attestation") or {}
        if not evidence.get("quote"):
            continue
        if not report.get("host") or not evidence.get("nonce"):
            raise AnsibleFilterError("archived_entries: a report with a quote has no host or nonce; it is not a "
                                     "report of the verify role")
        entry = {"name": report["host"], "quote": evidence["quote"], "nonce": evidence["nonce"],
                 "collateral": os.path.join(collateral_dir, report["host"] + ".json")}
        if evidence.get("user_data"):
            entry["user_data"] = evidence["user_data"]
        for key in ("event_log", "event_log_table"):
            if evidence.get(key):
                entry[key] = evidence[key]
        if at_recorded_time and evidence.get("verify_at"):
            entry["verify_at"] = evidence["verify_at"]
        if evidence.get("policy"):
            entry["policy"] = recorded_policy(evidence["policy"])
        entries.append(entry)
    return entries


class FilterModule(object):
    def filters(self):
        return {"archived_entries": archived_entries}
