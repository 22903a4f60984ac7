# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: golden_measurements
short_description: The measurements a group of verified TDX quotes share, as a quote_verify policy
version_added: 0.2.0
description:
  - Takes the RV(confidential.tdx.quote_verify#module:verdicts) of a batch and returns the measurements the quotes
    of those hosts have in common (C(mrtd), C(rtmr0) to C(rtmr3), C(mrconfigid), C(mrowner), C(mrownerconfig),
    C(xfam)), as an O(confidential.tdx.quote_verify#module:policy) that later runs enforce.
  - "Only quotes that verified count: a host whose quote was refused is named in C(unverified) and learning from
    the group is refused. A register with more than one value among the hosts is named in C(differing), with the
    hosts that have each value."
  - Used by the P(confidential.tdx.verify#role) role with C(verify_learn=true).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The C(verdicts) of a M(confidential.tdx.quote_verify) batch run, host name to verdict.
    type: dict
    required: true
seealso:
  - module: confidential.tdx.quote_verify
"""

EXAMPLES = r"""
- name: Learn the reference hosts' measurements
  ansible.builtin.set_fact:
    golden: "{{ verdicts.verdicts | confidential.tdx.golden_measurements }}"
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - C(policy) (register to value, for the registers every host shares), C(hosts) (the hosts learned from),
      C(differing) (register to value to hosts, for registers that differ), C(unverified) (host to problems),
      and C(problems) (one line per reason the group cannot be learned from; empty when it can).
  type: dict
"""

REGISTERS = ("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "mrconfigid", "mrowner", "mrownerconfig", "xfam")


def _register(quote, name):
    if name.startswith("rtmr") and name not in quote:
        return (quote.get("rtmr") or [None] * 4)[int(name[-1])]
    return quote.get(name)


def golden_measurements(results):
    unverified = dict((host, verdict.get("problems") or ["not verified"])
                      for host, verdict in sorted(results.items()) if not verdict.get("verified"))
    learned = dict((host, verdict.get("quote") or {}) for host, verdict in sorted(results.items())
                   if verdict.get("verified"))
    policy, differing = {}, {}
    for name in REGISTERS:
        values = {}
        for host, quote in learned.items():
            values.setdefault(_register(quote, name), []).append(host)
        values.pop(None, None)
        if len(values) == 1:
            policy[name] = next(iter(values))
        elif len(values) > 1:
            differing[name] = values
    problems = []
    if not results:
        problems.append("no hosts to learn from")
    for host, reasons in unverified.items():
        problems.append("%s: its quote did not verify, so its measurements are not learned: %s"
                        % (host, "; ".join(reasons)))
    for name, values in sorted(differing.items()):
        problems.append("%s differs among the hosts: %s" % (name, "; ".join(
            "%s has %s" % (", ".join(hosts), value) for value, hosts in sorted(values.items()))))
    return {"policy": policy, "hosts": sorted(learned), "differing": differing, "unverified": unverified,
            "problems": problems}


class FilterModule(object):
    def filters(self):
        return {"golden_measurements": golden_measurements}
