# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance's options, said once.

INSTANCE_OPTIONS describe one instance; the task adds the options that
belong to the task as a whole. An entry of O(instances) may set any instance
option for its own instance: its spec is the same option without the
default, so that what an entry leaves out (None) comes from the task.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog

STATES = ["present", "started", "stopped", "restarted", "absent"]
PROVISIONING_MODELS = ["STANDARD", "SPOT"]
# What Compute Engine does with a Spot VM it takes back (Scheduling.instanceTerminationAction).
TERMINATION_ACTIONS = ["STOP", "DELETE"]
DEFAULT_CONCURRENCY = 10

INSTANCE_OPTIONS = dict(
    name=dict(type="str"),
    state=dict(type="str", default="present", choices=STATES),
    zone=dict(type="str"),
    zones=dict(type="list", elements="str"),
    machine_type=dict(type="str", default=tdx_catalog.DEFAULT_MACHINE_TYPE),
    image=dict(type="str", default=tdx_catalog.DEFAULT_IMAGE),
    boot_disk_size_gb=dict(type="int"),
    boot_disk_type=dict(type="str", default="pd-balanced"),
    boot_disk_kms_key_name=dict(type="str"),
    additional_disks=dict(type="list", elements="dict", options=dict(
        name=dict(type="str"),
        size_gb=dict(type="int", required=True),
        type=dict(type="str", default="pd-balanced"),
        auto_delete=dict(type="bool", default=True),
        kms_key_name=dict(type="str"),
    )),
    network=dict(type="str", default="default"),
    subnetwork=dict(type="str"),
    external_ip=dict(type="bool", default=True),
    external_address=dict(type="str"),
    internal_address=dict(type="str"),
    network_tags=dict(type="list", elements="str"),
    labels=dict(type="dict"),
    purge_labels=dict(type="bool", default=True),
    metadata=dict(type="dict"),
    service_account=dict(type="str"),
    service_account_scopes=dict(type="list", elements="str",
                                default=["https://www.googleapis.com/auth/cloud-platform"]),
    secure_boot=dict(type="bool", default=True),
    provisioning_model=dict(type="str", default="STANDARD", choices=PROVISIONING_MODELS),
    instance_termination_action=dict(type="str", choices=TERMINATION_ACTIONS),
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
    on_host_maintenance=dict(type="str", default="TERMINATE", choices=["TERMINATE", "MIGRATE"]),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)

MUTUALLY_EXCLUSIVE = [PLACEMENT_OPTIONS, ("name", "instances")]
REQUIRED_ONE_OF = [("name", "instances")]
