# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The TDX rules, applied to requested values and to existing instances.

Each ``check_*`` function returns None when the value is fine, or a one-line
message naming the option, the value and what is allowed. The modules run
them before any write, so a mistake costs no API call. What the catalog
(``tdx_catalog``) does not know is a ``catalog_warning_*``, not a refusal;
``live_problems`` judges the API's own answers (zones.get, machineTypes.get)
before a create. ``instance_problems`` applies the rules to an instance read
from the API.
"""

import re

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN


def _known_machine_types():
    return ", ".join(
        "%s (%s)" % (entry["pattern"].replace("[0-9]+", "N"), entry["stage"])
        for entry in tdx_catalog.TDX_MACHINE_TYPES
    )


def tdx_machine_type(machine_type):
    """The catalog entry matching a machine type name, or None."""
    for entry in tdx_catalog.TDX_MACHINE_TYPES:
        if re.fullmatch(entry["pattern"], machine_type or ""):
            return entry
    return None


def machine_series(machine_type):
    """``c3`` for ``c3-standard-4``: the series is the name's first part."""
    return (machine_type or "").split("-", 1)[0].lower()


def check_name(name, option="name"):
    if not NAME_PATTERN.fullmatch(name or ""):
        return (
            "%s: %r is not a valid instance name; use 1-63 lowercase letters, digits "
            "and hyphens, starting with a letter and not ending with a hyphen" % (option, name)
        )
    return None


def catalog_warning_machine_type(machine_type, option="machine_type"):
    """A warning when the catalog does not list the machine type for TDX; the API decides, so never a refusal."""
    if tdx_machine_type(machine_type) is None:
        return ("%s: %s is not among the machine types this collection knows to run as a TDX trust domain "
                "(%s); the Compute API decides when the instance is created" % (
                    option, machine_type, _known_machine_types()))
    return None


def catalog_warning_zone(zone, option="zone"):
    """A warning when the catalog does not list the zone for TDX; the API decides, so never a refusal."""
    if zone not in tdx_catalog.TDX_ZONES:
        return ("%s: %s is not among the zones this collection knows to offer TDX (%s); the Compute API "
                "decides when the instance is created" % (option, zone, ", ".join(tdx_catalog.TDX_ZONES)))
    return None


def check_boot_disk_type(machine_type, disk_type, option="boot_disk_type", role="the boot disk"):
    """A refusal when the machine series is known and cannot take that disk type (as ``role``)."""
    series = tdx_catalog.SERIES.get(machine_series(machine_type))
    if series and disk_type not in series["boot_disk_types"]:
        return "%s: %s cannot be %s of a %s machine (%s); use one of %s" % (
            option, disk_type, role, machine_series(machine_type).upper(), machine_type,
            ", ".join(series["boot_disk_types"]))
    return None


def live_problems(zone, zone_resource, machine_type, machine_type_resource, option="zone"):
    """What the API's own answers say against creating ``machine_type`` in ``zone`` ([] when nothing).

    ``zone_resource`` is zones.get's answer and ``machine_type_resource``
    machineTypes.get's in that zone, each None when the API has no such
    resource.
    """
    if zone_resource is None:
        return ["%s: %s is not a zone of the Compute API; check the spelling (e.g. us-central1-a)" % (option, zone)]
    if machine_type_resource is None:
        return ["machine_type: %s is not offered in zone %s (machineTypes.get found none); choose another "
                "zone or machine type" % (machine_type, zone)]
    platform = (tdx_catalog.SERIES.get(machine_series(machine_type)) or {}).get("cpu_platform")
    offered = zone_resource.get("availableCpuPlatforms") or []
    if platform and platform not in offered:
        return ["%s: %s offers no %s, the CPU platform of %s machines (it offers %s); choose another zone" % (
            option, zone, platform, machine_series(machine_type).upper(), ", ".join(offered) or "none")]
    return []


def check_on_host_maintenance(policy, option="on_host_maintenance"):
    if policy != tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE:
        return "%s: %s is not allowed, a TDX trust domain cannot be live-migrated; use %s" % (
            option, policy, tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE)
    return None


def guest_os_feature_types(features):
    """['TDX_CAPABLE', ...] from the API's [{'type': 'TDX_CAPABLE'}, ...]."""
    return sorted(feature.get("type") for feature in features or () if feature.get("type"))


def check_image_features(image_label, features, option="image"):
    """``features`` as the API returns them: [{'type': 'UEFI_COMPATIBLE'}, ...]."""
    if tdx_catalog.REQUIRED_GUEST_OS_FEATURE not in guest_os_feature_types(features):
        return "%s: %s does not declare guest OS feature %s, so it cannot boot as a TDX trust domain; use a TDX-capable image such as %s" % (
            option, image_label, tdx_catalog.REQUIRED_GUEST_OS_FEATURE,
            " or ".join(tdx_catalog.KNOWN_TDX_IMAGES))
    return None


def boot_disk(instance):
    for disk in instance.get("disks") or ():
        if disk.get("boot"):
            return disk
    return {}


def confidential_instance_type(instance):
    config = instance.get("confidentialInstanceConfig") or {}
    kind = config.get("confidentialInstanceType")
    if kind in (None, "", "CONFIDENTIAL_INSTANCE_TYPE_UNSPECIFIED"):
        # The older boolean predates the enum and always meant SEV.
        return "SEV" if config.get("enableConfidentialCompute") else None
    return kind


def on_host_maintenance(instance):
    return (instance.get("scheduling") or {}).get("onHostMaintenance")


def instance_problems(instance):
    """Why an instance read from the API is not a sound TDX trust domain ([] if it is).

    Its zone and machine type are not judged against the catalog: the API
    made it a trust domain there, and its answer outranks a list.
    """
    problems = []
    kind = confidential_instance_type(instance)
    if kind != tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE:
        problems.append("confidential instance type is %s, not %s" % (
            kind or "none", tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE))
    policy = on_host_maintenance(instance)
    if policy != tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE:
        problems.append("on host maintenance is %s, not %s" % (
            policy or "unset", tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE))
    features = guest_os_feature_types(boot_disk(instance).get("guestOsFeatures"))
    if tdx_catalog.REQUIRED_GUEST_OS_FEATURE not in features:
        problems.append("boot disk image is not %s" % tdx_catalog.REQUIRED_GUEST_OS_FEATURE)
    return problems
