# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A template's properties from the task's options, their hash, the template's name; checks (pure logic)."""

import hashlib
import json
import re

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_disk_size,
    check_disk_type,
    check_kms_key_name,
    check_wait_timeout,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    NAME_PATTERN,
    network_path,
    subnetwork_path,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import check_boot_disk_type
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import (
    vm_problems,
    wanted_labels,
    wanted_metadata,
    wanted_scheduling,
)

# "-" and 8 hex digits of the properties' SHA-256: one in four billion for two specs to meet.
HASH_LENGTH = 8
MAX_NAME = 63
REGION_NAME = re.compile(r"[a-z]+-[a-z]+[0-9]+")
# What the template's description says, so that a template named by the user can be compared
# without comparing the API's echo of the properties (which adds its defaults).
DESCRIPTION_MARK = "confidential.tdx spec sha256:"


def problems(params):
    """Every problem with the options, as one-line messages naming the option (empty when fine)."""
    found = [check_wait_timeout(params["wait_timeout"])]
    room = MAX_NAME - (HASH_LENGTH + 1 if params["name_suffix"] == "hash" else 0)
    name = params["name"] or ""
    if not NAME_PATTERN.fullmatch(name) or len(name) > room:
        found.append("name: %r is not a valid template name; use 1-%d lowercase letters, digits and hyphens, "
                     "starting with a letter%s" % (name, room, " (the hash suffix takes the rest of 63)"
                                                   if params["name_suffix"] == "hash" else ""))
    if params["region"] is not None and not REGION_NAME.fullmatch(params["region"]):
        found.append("region: %s is not a region name; give e.g. us-central1" % params["region"])
    if DESCRIPTION_MARK in (params["description"] or ""):
        found.append("description: contains %r, the mark under which the module records the spec's hash; "
                     "leave it out (the module adds it)" % DESCRIPTION_MARK)
    if params["state"] == "absent":
        return [problem for problem in found if problem]
    found.extend(vm_problems(params))
    if params["subnetwork"] and "/" not in params["subnetwork"] and not params["region"]:
        found.append("subnetwork: %s is a name, and a template has no zone to find its region from; set region, "
                     "or give the subnetwork as projects/P/regions/R/subnetworks/S" % params["subnetwork"])
    disks = params["additional_disks"] or ()
    if len(disks) + 1 > tdx_catalog.MAX_DISKS:
        found.append("additional_disks: %d disks and the boot disk are more than the %d a Confidential VM can "
                     "have" % (len(disks), tdx_catalog.MAX_DISKS))
    for index, disk in enumerate(disks):
        option = "additional_disks[%d]" % index
        if disk["name"]:
            found.append("%s.name: a template's disks are named after each instance made from it; leave name "
                         "out" % option)
        found.extend(_disk_problems(params, disk, option))
    return [problem for problem in found if problem]


def _disk_problems(params, disk, option):
    # The checks of gce_instance's additional disks (vm_checks has the boot disk's).
    return [check_disk_size(disk["size_gb"], option=option + ".size_gb"),
            check_disk_type(disk["type"], option + ".type") or check_boot_disk_type(
                params["machine_type"], disk["type"], option + ".type", role="a disk", size_gb=disk["size_gb"],
                size_option=option + ".size_gb"),
            check_kms_key_name(disk["kms_key_name"], option + ".kms_key_name")]


def template_properties(params, project, image_link):
    """InstanceProperties (API JSON) for the task; the image is the concrete one the task's image names now."""
    boot = {"boot": True, "autoDelete": True, "type": "PERSISTENT",
            # A template names types and machine types without a zone (each member has its own).
            "initializeParams": {"sourceImage": image_link, "diskType": params["boot_disk_type"]}}
    if params["boot_disk_size_gb"]:
        boot["initializeParams"]["diskSizeGb"] = str(params["boot_disk_size_gb"])
    if params["boot_disk_kms_key_name"]:
        boot["diskEncryptionKey"] = {"kmsKeyName": params["boot_disk_kms_key_name"]}
    disks = [boot]
    for data in params["additional_disks"] or ():
        disk = {"boot": False, "autoDelete": data["auto_delete"], "type": "PERSISTENT",
                "initializeParams": {"diskSizeGb": str(data["size_gb"]), "diskType": data["type"]}}
        if data["kms_key_name"]:
            disk["diskEncryptionKey"] = {"kmsKeyName": data["kms_key_name"]}
        disks.append(disk)
    interface = {"network": network_path(project, params["network"]), "nicType": "GVNIC"}
    if params["subnetwork"]:
        interface["subnetwork"] = subnetwork_path(project, params["region"], params["subnetwork"])
    if params["external_ip"]:
        interface["accessConfigs"] = [{"name": "External NAT", "type": "ONE_TO_ONE_NAT"}]
    properties = {
        "machineType": params["machine_type"],
        "confidentialInstanceConfig": {"confidentialInstanceType": tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE},
        "scheduling": wanted_scheduling(params),
        "shieldedInstanceConfig": {"enableSecureBoot": params["secure_boot"], "enableVtpm": True,
                                   "enableIntegrityMonitoring": True},
        "disks": disks,
        "networkInterfaces": [interface],
    }
    labels = wanted_labels(params)
    if labels:
        properties["labels"] = labels
    metadata = wanted_metadata(params)
    if metadata:
        properties["metadata"] = {"items": [{"key": key, "value": metadata[key]} for key in sorted(metadata)]}
    if params["network_tags"]:
        properties["tags"] = {"items": list(params["network_tags"])}
    if params["service_account"]:
        properties["serviceAccounts"] = [{"email": params["service_account"],
                                          "scopes": list(params["service_account_scopes"])}]
    return properties


def spec_hash(properties, description=None):
    """SHA-256 (hex) of the properties and description, canonical JSON: equal specs, equal hashes."""
    canonical = json.dumps({"properties": properties, "description": description or ""}, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def template_name(params, digest):
    if params["name_suffix"] == "hash":
        return "%s-%s" % (params["name"], digest[:HASH_LENGTH])
    return params["name"]


def template_description(params, digest):
    text = "%s %s" % (DESCRIPTION_MARK, digest)
    return "%s (%s)" % (params["description"], text) if params["description"] else text


def recorded_hash(template):
    """The spec hash a template made by this module records in its description, or None."""
    match = re.search(re.escape(DESCRIPTION_MARK) + r" ([0-9a-f]{64})", template.get("description") or "")
    return match.group(1) if match else None


def family_filter(params):
    """A list filter for the templates of this task's name: the name itself, and the name with a hash suffix."""
    return 'name eq "%s(-[0-9a-f]{%d})?"' % (params["name"], HASH_LENGTH)


def view(template):
    """RV(template): what a task compares and shows."""
    if not template:
        return {}
    properties = template.get("properties") or {}
    boot = (properties.get("disks") or [{}])[0]
    return {
        "name": template.get("name"),
        "self_link": template.get("selfLink"),
        "spec_hash": recorded_hash(template),
        "creation_timestamp": template.get("creationTimestamp"),
        "machine_type": properties.get("machineType"),
        "image": (boot.get("initializeParams") or {}).get("sourceImage"),
        "properties": properties,
    }
