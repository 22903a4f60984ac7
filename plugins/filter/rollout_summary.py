# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rollout_summary
short_description: The account of a group rollout - every wave, where the group was left, one headline
version_added: 0.3.0
description:
  - Used by C(playbooks/rollout.yml) for its report (C(rollout.json)) and the line it ends with.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The plan (P(confidential.tdx.rollout_plan#filter)).
    type: dict
    required: true
  outcomes:
    description: The outcome of each wave that ran (P(confidential.tdx.rollout_wave#filter)), in order.
    type: list
    elements: dict
    required: true
  rolled_back:
    description: Whether the group was put back on its old template.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Sum up the rollout
  ansible.builtin.set_fact:
    summary: "{{ plan | confidential.tdx.rollout_summary(outcomes, rolled_back=false) }}"
"""

RETURN = r"""
_value:
  description:
    - C(group), C(from_template), C(to_template), C(waves_planned), C(waves) (the outcomes), C(replaced) (old
      members gone), C(passed), C(rolled_back), C(template_now) and C(headline).
  type: dict
"""


def rollout_summary(rollout_plan, outcomes, rolled_back=False):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.group_rollout import summary
    return summary(rollout_plan, outcomes or [], rolled_back)


class FilterModule(object):
    def filters(self):
        return {"rollout_summary": rollout_summary}
