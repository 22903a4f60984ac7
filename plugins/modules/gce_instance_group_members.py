#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gce_instance_group_members
short_description: Named members of a managed instance group, made or deleted one wave at a time
version_added: 0.2.0
description:
  - With O(state=present), makes the group have members of the names in
    O(members), created from the group's current template
    (C(createInstances)); the group's size grows by as many. With
    O(state=absent), deletes those members (C(deleteInstances)); the size
    shrinks by as many and no other member is made in their place.
  - This is how a rollout replaces chosen members of a group, a wave at a
    time, new ones made and checked before old ones go (see
    C(playbooks/rollout.yml)). Use a group whose update policy is
    V(OPPORTUNISTIC) while doing so, or Compute Engine replaces members by
    itself when the template changes.
  - Checked before any call, the group's name and place and every member
    name. The group must exist.
  - Idempotent. Members that already exist (or are already gone) are left
    as they are; a task with nothing to do only reads.
  - With O(wait), waits until every named member is C(RUNNING) with nothing
    in progress (present) or is no longer listed (absent), then returns the
    named members' addresses. When a member cannot be made in time the task
    fails naming it and what it is doing; the group keeps trying, and
    O(state=absent) gives its place back.
  - Needs C(compute.instanceGroupManagers.*) and C(compute.instances.get)
    (C(roles/compute.instanceAdmin.v1) has them).
extends_documentation_fragment:
  - confidential.tdx.gce
  - confidential.tdx.attributes
  - confidential.tdx.attributes.cloud
attributes:
  check_mode:
    support: full
    details: Reads the group and its members and lists the writes it would make in RV(actions).
  diff_mode:
    support: full
    details: The group's member names before and after.
options:
  group:
    description: Name of the managed instance group.
    type: str
    required: true
  zone:
    description: Zone of a zonal group. One of O(zone) and O(region) is required.
    type: str
  region:
    description: Region of a regional group.
    type: str
  members:
    description:
      - Names of the members, each a valid instance name not used by another
        instance of the group's zones. A regional group puts each in the zone
        it picks.
    type: list
    elements: str
    required: true
  state:
    description: V(present) makes the named members exist; V(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Whether to wait until the named members run (present) or are gone (absent).
    type: bool
    default: true
  wait_timeout:
    description: Seconds the task may take in all, the wait included.
    type: int
    default: 900
seealso:
  - module: confidential.tdx.gce_instance_group
  - name: Creating instances with specific names in a managed instance group
    description: Google's guide to C(createInstances).
    link: https://cloud.google.com/compute/docs/instance-groups/add-remove-vms-in-mig
author:
  - confidential.tdx maintainers (@confidential-tdx)
"""

EXAMPLES = r"""
- name: Two new members from the group's current template, and their addresses
  confidential.tdx.gce_instance_group_members:
    group: web
    region: us-central1
    members: [web-v2-a1, web-v2-a2]
  register: wave

- name: Two old members go; the group shrinks back
  confidential.tdx.gce_instance_group_members:
    group: web
    region: us-central1
    members: [web-k3xq, web-p9ze]
    state: absent
"""

RETURN = r"""
members:
  description:
    - Every member of the group after the task (in check mode, as it stood
      before), each with C(name), C(zone), C(status), C(current_action) and
      C(template).
    - With O(state=present) the named members also carry C(internal_ip)
      and C(external_ip) (null without an external address).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "web-v2-a1", "zone": "us-central1-b", "status": "RUNNING", "current_action": "NONE",
            "template": "web-tdx-3f2a9c1e", "internal_ip": "10.128.0.7", "external_ip": null}]
group:
  description: The group's C(name), C(template) and C(target_size) after the task.
  returned: always
  type: dict
actions:
  description: The writes made (in check mode, that would be made).
  returned: always
  type: list
  elements: str
  sample: ["create members web-v2-a1, web-v2-a2"]
"""

# The logic lives in module_utils/_gce_instance_group_members, this module's own package.
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group_members.options import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group_members.task import run
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule


def main():
    run(GceModule(ARGUMENT_SPEC, timeout_option="wait_timeout", mutually_exclusive=MUTUALLY_EXCLUSIVE,
                  required_one_of=REQUIRED_ONE_OF, supports_check_mode=True))


if __name__ == "__main__":
    main()
