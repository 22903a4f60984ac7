#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gce_instance_group
short_description: Zonal and regional managed instance groups of Intel TDX instance templates
version_added: 0.2.0
description:
  - Makes a managed instance group (zonal with O(zone), regional with
    O(region)) of O(size) members made from a TDX instance template (see
    M(confidential.tdx.gce_instance_template)) exist, and waits until it is
    stable (C(status.isStable)).
  - On an existing group it sets, in this order, the update policy
    (O(update_type), O(max_surge), O(max_unavailable), O(minimal_action)) and
    autohealing (O(health_check)) with C(patch), the template with
    C(setInstanceTemplate) (with O(update_type=PROACTIVE) Compute Engine then
    replaces the members a few at a time within O(max_surge) and
    O(max_unavailable)), and the size with C(resize). The policy goes first
    so that it governs the rollout the new template starts.
  - Checked before any write. The options without any call, then the
    template through the API, which must exist and make TDX VMs
    (C(confidentialInstanceType=TDX)). A group's base instance name and
    zones cannot change; a task that asks fails naming the option and
    changes nothing.
  - Idempotent. A group that matches is only read (C(get), C(listManagedInstances)).
  - When a write fails, the task fails with RV(actions) listing the calls
    made, the failed one last; earlier ones stay made (each is a setting of
    the group, right on its own).
  - Needs C(compute.instanceGroupManagers.*), C(compute.instanceTemplates.get)
    and C(compute.instances.*) for the members
    (C(roles/compute.instanceAdmin.v1) has them).
extends_documentation_fragment:
  - confidential.tdx.gce
  - confidential.tdx.attributes
  - confidential.tdx.attributes.cloud
attributes:
  check_mode:
    support: full
    details: Reads the group and the template and lists the writes it would make in RV(actions).
  diff_mode:
    support: full
    details: The group's settings before and after.
options:
  name:
    description: Name of the group.
    type: str
    required: true
  zone:
    description: Zone of a zonal group. One of O(zone) and O(region) is required.
    type: str
  region:
    description: Region of a regional group.
    type: str
  zones:
    description:
      - The zones of a regional group, each of O(region). Defaults to the
        zones Compute Engine picks; give TDX zones (for example
        C(us-central1-a), C(us-central1-b), C(us-central1-c)).
      - Set when the group is created; a group keeps its zones.
    type: list
    elements: str
  template:
    description:
      - The instance template, by name, path or URL (RV(confidential.tdx.gce_instance_template#module:template.self_link)).
        Required with O(state=present).
    type: str
  size:
    description: The number of members (C(targetSize)). Required with O(state=present).
    type: int
  base_instance_name:
    description:
      - Members are named BASE-XXXX (4 random characters). Defaults to O(name).
        Set when the group is created.
    type: str
  update_type:
    description:
      - V(PROACTIVE) replaces members made from another template at once, a
        few at a time; V(OPPORTUNISTIC) leaves them, and only members made
        later (a resize, a repair) use the new template.
    type: str
    choices: [PROACTIVE, OPPORTUNISTIC]
    default: PROACTIVE
  max_surge:
    description:
      - How many members above O(size) an update may make. Compute Engine's
        default is the number of zones. A regional group needs 0 or at least
        its number of zones.
    type: int
  max_unavailable:
    description:
      - How many members may be unavailable (not C(RUNNING)) during an
        update. Compute Engine's default is the number of zones. Not 0 when
        O(max_surge) is 0.
    type: int
  minimal_action:
    description: The least a template change does to a member (C(updatePolicy.minimalAction)).
    type: str
    choices: [REPLACE, RESTART, REFRESH, NONE]
    default: REPLACE
  health_check:
    description:
      - URL of a health check for autohealing. Left out, a new group has
        none and an existing group keeps what it has.
      - Autohealing cannot be removed here, as the patch would need an empty
        C(autoHealingPolicies) list, which the client library leaves out of
        the request. Remove it with C(gcloud compute instance-groups managed
        update --clear-autohealing).
    type: str
  initial_delay_sec:
    description: Seconds a new member has before its health check counts, 0 to 3600.
    type: int
    default: 300
  state:
    description: V(present) makes the group exist as asked; V(absent) deletes it with its members.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Whether to wait until the group is stable (every member made from its template and running).
    type: bool
    default: true
  wait_timeout:
    description: Seconds the task may take in all, the wait until stable included.
    type: int
    default: 900
seealso:
  - module: confidential.tdx.gce_instance_template
  - name: Managed instance groups
    description: Google's overview.
    link: https://cloud.google.com/compute/docs/instance-groups
author:
  - confidential.tdx maintainers (@confidential-tdx)
"""

EXAMPLES = r"""
- name: A TDX template
  confidential.tdx.gce_instance_template:
    name: web-tdx
    image: ubuntu-os-cloud/ubuntu-2404-lts-amd64
  register: template

- name: A regional group of 4 in the TDX zones of us-central1, new templates rolled 2 at a time
  confidential.tdx.gce_instance_group:
    name: web
    region: us-central1
    zones: [us-central1-a, us-central1-b, us-central1-c]
    template: "{{ template.template.self_link }}"
    size: 4
    max_surge: 3
    max_unavailable: 0

- name: Delete the group and its members
  confidential.tdx.gce_instance_group:
    name: web
    region: us-central1
    state: absent
"""

RETURN = r"""
group:
  description: The group after the task (in check mode, as it would be); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    template:
      description: The name of its template.
      type: str
    target_size:
      description: Its size.
      type: int
    is_stable:
      description: Whether every member is made from its template and running, and nothing is in progress.
      type: bool
    members:
      description: Its members (C(listManagedInstances)), each with C(name), C(zone), C(status), C(current_action), C(template).
      type: list
      elements: dict
actions:
  description: The writes made (in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["set update policy", "set template web-tdx-3f2a9c1e"]
"""

# The logic lives in module_utils/_gce_instance_group, this module's own package.
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group.options import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group.task import run
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule


def main():
    run(GceModule(ARGUMENT_SPEC, timeout_option="wait_timeout", mutually_exclusive=MUTUALLY_EXCLUSIVE,
                  required_one_of=REQUIRED_ONE_OF, supports_check_mode=True))


if __name__ == "__main__":
    main()
