# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options that describe a TDX VM, said once for gce_instance and gce_instance_template.

VM_OPTIONS are what one VM is made of (machine, image, disks, network,
labels, metadata, service account, Secure Boot, provisioning model); a
template is exactly these. gce_instance adds what only an existing instance
has (its name, zone, state, static addresses, deletion protection, how to
change it in place), gce_instance_template what only a template has (its
name suffix, region). TASK_VM_OPTIONS hold for a whole gce_instance task,
fleet entries included, and for a template.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog

PROVISIONING_MODELS = ["STANDARD", "SPOT"]
# What Compute Engine does with a Spot VM it takes back (Scheduling.instanceTerminationAction).
TERMINATION_ACTIONS = ["STOP", "DELETE"]

VM_OPTIONS = dict(
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
    network_tags=dict(type="list", elements="str"),
    labels=dict(type="dict"),
    metadata=dict(type="dict"),
    service_account=dict(type="str"),
    service_account_scopes=dict(type="list", elements="str",
                                default=["https://www.googleapis.com/auth/cloud-platform"]),
    secure_boot=dict(type="bool", default=True),
    provisioning_model=dict(type="str", default="STANDARD", choices=PROVISIONING_MODELS),
    instance_termination_action=dict(type="str", choices=TERMINATION_ACTIONS),
)

TASK_VM_OPTIONS = dict(
    on_host_maintenance=dict(type="str", default="TERMINATE", choices=["TERMINATE", "MIGRATE"]),
)
