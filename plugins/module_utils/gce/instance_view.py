# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one shape in which an instance is returned: gce_instance, gce_instance_info, the inventory."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    short_name,
    without_key_version,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    boot_disk,
    confidential_instance_type,
    guest_os_feature_types,
    instance_problems,
    on_host_maintenance,
)


def metadata_items(instance):
    """{key: value} from the API's metadata.items list."""
    return dict((item.get("key"), item.get("value", ""))
                for item in (instance.get("metadata") or {}).get("items") or ())


def first_network_interface(instance):
    interfaces = instance.get("networkInterfaces") or [{}]
    return interfaces[0]


def provisioning_model(instance):
    """STANDARD or SPOT (FLEX_START, ...); an older instance may only say preemptible."""
    scheduling = instance.get("scheduling") or {}
    return scheduling.get("provisioningModel") or ("SPOT" if scheduling.get("preemptible") else "STANDARD")


def kms_key_name(disk):
    """The Cloud KMS key of an attached disk (CMEK), without the key version the API appends; None without one."""
    name = (disk.get("diskEncryptionKey") or {}).get("kmsKeyName")
    return without_key_version(name) if name else None


def external_ip(interface):
    for config in interface.get("accessConfigs") or ():
        if config.get("natIP"):
            return config["natIP"]
    return None


def summarize(instance):
    """An instance read from the API (JSON shape) as the modules return it (snake_case)."""
    if not instance:
        return {}
    interface = first_network_interface(instance)
    disk = boot_disk(instance)
    accounts = instance.get("serviceAccounts") or [{}]
    size = disk.get("diskSizeGb")
    return {
        "name": instance.get("name"),
        "id": instance.get("id"),
        "zone": short_name(instance.get("zone")),
        "status": instance.get("status"),
        "machine_type": short_name(instance.get("machineType")),
        "confidential_instance_type": confidential_instance_type(instance),
        "on_host_maintenance": on_host_maintenance(instance),
        "provisioning_model": provisioning_model(instance),
        "instance_termination_action": (instance.get("scheduling") or {}).get("instanceTerminationAction"),
        "internal_ip": interface.get("networkIP"),
        "external_ip": external_ip(interface),
        "network": short_name(interface.get("network")),
        "subnetwork": short_name(interface.get("subnetwork")),
        "network_tags": list((instance.get("tags") or {}).get("items") or ()),
        "labels": dict(instance.get("labels") or {}),
        "metadata": metadata_items(instance),
        "service_account": accounts[0].get("email"),
        "secure_boot": bool((instance.get("shieldedInstanceConfig") or {}).get("enableSecureBoot")),
        "deletion_protection": bool(instance.get("deletionProtection")),
        "boot_disk_size_gb": int(size) if size else None,
        "boot_disk_kms_key_name": kms_key_name(disk),
        "additional_disks": [{"name": short_name(other.get("source")),
                              "size_gb": int(other["diskSizeGb"]) if other.get("diskSizeGb") else None,
                              "auto_delete": bool(other.get("autoDelete")), "kms_key_name": kms_key_name(other)}
                             for other in sorted(instance.get("disks") or (), key=lambda item: item.get("index", 0))
                             if not other.get("boot")],
        "guest_os_features": guest_os_feature_types(disk.get("guestOsFeatures")),
        "self_link": instance.get("selfLink"),
        "creation_timestamp": instance.get("creationTimestamp"),
    }


def summarize_with_tdx(instance):
    """summarize() plus ``tdx`` and ``tdx_problems``, as gce_instance_info returns each instance."""
    view = summarize(instance)
    problems = instance_problems(instance)
    view["tdx"] = not problems
    view["tdx_problems"] = problems
    return view
