"""The emulator's catalog of zones, machine types, images and TDX rules.

The data lives in ``catalog.json`` beside this file; this module only loads it
and answers questions about it, and renders catalog entries as the API's JSON.
"""

import ipaddress
import json
import os

from . import resources

CATALOG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.json")

# Catalog entries are old and fixed: one timestamp for all of them.
_CATALOG_TIMESTAMP = "1969-12-31T16:00:00.000-08:00"


def series_of(machine_type):
    """c3 for c3-standard-4: the machine series is the name's first part."""
    return machine_type.split("-", 1)[0]


class Catalog:
    def __init__(self, path=CATALOG_PATH):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        self.project_number = data["projectNumber"]
        self.default_cpu_quota = data["defaultCpuQuotaPerRegion"]
        self.regions = data["regions"]
        self.zones = data["zones"]
        self.machine_types = data["machineTypes"]
        self.confidential = {k: v for k, v in data["confidentialComputing"].items() if not k.startswith("_")}
        self.images = data["images"]
        self.disk_types = data["diskTypes"]["known"]
        self.disk_types_by_series = data["diskTypes"]["bySeries"]
        self.disk_type_limits = data["diskTypes"]["limits"]
        self.series_changeable_across = data["machineTypeChanges"]["acrossSeries"]
        self.public_address_pool = ipaddress.ip_network(data["publicAddressPool"])
        # Changes a test makes to Google's catalog through the emulator's config
        # (World binds this): {"tdx_zones_added": [...], "zone_cpu_platforms": {...}}.
        self.changes = dict

    # -- zones and regions -------------------------------------------------
    def zone(self, name):
        return self.zones.get(name)

    def region_of(self, zone):
        return self.zones[zone]["region"]

    def zone_json(self, project, name):
        entry = self.zones[name]
        return {
            "kind": "compute#zone",
            "id": entry["id"],
            "creationTimestamp": _CATALOG_TIMESTAMP,
            "name": name,
            "description": name,
            "status": "UP",
            "region": resources.url(project, "regions", entry["region"]),
            "selfLink": resources.url(project, "zones", name),
            "availableCpuPlatforms": list(self.changes().get("zone_cpu_platforms", {}).get(
                name, entry["cpuPlatforms"])),
            "supportsPzs": False,
        }

    def confidential_zones(self, kind):
        """The zones offering a confidential instance type, or None for wherever its machine types exist."""
        zones = self.confidential[kind]["zones"]
        if zones is None or kind != "TDX":
            return zones
        return list(zones) + [zone for zone in self.changes().get("tdx_zones_added", ()) if zone not in zones]

    # -- machine types -----------------------------------------------------
    def machine_type(self, zone, name):
        entry = self.machine_types.get(name)
        if entry is None:
            return None
        if entry["zones"] != "*" and zone not in entry["zones"]:
            return None
        return entry

    def machine_types_in(self, zone):
        return [name for name in self.machine_types if self.machine_type(zone, name)]

    def machine_type_json(self, project, zone, name):
        entry = self.machine_types[name]
        gib = entry["memoryMb"] / 1024
        body = {
            "kind": "compute#machineType",
            "id": entry["id"],
            "creationTimestamp": _CATALOG_TIMESTAMP,
            "name": name,
            "description": "%d vCPUs, %s GB RAM" % (entry["guestCpus"], ("%g" % gib)),
            "guestCpus": entry["guestCpus"],
            "memoryMb": entry["memoryMb"],
            "imageSpaceGb": 0,
            "maximumPersistentDisks": 128,
            "maximumPersistentDisksSizeGb": "263168",
            "zone": zone,
            "selfLink": resources.url(project, "zones", zone, "machineTypes", name),
            "isSharedCpu": False,
            "architecture": "X86_64",
        }
        if entry.get("accelerators"):
            body["accelerators"] = [dict(a) for a in entry["accelerators"]]
        return body

    # -- images --------------------------------------------------------------
    def image(self, project, name):
        for entry in self.images.get(project, []):
            if entry["name"] == name:
                return entry
        return None

    def image_from_family(self, project, family):
        """The newest image of the family that is not deprecated, as Google picks it."""
        candidates = [
            e for e in self.images.get(project, [])
            if e.get("family") == family and not e.get("deprecated")
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda e: e["creationTimestamp"])

    def disk_types_for(self, machine_type):
        """The disk types the machine type's series takes (its first is the default)."""
        return self.disk_types_by_series.get(series_of(machine_type), self.disk_types)

    def disk_type_refusal(self, machine_type, disk_type, size_gb):
        """Why a disk of ``disk_type`` and ``size_gb`` cannot be on ``machine_type`` (a sentence), or None.

        The type must be one the series takes, the machine big enough for it
        (vCPUs, GPUs) and the size within the type's range.
        """
        allowed = self.disk_types_for(machine_type)
        if disk_type not in allowed:
            return "Disk type %s cannot be used with machine type %s; it takes %s." % (
                disk_type, machine_type, ", ".join(allowed))
        limits = self.disk_type_limits.get(disk_type) or {}
        machine = self.machine_types.get(machine_type) or {}
        gpus = sum(item["guestAcceleratorCount"] for item in machine.get("accelerators", []))
        series = series_of(machine_type)
        for key, have, unit in (("minGuestCpus", machine.get("guestCpus"), "vCPUs"), ("minGpus", gpus, "GPUs")):
            least = limits.get(key, {}).get(series)
            if least is not None and have is not None and have < least:
                return "Disk type %s cannot be used with machine type %s; it needs at least %d %s." % (
                    disk_type, machine_type, least, unit)
        low, high = limits.get("sizeGb") or (None, None)
        if low is not None and not low <= size_gb <= high:
            return "Disk size %d GB is outside the range of disk type %s (%d to %d GB)." % (
                size_gb, disk_type, low, high)
        return None

    def series_change_allowed(self, old_machine_type, new_machine_type):
        """Whether setMachineType may move an instance between these two machine types' series."""
        old, new = series_of(old_machine_type), series_of(new_machine_type)
        return old == new or (old in self.series_changeable_across and new in self.series_changeable_across)

    @staticmethod
    def license_urls(project, entry):
        """A custom image keeps its source disk's license URLs; a public one names its own project's."""
        if "licenseUrls" in entry:
            return list(entry["licenseUrls"])
        return [resources.url(project, "global", "licenses", lic) for lic in entry["licenses"]]

    def image_json(self, project, entry):
        body = {
            "kind": "compute#image",
            "id": entry["id"],
            "creationTimestamp": entry["creationTimestamp"],
            "name": entry["name"],
            "description": entry["description"],
            "sourceType": "RAW",
            "status": "READY",
            "archiveSizeBytes": entry["archiveSizeBytes"],
            "diskSizeGb": entry["diskSizeGb"],
            "licenses": self.license_urls(project, entry),
            "selfLink": resources.url(project, "global", "images", entry["name"]),
            "guestOsFeatures": [{"type": feature} for feature in entry["guestOsFeatures"]],
            "architecture": "X86_64",
            "storageLocations": ["us", "eu", "asia"],
        }
        for optional in ("family", "sourceDisk", "sourceDiskId", "labels", "labelFingerprint"):
            if entry.get(optional):
                body[optional] = entry[optional]
        if entry.get("deprecated"):
            deprecated = dict(entry["deprecated"])
            if "replacement" in deprecated:
                deprecated["replacement"] = resources.url(project, "global", "images", deprecated["replacement"])
            body["deprecated"] = deprecated
        return body

    # -- networks --------------------------------------------------------------
    def subnet_range(self, region):
        return ipaddress.ip_network(self.regions[region]["defaultSubnetRange"])

    def network_json(self, project):
        return {
            "kind": "compute#network",
            "id": "5551%s" % self.project_number[-8:],
            "creationTimestamp": _CATALOG_TIMESTAMP,
            "name": "default",
            "description": "Default network for the project",
            "selfLink": resources.url(project, "global", "networks", "default"),
            "autoCreateSubnetworks": True,
            "subnetworks": [
                resources.url(project, "regions", region, "subnetworks", "default") for region in sorted(self.regions)
            ],
            "routingConfig": {"routingMode": "REGIONAL"},
            "mtu": 1460,
            "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL",
        }

    def subnetwork_json(self, project, region):
        network = self.subnet_range(region)
        return {
            "kind": "compute#subnetwork",
            "id": "6661%s%s" % (self.regions[region]["id"], self.project_number[-6:]),
            "creationTimestamp": _CATALOG_TIMESTAMP,
            "name": "default",
            "network": resources.url(project, "global", "networks", "default"),
            "ipCidrRange": str(network),
            "gatewayAddress": str(network.network_address + 1),
            "region": resources.url(project, "regions", region),
            "selfLink": resources.url(project, "regions", region, "subnetworks", "default"),
            "privateIpGoogleAccess": False,
            "fingerprint": "x6Zq4kV3Q1E=",
            "stackType": "IPV4_ONLY",
            "purpose": "PRIVATE",
        }
