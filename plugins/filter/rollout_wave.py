# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rollout_wave
short_description: Whether every new member of a rollout's wave passed the verify role
version_added: 0.3.0
description:
  - Used by C(playbooks/rollout.yml). A wave passes only when each of its new
    members has a C(verify_result) that passes (see
    P(confidential.tdx.verify_judgement#filter), that is attested, or a verdict the
    verify role's C(verify_accept_*) options let pass); a member that was
    not made, not reached or not judged fails the wave with its reason.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The wave, as in P(confidential.tdx.rollout_plan#filter)'s C(waves).
    type: dict
    required: true
  results:
    description: New member name to its C(verify_result).
    type: dict
    required: true
  unreached:
    description: New member name to why it could not be verified at all (empty when it was reached).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Judge the wave
  ansible.builtin.set_fact:
    outcome: "{{ wave | confidential.tdx.rollout_wave(results, unreached) }}"
"""

RETURN = r"""
_value:
  description:
    - C(number), C(remove), C(add), C(passed) and C(members), each with C(name), C(verdict), C(verified) and
      C(why) (empty when it passed).
  type: dict
"""


def rollout_wave(wave, results, unreached=None):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.group_rollout import wave_outcome
    return wave_outcome(wave, results or {}, unreached or {})


class FilterModule(object):
    def filters(self):
        return {"rollout_wave": rollout_wave}
