# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks and wanted values of a TDX VM's options (vm_options), for gce_instance and gce_instance_template.

Each problem is a one-line message naming the option and the fix, found
before any API call; the same functions serve both modules so that a
template is held to exactly the rules an instance is.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_disk_size,
    check_disk_type,
    check_kms_key_name,
    check_labels,
    check_machine_type_name,
    check_metadata_keys,
    check_network,
    check_scopes,
    check_service_account,
    label_text,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN, image_label, parse_image
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    check_boot_disk_type,
    check_image_features,
    check_on_host_maintenance,
)


def metadata_text(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


def wanted_labels(params, have=None):
    """The labels the instance should have; with purge_labels false, ``have`` (its labels now) kept under them."""
    if params["labels"] is None:
        return None
    given = dict((str(key), label_text(value)) for key, value in params["labels"].items())
    if params.get("purge_labels", True) or not have:
        return given
    return dict(have, **given)


def wanted_scheduling(params):
    """The Scheduling (API JSON shape) the task asks for: a Spot VM never restarts by itself."""
    spot = params["provisioning_model"] == "SPOT"
    scheduling = {"onHostMaintenance": params["on_host_maintenance"], "automaticRestart": not spot,
                  "provisioningModel": params["provisioning_model"]}
    if spot:
        # The API's own default for a Spot VM, said outright so that a rerun compares like with like.
        scheduling["instanceTerminationAction"] = params["instance_termination_action"] or "STOP"
    return scheduling


def wanted_metadata(params):
    if params["metadata"] is None:
        return None
    return dict((str(key), metadata_text(value)) for key, value in params["metadata"].items())


def vm_problems(params):
    """Every problem with the options that describe the VM (VM_OPTIONS and on_host_maintenance)."""
    problems = []
    problems.append(check_machine_type_name(params["machine_type"]))
    problems.append(check_on_host_maintenance(params["on_host_maintenance"]))
    if parse_image(params["image"]) is None:
        problems.append("image: %s is not an image reference; use PROJECT/FAMILY, PROJECT/IMAGE or "
                        "projects/PROJECT/global/images/IMAGE, e.g. %s"
                        % (params["image"], tdx_catalog.DEFAULT_IMAGE))
    problems.append(check_kms_key_name(params["boot_disk_kms_key_name"], "boot_disk_kms_key_name"))
    # The boot disk's size is checked against its type here when given, else
    # once the image (whose size it then has) has been read.
    problems.append(check_disk_type(params["boot_disk_type"]) or
                    check_boot_disk_type(params["machine_type"], params["boot_disk_type"],
                                         size_gb=params["boot_disk_size_gb"]))
    problems.append(check_network(params["network"], "network"))
    problems.append(check_network(params["subnetwork"], "subnetwork"))
    if params["instance_termination_action"] and params["provisioning_model"] != "SPOT":
        problems.append("instance_termination_action: applies to Spot VMs only; set provisioning_model: SPOT, "
                        "or leave instance_termination_action out")
    problems.append(check_service_account(params["service_account"]))
    if params["service_account"]:
        problems.append(check_scopes(params["service_account_scopes"], "service_account_scopes"))
    problems.append(check_metadata_keys(params["metadata"]))
    problems.extend(check_labels(wanted_labels(params)))
    for tag in params["network_tags"] or ():
        if not NAME_PATTERN.fullmatch(tag):
            problems.append("network_tags: %r is not a valid tag; use lowercase letters, digits and "
                            "hyphens, starting with a letter" % tag)
    for key, value in sorted((params["metadata"] or {}).items()):
        if isinstance(value, (dict, list)):
            problems.append("metadata: the value of %s is a %s; give a string (for example with "
                            "to_json)" % (key, type(value).__name__))
    problems.append(check_disk_size(params["boot_disk_size_gb"]))
    return [problem for problem in problems if problem]


def boot_image_problem(params, ref, image):
    """The problem of booting a TDX VM of ``params`` from ``image`` (as read for the image reference ``ref``), or
    None: it must be TDX_CAPABLE and fit the boot disk; without boot_disk_size_gb the disk has the image's size,
    known only now, and the disk type must take it."""
    image_size = int(image.get("diskSizeGb") or 0)
    problem = check_image_features(image_label(ref), image.get("guestOsFeatures")) or check_disk_size(
        params["boot_disk_size_gb"], image_size)
    if not problem and not params["boot_disk_size_gb"] and image_size:
        problem = check_boot_disk_type(params["machine_type"], params["boot_disk_type"],
                                       size_gb=image_size, size_note=" (the image's size)")
    return problem
