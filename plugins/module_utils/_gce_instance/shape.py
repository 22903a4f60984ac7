# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the instance should look like: the insert body, the view a create would leave, the diff view."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    disk_type_path,
    machine_type_path,
    network_path,
    region_of,
    short_name,
    subnetwork_path,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.validation import additional_disks
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import wanted_labels, wanted_metadata, wanted_scheduling

# The fields of RV(instance) shown in diff mode: what a task can change.
DIFF_KEYS = ("name", "zone", "status", "machine_type", "confidential_instance_type", "on_host_maintenance",
             "provisioning_model", "instance_termination_action", "network", "subnetwork", "network_tags",
             "labels", "metadata", "service_account", "secure_boot", "deletion_protection", "boot_disk_size_gb",
             "boot_disk_kms_key_name", "additional_disks")


def desired_body(params, project, zone, image_link):
    """The instances.insert body (API JSON shape) for ``zone``."""
    disk = {
        "boot": True,
        "autoDelete": True,
        "type": "PERSISTENT",
        "initializeParams": {
            "sourceImage": image_link,
            "diskType": disk_type_path(zone, params["boot_disk_type"]),
        },
    }
    if params["boot_disk_size_gb"]:
        disk["initializeParams"]["diskSizeGb"] = str(params["boot_disk_size_gb"])
    if params["boot_disk_kms_key_name"]:
        disk["diskEncryptionKey"] = {"kmsKeyName": params["boot_disk_kms_key_name"]}
    interface = {"network": network_path(project, params["network"]), "nicType": "GVNIC"}
    if params["subnetwork"]:
        interface["subnetwork"] = subnetwork_path(project, region_of(zone), params["subnetwork"])
    if params["internal_address"]:
        interface["networkIP"] = params["internal_address"]
    if params["external_ip"]:
        access = {"name": "External NAT", "type": "ONE_TO_ONE_NAT"}
        if params["external_address"]:
            access["natIP"] = params["external_address"]
        interface["accessConfigs"] = [access]
    body = {
        "name": params["name"],
        "machineType": machine_type_path(zone, params["machine_type"]),
        "confidentialInstanceConfig": {"confidentialInstanceType": tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE},
        "scheduling": wanted_scheduling(params),
        "shieldedInstanceConfig": {"enableSecureBoot": params["secure_boot"], "enableVtpm": True,
                                   "enableIntegrityMonitoring": True},
        "disks": [disk] + [_data_disk(zone, data) for data in additional_disks(params)],
        "networkInterfaces": [interface],
        "deletionProtection": bool(params["deletion_protection"]),
    }
    labels = wanted_labels(params)
    if labels:
        body["labels"] = labels
    metadata = wanted_metadata(params)
    if metadata:
        body["metadata"] = {"items": [{"key": key, "value": metadata[key]} for key in sorted(metadata)]}
    if params["network_tags"]:
        body["tags"] = {"items": list(params["network_tags"])}
    if params["service_account"]:
        body["serviceAccounts"] = [{"email": params["service_account"],
                                    "scopes": list(params["service_account_scopes"])}]
    return body


def _data_disk(zone, data):
    """An additional disk of the insert body, made empty with the instance."""
    disk = {"boot": False, "autoDelete": data["auto_delete"], "type": "PERSISTENT",
            "initializeParams": {"diskName": data["name"], "diskSizeGb": str(data["size_gb"]),
                                 "diskType": disk_type_path(zone, data["type"])}}
    if data["kms_key_name"]:
        disk["diskEncryptionKey"] = {"kmsKeyName": data["kms_key_name"]}
    return disk


def wanted_disks_view(params):
    """RV(instance.additional_disks) as the task asks for them."""
    return [{"name": data["name"], "size_gb": data["size_gb"], "auto_delete": data["auto_delete"],
             "kms_key_name": data["kms_key_name"]} for data in additional_disks(params)]


def planned_view(params, zone, image):
    """RV(instance) as a create would leave it, for check mode and diff."""
    size = params["boot_disk_size_gb"] or (int(image["diskSizeGb"]) if image.get("diskSizeGb") else None)
    return {
        "name": params["name"],
        "zone": zone,
        "status": "TERMINATED" if params["state"] == "stopped" else "RUNNING",
        "machine_type": params["machine_type"],
        "confidential_instance_type": tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE,
        "on_host_maintenance": params["on_host_maintenance"],
        "provisioning_model": params["provisioning_model"],
        "instance_termination_action": wanted_scheduling(params).get("instanceTerminationAction"),
        "network": short_name(params["network"]),
        "subnetwork": short_name(params["subnetwork"]) if params["subnetwork"] else None,
        "network_tags": list(params["network_tags"] or ()),
        "labels": wanted_labels(params) or {},
        "metadata": wanted_metadata(params) or {},
        "service_account": params["service_account"],
        "secure_boot": params["secure_boot"],
        "deletion_protection": bool(params["deletion_protection"]),
        "boot_disk_size_gb": size,
        "boot_disk_kms_key_name": params["boot_disk_kms_key_name"],
        "additional_disks": wanted_disks_view(params),
        "guest_os_features": sorted(feature.get("type") for feature in image.get("guestOsFeatures") or ()),
    }


# Comparing an existing instance with the task.


def diff_view(view):
    return dict((key, view.get(key)) for key in DIFF_KEYS) if view else {}
