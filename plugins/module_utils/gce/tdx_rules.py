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


def machine_size(machine_type):
    """(vCPUs, GPUs) of a machine type, read from its name; either is None when the name does not say.

    Predefined types are SERIES-KIND-N[-SUFFIX], N being the vCPUs or, for
    accelerator-optimized types, the GPUs and a g (a3-highgpu-1g); custom
    types are SERIES-custom-VCPUS-MEMORY. Source:
    cloud.google.com/compute/docs/disks/hyperdisk-perf-limits ("machine types
    are denoted M-*-N ... N is the number of vCPUs, CPUs or the GPU
    designation"). Where machineTypes.get has answered, its guestCpus is
    the better figure.
    """
    parts = (machine_type or "").split("-")
    # The third part either way: c3-standard-88, a3-highgpu-1g, n2-custom-4-16384.
    found = re.fullmatch(r"([0-9]+)(g?)", parts[2] if len(parts) > 2 else "")
    if not found:
        return None, None
    number = int(found.group(1))
    return (None, number) if found.group(2) else (number, None)


class DiskTypeRefusal:
    """Why a machine type cannot have a disk of some type and size: ``reason`` (a clause) and ``fix``."""

    def __init__(self, reason, fix):
        self.reason = reason
        self.fix = fix


def disk_types_of(machine_type):
    """The disk types the catalog knows the machine type's series to take, or None for a series it does not know."""
    series = tdx_catalog.SERIES.get(machine_series(machine_type))
    return series["disk_types"] if series else None


def _size_range(disk_type):
    return (tdx_catalog.DISK_TYPE_LIMITS.get(disk_type) or {}).get("size_gb")


def _too_small(machine_type, disk_type, vcpus=None, gpus=None):
    """(what the type needs, what the machine has) when the machine is too small for the disk type, else None."""
    limits = tdx_catalog.DISK_TYPE_LIMITS.get(disk_type) or {}
    series = machine_series(machine_type)
    named_vcpus, named_gpus = machine_size(machine_type)
    vcpus = vcpus if vcpus is not None else named_vcpus
    gpus = gpus if gpus is not None else named_gpus
    for key, have, unit in (("min_vcpus", vcpus, "vCPUs"), ("min_gpus", gpus, "GPUs")):
        least = (limits.get(key) or {}).get(series)
        if least is not None and have is not None and have < least:
            return "at least %d %s" % (least, unit), "%d" % have
    return None


def fitting_disk_types(machine_type, size_gb=None, vcpus=None, gpus=None, size_option="boot_disk_size_gb"):
    """The disk types a disk of ``size_gb`` (None: not known yet) may have on the machine type, for a hint.

    With the size not known, a type with a size range is named with it.
    """
    fitting = []
    for disk_type in disk_types_of(machine_type) or ():
        if _too_small(machine_type, disk_type, vcpus, gpus):
            continue
        size_range = _size_range(disk_type)
        if size_range and size_gb is None:
            fitting.append("%s (with %s %d to %d)" % (disk_type, size_option, size_range[0], size_range[1]))
        elif not size_range or size_range[0] <= size_gb <= size_range[1]:
            fitting.append(disk_type)
    return fitting


def disk_type_refusal(machine_type, disk_type, size_gb=None, vcpus=None, gpus=None, role="the boot disk",
                      size_option="boot_disk_size_gb", size_note=""):
    """A DiskTypeRefusal when a disk of ``disk_type`` and ``size_gb`` (None: not known) cannot be ``role`` of the
    machine type, else None.

    Only what the catalog knows is refused: a series it does not list, or a
    type without limits, passes (the API decides). ``vcpus``/``gpus``: the
    API's figures, when read; the name's otherwise.
    """
    known = disk_types_of(machine_type)
    if known is None:
        return None
    series = machine_series(machine_type).upper()
    others = ", ".join(fitting_disk_types(machine_type, size_gb, vcpus, gpus, size_option)) or "none"
    if disk_type not in known:
        return DiskTypeRefusal("%s cannot be %s of a %s machine (%s)" % (disk_type, role, series, machine_type),
                               "use one of %s" % others)
    too_small = _too_small(machine_type, disk_type, vcpus, gpus)
    if too_small:
        needs, has = too_small
        return DiskTypeRefusal("%s needs a %s machine of %s (%s has %s)" % (
            disk_type, series, needs, machine_type, has), "use one of %s, or a larger machine_type" % others)
    size_range = _size_range(disk_type)
    if size_range and size_gb is not None and not size_range[0] <= size_gb <= size_range[1]:
        low, high = size_range
        return DiskTypeRefusal("a %s disk is %d to %d GB, %s would be %d GB%s" % (
            disk_type, low, high, role, size_gb, size_note),
            "set %s to %s" % (size_option, "at least %d" % low if size_gb < low else "at most %d" % high))
    return None


def check_boot_disk_type(machine_type, disk_type, option="boot_disk_type", role="the boot disk", size_gb=None,
                         size_option="boot_disk_size_gb", size_note=""):
    """A refusal naming ``option`` when the machine type cannot have a disk of that type (and size, when known)."""
    refusal = disk_type_refusal(machine_type, disk_type, size_gb, role=role, size_option=size_option,
                                size_note=size_note)
    if refusal is None:
        return None
    return "%s: %s; %s" % (option, refusal.reason, refusal.fix)


def machine_type_change_problems(have, want, disks, vcpus=None, gpus=None, option="machine_type"):
    """Why an instance of machine type ``have`` cannot move to ``want``, as one-line messages ([] when it can).

    ``disks``: (role, name, type, size GB) of each of the instance's disks,
    role being "boot disk" or "disk"; ``vcpus``/``gpus``: the new type's
    figures from machineTypes.get. A C3 instance changes its machine type
    within its series only (tdx_catalog.SERIES, with its source), and every
    disk it has must fit the new machine type.
    """
    problems = []
    series = tdx_catalog.SERIES.get(machine_series(have)) or {}
    if series.get("machine_type_changes_within_series") and machine_series(want) != machine_series(have):
        problems.append("%s: %s is of series %s, the instance is a %s machine (%s), and Compute Engine changes the "
                        "machine type of a %s instance within its series only; choose a %s machine type" % (
                            option, want, machine_series(want).upper(), machine_series(have).upper(), have,
                            machine_series(have).upper(), machine_series(have)))
        return problems
    for role, name, disk_type, size_gb in disks:
        refusal = disk_type_refusal(want, disk_type, size_gb, vcpus=vcpus, gpus=gpus, role="a disk")
        if refusal is not None:
            problems.append("%s: %s cannot take the instance's %s %s of type %s: %s; keep a machine type that "
                            "takes it" % (option, want, role, name, disk_type, refusal.reason))
    return problems


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
