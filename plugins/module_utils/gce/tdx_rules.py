# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The TDX rules, applied to requested values and to existing instances.

Each ``check_*`` function returns None when the value is fine, or a one-line
message naming the option, the value and what is allowed. The modules run
them before any write, so a mistake costs no API call; ``instance_problems``
applies the same rules to an instance read from the API.
"""

import re

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    NAME_PATTERN,
    short_name,
)


def _allowed_machine_types():
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


def check_name(name, option="name"):
    if not NAME_PATTERN.fullmatch(name or ""):
        return (
            "%s: %r is not a valid instance name; use 1-63 lowercase letters, digits "
            "and hyphens, starting with a letter and not ending with a hyphen" % (option, name)
        )
    return None


def check_machine_type(machine_type, option="machine_type"):
    if tdx_machine_type(machine_type) is None:
        return "%s: %s cannot run as a TDX trust domain; use one of %s" % (
            option, machine_type, _allowed_machine_types())
    return None


def check_zone(zone, option="zone"):
    if zone not in tdx_catalog.TDX_ZONES:
        return "%s: %s does not offer TDX machines; use one of %s" % (
            option, zone, ", ".join(tdx_catalog.TDX_ZONES))
    return None


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
    """Why an instance read from the API is not a sound TDX trust domain ([] if it is)."""
    problems = []
    kind = confidential_instance_type(instance)
    if kind != tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE:
        problems.append("confidential instance type is %s, not %s" % (
            kind or "none", tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE))
    policy = on_host_maintenance(instance)
    if policy != tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE:
        problems.append("on host maintenance is %s, not %s" % (
            policy or "unset", tdx_catalog.REQUIRED_ON_HOST_MAINTENANCE))
    machine_type = short_name(instance.get("machineType"))
    if tdx_machine_type(machine_type) is None:
        problems.append("machine type %s is not a TDX machine type" % machine_type)
    features = guest_os_feature_types(boot_disk(instance).get("guestOsFeatures"))
    if tdx_catalog.REQUIRED_GUEST_OS_FEATURE not in features:
        problems.append("boot disk image is not %s" % tdx_catalog.REQUIRED_GUEST_OS_FEATURE)
    zone = short_name(instance.get("zone"))
    if zone and zone not in tdx_catalog.TDX_ZONES:
        problems.append("zone %s is not a TDX zone" % zone)
    return problems
