# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rollout_plan
short_description: The waves that move a managed instance group to a new template, each new member named
version_added: 0.3.0
description:
  - Used by C(playbooks/rollout.yml). From a group as
    M(confidential.tdx.gce_instance_group_info) returns it, plans the waves of
    a rollout to O(template) - each wave's old members (C(remove)) and the
    names of the members that replace them (C(add), BASE-XXXX as Compute
    Engine names members, the same for the same rollout) - and says why no
    rollout can start (C(problems)), before anything is changed.
  - Old members are taken a zone at a time in turn, so a wave of a regional
    group spreads over its zones. Members already made from O(template) are
    kept, so a rollout run again after it stopped replaces those still to do.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The group (an element of C(groups) of M(confidential.tdx.gce_instance_group_info)), or {} when none.
    type: dict
    required: true
  template:
    description: The name of the new template.
    type: str
    required: true
  wave_size:
    description: How many members a wave replaces.
    type: int
    default: 1
  canary:
    description: Whether the first wave replaces one member only.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan the rollout of group web to template web-tdx-2, two members a wave
  ansible.builtin.set_fact:
    rollout: "{{ web.groups[0] | default({}) | confidential.tdx.rollout_plan('web-tdx-2', wave_size=2) }}"
"""

RETURN = r"""
_value:
  description:
    - C(problems) (one line each; empty when the rollout can start), C(group), C(zone), C(region),
      C(from_template), C(to_template), C(size), C(update_type), C(minimal_action), C(kept) (members already on
      the new template) and C(waves), each with C(number), C(remove) and C(add).
  type: dict
"""


def rollout_plan(group, template, wave_size=1, canary=False):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.group_rollout import plan, plan_problems
    problems = plan_problems(group, template, wave_size, canary)
    planned = plan(group, template, wave_size, canary) if not problems else {"waves": []}
    return dict(planned, problems=problems)


class FilterModule(object):
    def filters(self):
        return {"rollout_plan": rollout_plan}
