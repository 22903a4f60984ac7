# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every problem with a gce_instance task's options, found before any API call."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import renamed_option
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_disk_size,
    check_disk_type,
    check_ipv4_address,
    check_kms_key_name,
    check_labels,
    check_machine_type_name,
    check_metadata_keys,
    check_network,
    check_scopes,
    check_service_account,
    check_wait_timeout,
    check_zone_name,
    label_text,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN, parse_image
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    catalog_warning_machine_type,
    catalog_warning_zone,
    check_boot_disk_type,
    check_name,
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
    if params["purge_labels"] or not have:
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


def additional_disks(params):
    """The task's additional disks, each with its name ([] when none): NAME-1, NAME-2 ... unless named."""
    return [dict(disk, name=disk.get("name") or "%s-%d" % (params["name"], number))
            for number, disk in enumerate(params["additional_disks"] or (), start=1)]


def disk_problems(params):
    """What is wrong with the additional disks."""
    disks = additional_disks(params)
    problems = []
    if len(disks) + 1 > tdx_catalog.MAX_DISKS:
        problems.append("additional_disks: %d disks and the boot disk are more than the %d a Confidential VM can "
                        "have" % (len(disks), tdx_catalog.MAX_DISKS))
    names = [params["name"]]
    for index, disk in enumerate(disks):
        option = "additional_disks[%d]" % index
        if not NAME_PATTERN.fullmatch(disk["name"]):
            problems.append("%s.name: %r is not a valid disk name; use lowercase letters, digits and hyphens, "
                            "starting with a letter" % (option, disk["name"]))
        elif disk["name"] in names:
            problems.append("%s.name: %s is taken by %s; give each disk its own name" % (
                option, disk["name"], "the boot disk" if disk["name"] == params["name"] else "another disk"))
        names.append(disk["name"])
        problems.append(check_disk_size(disk["size_gb"], option=option + ".size_gb"))
        problems.append(check_disk_type(disk["type"], option + ".type") or check_boot_disk_type(
            params["machine_type"], disk["type"], option + ".type", role="a disk", size_gb=disk["size_gb"],
            size_option=option + ".size_gb"))
        problems.append(check_kms_key_name(disk["kms_key_name"], option + ".kms_key_name"))
    return problems


def requested_zones(params):
    return [params["zone"]] if params["zone"] else list(params["zones"] or ())


def zones_option(params):
    """The option the task's zones were given in, for messages: zones or zone."""
    return "zones" if params["zones"] else "zone"


def named_as_written(error, params):
    """A GceError naming the option the task wrote: an API error about the zone names zone or zones."""
    return renamed_option(error, {"zone": zones_option(params)})


def validate(params):
    """Every problem with the task's options, as one-line messages (empty when fine)."""
    problems = [check_name(params["name"])]
    zones = requested_zones(params)
    if params["zone"] is None and params["zones"] is None:
        problems.append("zone: not set; give zone, or zones to try in order")
    elif not zones:
        problems.append("zones: an empty list; give at least one zone (or use zone)")
    if len(set(zones)) != len(zones):
        problems.append("zones: %s lists a zone twice; list each zone once" % ", ".join(zones))
    problems.append(check_wait_timeout(params["wait_timeout"]))
    for zone in zones:
        problems.append(check_zone_name(zone, zones_option(params)))
    if params["state"] != "absent":
        problems.append(check_machine_type_name(params["machine_type"]))
        problems.append(check_on_host_maintenance(params["on_host_maintenance"]))
        if parse_image(params["image"]) is None:
            problems.append("image: %s is not an image reference; use PROJECT/FAMILY, PROJECT/IMAGE or "
                            "projects/PROJECT/global/images/IMAGE, e.g. %s"
                            % (params["image"], tdx_catalog.DEFAULT_IMAGE))
        problems.append(check_disk_size(params["boot_disk_size_gb"]))
        problems.append(check_kms_key_name(params["boot_disk_kms_key_name"], "boot_disk_kms_key_name"))
        if not check_name(params["name"]):  # the disks' default names come from a valid instance name
            problems.extend(disk_problems(params))
        # The boot disk's size is checked against its type here when given, else
        # once the image (whose size it then has) has been read.
        problems.append(check_disk_type(params["boot_disk_type"]) or
                        check_boot_disk_type(params["machine_type"], params["boot_disk_type"],
                                             size_gb=params["boot_disk_size_gb"]))
        problems.append(check_network(params["network"], "network"))
        problems.append(check_network(params["subnetwork"], "subnetwork"))
        problems.append(check_ipv4_address(params["internal_address"], "internal_address"))
        problems.append(check_ipv4_address(params["external_address"], "external_address"))
        if params["external_address"] and not params["external_ip"]:
            problems.append("external_address: given with external_ip: false; set external_ip: true to use the "
                            "address, or leave external_address out")
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
    return [problem for problem in problems if problem]


def catalog_warnings(params):
    """What the catalog does not know about the zones and machine type to create in (warnings, not refusals)."""
    warnings = [catalog_warning_zone(zone, zones_option(params)) for zone in requested_zones(params)]
    warnings.append(catalog_warning_machine_type(params["machine_type"]))
    return [warning for warning in warnings if warning]


def fleet_problems(params):
    """Problems of the fleet as a whole (each entry is validated on its own later)."""
    problems = []
    if params["concurrency"] < 1:
        problems.append("concurrency: %s must be at least 1 (API calls in flight at once)" % params["concurrency"])
    if not params["instances"]:
        problems.append("instances: an empty list; list at least one instance, or use name")
    names = [entry["name"] for entry in params["instances"] or ()]
    twice = sorted(set(name for name in names if names.count(name) > 1))
    if twice:
        problems.append("instances: %s listed more than once; list each instance once" % ", ".join(twice))
    problems.append(check_wait_timeout(params["wait_timeout"]))
    return [problem for problem in problems if problem]
