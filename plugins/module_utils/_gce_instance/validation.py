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
    check_wait_timeout,
    check_zone_name,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    catalog_warning_machine_type,
    catalog_warning_zone,
    check_boot_disk_type,
    check_name,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import vm_problems


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
        problems.extend(vm_problems(params))
        if not check_name(params["name"]):  # the disks' default names come from a valid instance name
            problems.extend(disk_problems(params))
        problems.append(check_ipv4_address(params["internal_address"], "internal_address"))
        problems.append(check_ipv4_address(params["external_address"], "external_address"))
        if params["external_address"] and not params["external_ip"]:
            problems.append("external_address: given with external_ip: false; set external_ip: true to use the "
                            "address, or leave external_address out")
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
