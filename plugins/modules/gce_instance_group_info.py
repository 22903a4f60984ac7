#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gce_instance_group_info
short_description: Read managed instance groups and their members
version_added: 0.2.0
description:
  - Returns the managed instance groups of a zone (O(zone)) or region
    (O(region)), or the one named O(name), each with its template, size,
    update policy, autohealing health check and members, as
    M(confidential.tdx.gce_instance_group) returns a group.
  - Reads only (C(get) or C(list), and C(listManagedInstances) per group).
  - Needs C(compute.instanceGroupManagers.get) and C(.list)
    (C(roles/compute.viewer) has them).
extends_documentation_fragment:
  - confidential.tdx.gce
  - confidential.tdx.attributes
  - confidential.tdx.attributes.cloud
attributes:
  check_mode:
    support: full
    details: Reads as in a normal run.
  diff_mode:
    support: none
options:
  name:
    description: Name of one group. Left out, every group of the zone or region.
    type: str
  zone:
    description: Zone of zonal groups. One of O(zone) and O(region) is required.
    type: str
  region:
    description: Region of regional groups.
    type: str
seealso:
  - module: confidential.tdx.gce_instance_group
author:
  - confidential.tdx maintainers (@confidential-tdx)
"""

EXAMPLES = r"""
- name: The group web, its template and members
  confidential.tdx.gce_instance_group_info:
    name: web
    region: us-central1
  register: web

- name: Its members on another template than the group's
  ansible.builtin.debug:
    msg: "{{ web.groups[0].members | rejectattr('template', 'eq', web.groups[0].template) | map(attribute='name') }}"
"""

RETURN = r"""
groups:
  description:
    - The groups found (none when the named one does not exist), each as
      RV(confidential.tdx.gce_instance_group#module:group) describes it, with
      C(update_type), C(max_surge), C(max_unavailable), C(minimal_action),
      C(health_check) and C(members).
  returned: always
  type: list
  elements: dict
"""

# The logic lives in module_utils/_gce_instance_group_info, this module's own package.
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group_info.task import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    run,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule


def main():
    run(GceModule(ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE, required_one_of=REQUIRED_ONE_OF,
                  supports_check_mode=True))


if __name__ == "__main__":
    main()
