# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance's options, said once.

INSTANCE_OPTIONS describe one instance; the task adds the options that
belong to the task as a whole. An entry of O(instances) may set any instance
option for its own instance: its spec is the same option without the
default, so that what an entry leaves out (None) comes from the task.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_options import (
    TASK_VM_OPTIONS,
    VM_OPTIONS,
)

STATES = ["present", "started", "stopped", "restarted", "absent"]
DEFAULT_CONCURRENCY = 10

# The VM's options (shared with gce_instance_template) and what only an instance has; the name, state and
# place first, as users read them (the provision role lists the options in this order).
INSTANCE_OPTIONS = dict(
    name=dict(type="str"),
    state=dict(type="str", default="present", choices=STATES),
    zone=dict(type="str"),
    zones=dict(type="list", elements="str"),
    **VM_OPTIONS
)
INSTANCE_OPTIONS.update(
    external_address=dict(type="str"),
    internal_address=dict(type="str"),
    purge_labels=dict(type="bool", default=True),
    deletion_protection=dict(type="bool"),
    allow_stopping_for_update=dict(type="bool", default=False),
    recreate=dict(type="bool", default=False),
    recreate_on_image_update=dict(type="bool", default=False),
)

PLACEMENT_OPTIONS = ("zone", "zones")


def _without_default(spec):
    return dict((key, value) for key, value in spec.items() if key != "default")


FLEET_ENTRY_OPTIONS = dict((name, _without_default(spec)) for name, spec in INSTANCE_OPTIONS.items())
FLEET_ENTRY_OPTIONS["name"] = dict(INSTANCE_OPTIONS["name"], required=True)

ARGUMENT_SPEC = dict(
    INSTANCE_OPTIONS,
    instances=dict(type="list", elements="dict", options=FLEET_ENTRY_OPTIONS,
                   mutually_exclusive=[PLACEMENT_OPTIONS]),
    concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    **TASK_VM_OPTIONS
)

MUTUALLY_EXCLUSIVE = [PLACEMENT_OPTIONS, ("name", "instances")]
REQUIRED_ONE_OF = [("name", "instances")]
