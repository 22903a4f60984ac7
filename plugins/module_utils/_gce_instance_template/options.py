# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance_template's options: the VM's (shared with gce_instance) and a template's own.

Left out of gce_instance's: zone and zones (a template is global; a group
places its members), state started/stopped/restarted, static
internal_address and external_address (one address cannot serve many
members), deletion_protection (InstanceProperties has none), purge_labels
(a template is written whole), and the options about changing an existing
instance in place (allow_stopping_for_update, recreate,
recreate_on_image_update): a template never changes.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_options import TASK_VM_OPTIONS, VM_OPTIONS

NAME_SUFFIXES = ["hash", "none"]

ARGUMENT_SPEC = dict(
    VM_OPTIONS,
    name=dict(type="str", required=True),
    name_suffix=dict(type="str", default="hash", choices=NAME_SUFFIXES),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    region=dict(type="str"),
    description=dict(type="str"),
    wait_timeout=dict(type="int", default=300),
    **TASK_VM_OPTIONS
)
