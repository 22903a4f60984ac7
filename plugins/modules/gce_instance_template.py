#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gce_instance_template
short_description: Create and delete Compute Engine instance templates of Intel TDX Confidential VMs
version_added: 0.2.0
description:
  - Makes a global instance template whose VMs run as Intel TDX trust
    domains (C(confidentialInstanceConfig.confidentialInstanceType=TDX),
    C(scheduling.onHostMaintenance=TERMINATE)), from the same VM options as
    M(confidential.tdx.gce_instance) (one option specification for both),
    for managed instance groups to make members from.
  - Checked before any write as an instance is. The options (machine type
    name, boot disk type for the machine series and size, host maintenance,
    names, labels, metadata) are checked without any call, then the image
    through the API (C(images.get)), which must declare C(TDX_CAPABLE). A
    mistake fails with one line naming the option and the fix, and changes
    nothing.
  - The image is pinned. A family (V(ubuntu-os-cloud/ubuntu-2204-lts)) is
    resolved to its newest image when the task runs and the template names
    that image, so that every member of a group boots the same, attestable,
    image. When the family moves on, the next run makes a new template.
  - Templates cannot change. With O(name_suffix=hash) (the default) the
    template is named O(name)-HASH, HASH being 8 hex digits of the SHA-256 of
    its properties and description; a changed spec is a new template, the
    one it replaces is reported as RV(previous) and kept (a group may use it,
    a rollback needs it). With O(name_suffix=none) the template is named
    O(name); one of that name with another spec is a refusal (give a new
    name), never a delete.
  - Idempotent. A task whose template exists makes only reads
    (C(images.get) or C(images.getFromFamily), C(instanceTemplates.list))
    and reports no change.
  - Needs C(compute.instanceTemplates.*) and C(compute.images.get)
    (C(roles/compute.instanceAdmin.v1) has them).
extends_documentation_fragment:
  - confidential.tdx.gce
  - confidential.tdx.tdx_vm
  - confidential.tdx.attributes
  - confidential.tdx.attributes.cloud
attributes:
  check_mode:
    support: full
    details: Runs every check and read, makes no write; RV(template) is the template that would be made.
  diff_mode:
    support: full
    details: The template replaced (or the existing one) before, the template of the task after.
options:
  name:
    description:
      - Name of the template, or with O(name_suffix=hash) the part before the
        hash (at most 54 characters then).
    type: str
    required: true
  name_suffix:
    description:
      - V(hash) names the template O(name)-HASH, a new name for each spec.
      - V(none) names it O(name); an existing template of that name made from
        another spec fails the task.
    type: str
    choices: [hash, none]
    default: hash
  state:
    description:
      - V(present) makes the template of this spec exist.
      - V(absent) deletes the templates of this name (with O(name_suffix=hash)
        every O(name)-HASH and O(name); with V(none), O(name)). A template a
        group uses cannot be deleted; the task fails naming what it deleted and
        what it left.
    type: str
    choices: [present, absent]
    default: present
  region:
    description:
      - Region of O(subnetwork) when it is given as a name (a template is
        global and has no zone to take a region from).
    type: str
  description:
    description:
      - Description of the template. The module adds the spec's hash to it.
    type: str
  wait_timeout:
    description:
      - Seconds the task may take in all, calls, retries and waiting for operations.
    type: int
    default: 300
notes:
  - Instance-only options of M(confidential.tdx.gce_instance) are not
    options here; zone and zones (a group places its members), static
    internal and external addresses (one address cannot serve many members),
    deletion protection (instance templates have none), purge_labels, and the
    options about changing an instance in place.
seealso:
  - module: confidential.tdx.gce_instance
  - name: Instance templates
    description: Google's overview of instance templates.
    link: https://cloud.google.com/compute/docs/instance-templates
author:
  - confidential.tdx maintainers (@confidential-tdx)
"""

EXAMPLES = r"""
- name: A TDX template for the web fleet, named web-tdx-<hash of the spec>
  confidential.tdx.gce_instance_template:
    name: web-tdx
    machine_type: c3-standard-4
    image: ubuntu-os-cloud/ubuntu-2404-lts-amd64
    boot_disk_size_gb: 50
    external_ip: false
    labels:
      app: web
    metadata:
      enable-oslogin: true
  register: template

- name: The group follows the new template when the spec changed
  ansible.builtin.debug:
    msg: "{{ template.template.name }} replaces {{ template.previous }}"
  when: template.changed and template.previous

- name: A template with a name of your own (another spec needs another name)
  confidential.tdx.gce_instance_template:
    name: web-tdx-v2
    name_suffix: none
    subnetwork: web
    region: europe-west4

- name: Delete every template of the name (those a group uses are left, and the task says so)
  confidential.tdx.gce_instance_template:
    name: web-tdx
    state: absent
"""

RETURN = r"""
template:
  description: The template of the task (in check mode, the one that would be made); empty for O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: web-tdx-3f2a9c1e
    self_link:
      description: Its URL, for a group's C(instanceTemplate); none in check mode before it exists.
      type: str
    spec_hash:
      description: SHA-256 of its properties and description.
      type: str
    image:
      description: The concrete image its boot disk is made from.
      type: str
      sample: https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250128
    machine_type:
      description: Its machine type.
      type: str
    properties:
      description: Its C(properties) as the API holds them (InstanceProperties, API JSON).
      type: dict
previous:
  description:
    - The newest other template of this name (O(name) or O(name)-HASH) when
      the task made a new one, which it replaces; null otherwise.
  returned: always
  type: str
  sample: web-tdx-77d0b2aa
created:
  description: Whether the task made (in check mode, would make) the template.
  returned: when O(state=present)
  type: bool
templates:
  description: The names of the templates of this name after the task, oldest first.
  returned: always
  type: list
  elements: str
deleted:
  description: The templates the task deleted (O(state=absent)).
  returned: when O(state=absent)
  type: list
  elements: str
actions:
  description: The writes made (in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["create template web-tdx-3f2a9c1e"]
"""

# The logic lives in module_utils/_gce_instance_template, this module's own package.
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_template.options import ARGUMENT_SPEC
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_template.task import run
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule


def main():
    run(GceModule(ARGUMENT_SPEC, timeout_option="wait_timeout", supports_check_mode=True))


if __name__ == "__main__":
    main()
