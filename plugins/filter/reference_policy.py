# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: reference_policy
short_description: A quote_verify policy learned from one verified reference host, per boot component
version_added: 0.2.0
description:
  - Takes the RV(confidential.tdx.quote_verify#module:verdicts) of a batch and the name of one reference host, and
    returns the policy later runs enforce, learned from that host alone. C(events), the SHA-384 digests of each
    boot component its event log measured (C(kernel), C(initrd), C(kernel_cmdline), C(shim), C(grub), the Secure
    Boot variables, ...), C(mrtd) and C(xfam) from its quote, and the TCB half of the policy it was verified
    under (C(tcb_statuses), C(refused_advisories), C(tcb_grace_period), C(min_tcb_eval_data_number),
    C(allowed_attributes)).
  - "Learning is refused (C(problems)) unless the reference host's quote verified and its event log was replayed
    to the quote's RTMRs: a policy is only as good as the host it was learned from."
  - C(provenance) says where the policy came from; C(root_is_intel) false means a test root, whose policy
    proves nothing about Intel hardware.
  - Used by the P(confidential.tdx.verify#role) role with C(verify_learn=true) and C(verify_learn_from).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The C(verdicts) of a M(confidential.tdx.quote_verify) batch run, host name to verdict.
    type: dict
    required: true
  host:
    description: The reference host, one of the verdicts' names.
    type: str
    required: true
  policy:
    description: The policy the batch was verified under (RV(confidential.tdx.quote_verify#module:policy)).
    type: dict
    default: {}
  learned_at:
    description: When the policy is learned (ISO 8601), for the provenance.
    type: str
    default: ""
seealso:
  - module: confidential.tdx.quote_verify
  - plugin: confidential.tdx.golden_measurements
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Learn the policy from web-1 alone
  ansible.builtin.set_fact:
    learned: "{{ verdicts.verdicts | confidential.tdx.reference_policy('web-1', verdicts.policy) }}"
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - C(policy) (a quote_verify policy), C(provenance) (C(host), C(quote_sha256), C(verified_at), C(learned_at),
      C(root), C(root_is_intel)), and C(problems) (one line per reason the host cannot be learned from; empty
      when it can).
  type: dict
"""

TCB_KEYS = ("tcb_statuses", "refused_advisories", "tcb_grace_period", "min_tcb_eval_data_number",
            "allowed_attributes")


def _events(event_log):
    """Component -> the digests its events have, each once, in log order."""
    events = {}
    for event in event_log.get("events") or []:
        component = event.get("component")
        if component and event["digest"] not in events.setdefault(component, []):
            events[component].append(event["digest"])
    return events


def _problems(results, host):
    if host not in results:
        return ["verify_learn_from: %s is not a host of this run; the hosts are %s"
                % (host, ", ".join(sorted(results)) or "none")]
    verdict = results[host]
    if not verdict.get("verified"):
        return ["verify_learn_from: %s's quote did not verify, so nothing is learned from it: %s"
                % (host, "; ".join(verdict.get("problems") or ["not verified"]))]
    event_log = verdict.get("event_log")
    if not isinstance(event_log, dict):
        return ["verify_learn_from: %s gave no event log, so its boot components cannot be learned" % host]
    if event_log.get("replayed") is not True:
        return ["verify_learn_from: %s's event log was not replayed to its quote's RTMRs" % host]
    if not _events(event_log):
        return ["verify_learn_from: %s's event log names no boot component to pin" % host]
    return []


def reference_policy(results, host, policy=None, learned_at=""):
    problems = _problems(results or {}, host)
    if problems:
        return {"policy": {}, "provenance": {"host": host}, "problems": problems}
    verdict = results[host]
    quote = verdict.get("quote") or {}
    learned = dict((key, (policy or {})[key]) for key in TCB_KEYS if (policy or {}).get(key) is not None)
    learned.update({"mrtd": quote["mrtd"], "xfam": quote["xfam"], "events": _events(verdict["event_log"])})
    provenance = {"host": host, "quote_sha256": verdict.get("quote_sha256"), "verified_at": verdict.get("verify_at"),
                  "learned_at": learned_at or verdict.get("verify_at"), "root": verdict.get("root"),
                  "root_is_intel": verdict.get("root_is_intel") is True}
    return {"policy": learned, "provenance": provenance, "problems": []}


class FilterModule(object):
    def filters(self):
        return {"reference_policy": reference_policy}
