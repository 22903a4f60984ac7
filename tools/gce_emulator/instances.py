"""Turn an insert request into the instance the API would hold, or refuse it.

Checks run in the order the API reports them: the name, the machine type, the
boot disk and its image, networks, labels and metadata, then the Confidential
VM rules (:mod:`confidential`). The result is the instance's JSON as GET
returns it: ``initializeParams`` is gone, the boot disk has a ``source`` URL
and carries the image's ``licenses`` and ``guestOsFeatures``.
"""

import re

from . import confidential, errors, resources
from . import disks as disks_module

LABEL_KEY_RE = re.compile(r"\A[a-z][a-z0-9_-]{0,62}\Z")
LABEL_VALUE_RE = re.compile(r"\A[a-z0-9_-]{0,63}\Z")
MAX_LABELS = 64
METADATA_KEY_RE = re.compile(r"\A[a-zA-Z0-9_-]{1,128}\Z")
MAX_METADATA_BYTES = 512 * 1024
MAINTENANCE_POLICIES = ("MIGRATE", "TERMINATE")
PROVISIONING_MODELS = ("STANDARD", "SPOT", "FLEX_START", "RESERVATION_BOUND")


def check_labels(labels, field):
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise errors.invalid_field(field, labels, "Labels must be a map of strings.")
    if len(labels) > MAX_LABELS:
        raise errors.invalid_field(field, len(labels), "At most %d labels are allowed." % MAX_LABELS)
    for key, value in labels.items():
        if not LABEL_KEY_RE.match(key):
            raise errors.invalid_field(
                "%s.%s" % (field, key), key,
                "Label keys must start with a lowercase letter and contain only lowercase letters, digits, "
                "underscores and dashes (at most 63 characters).",
            )
        if not isinstance(value, str) or not LABEL_VALUE_RE.match(value):
            raise errors.invalid_field(
                "%s.%s" % (field, key), value,
                "Label values contain only lowercase letters, digits, underscores and dashes (at most 63 characters).",
            )
    return dict(labels)


def check_metadata_items(items, field):
    items = items or []
    seen = set()
    size = 0
    for index, item in enumerate(items):
        key = item.get("key", "")
        if not METADATA_KEY_RE.match(key):
            raise errors.invalid_field("%s.items[%d].key" % (field, index), key, "Metadata keys must match [a-zA-Z0-9-_]{1,128}.")
        if key in seen:
            raise errors.invalid_field("%s.items[%d].key" % (field, index), key, "Duplicate metadata key.")
        seen.add(key)
        size += len(key) + len(item.get("value") or "")
    if size > MAX_METADATA_BYTES:
        raise errors.invalid_field(field, "%d bytes" % size, "Metadata is limited to %d bytes." % MAX_METADATA_BYTES)
    return [{"key": item["key"], "value": item.get("value", "")} for item in items]


def metadata_body(items):
    body = {"kind": "compute#metadata", "fingerprint": resources.fingerprint(items)}
    if items:
        body["items"] = items
    return body


def labels_fingerprint(labels):
    return resources.fingerprint(labels or {})


def tags_body(items, field):
    items = list(items or [])
    for item in items:
        resources.check_name(item, field)
    tags = {"fingerprint": resources.fingerprint(items)}
    if items:
        tags["items"] = items
    return tags


def accelerators_body(project, zone, machine):
    """The GPUs an accelerator-optimized machine type brings, as guestAccelerators."""
    return [
        {
            "acceleratorType": resources.url(project, "zones", zone, "acceleratorTypes", a["guestAcceleratorType"]),
            "acceleratorCount": a["guestAcceleratorCount"],
        }
        for a in machine.get("accelerators", [])
    ]


def check_machine_change(world, instance, machine_type):
    """An existing instance moving to ``machine_type``: the series rule, its disks' types, the Confidential VM rules."""
    current = instance.body["machineType"].rsplit("/", 1)[-1]
    if not world.catalog.series_change_allowed(current, machine_type):
        raise errors.invalid_field(
            "machineType", machine_type, "The machine type of an instance cannot change from series %s to series %s." % (
                current.split("-", 1)[0], machine_type.split("-", 1)[0]))
    for attached in instance.body.get("disks") or ():
        parts = resources.split_reference(attached.get("source"))  # projects/P/zones/Z/disks/NAME
        disk = world.disks.get((parts[1], parts[3], parts[5])) if len(parts) == 6 else None
        if disk is None:
            continue
        refusal = world.catalog.disk_type_refusal(machine_type, disk["type"].rsplit("/", 1)[-1], int(disk["sizeGb"]))
        if refusal:
            raise errors.invalid_field("machineType", machine_type, refusal)
    check_confidential_machine_change(world.catalog, instance, machine_type)


def check_confidential_machine_change(catalog, instance, machine_type):
    """The Confidential VM rules again, for an existing instance moving to ``machine_type``."""
    boot = (instance.body.get("disks") or [{}])[0]
    image = {"guestOsFeatures": [feature["type"] for feature in boot.get("guestOsFeatures", [])]}
    confidential.check(catalog, instance.zone, machine_type, image, instance.body.get("scheduling") or {},
                       instance.body.get("confidentialInstanceConfig") or {}, "resource")


class InstanceBuilder:
    """Validates one instance request (insert, or one instance of a bulkInsert)."""

    def __init__(self, world, project, zone):
        self.world = world
        self.catalog = world.catalog
        self.project = project
        self.zone = zone
        self.region = world.catalog.region_of(zone)
        # Addresses handed out earlier in the same bulkInsert, not yet stored.
        self.taken_internal = []
        self.taken_external = []

    def build(self, request, prefix="resource"):
        """``(instance_json, guest_cpus)`` or raise ApiError."""
        name = request.get("name")
        resources.check_name(name, prefix + ".name")
        machine_name, machine = self._machine_type(request, prefix)
        # The Disk resources this instance makes (disks.store them once the insert is accepted).
        self.built_disks = []
        disks, boot_image = self._disks(request, name, machine_name, machine, prefix)
        scheduling = self._scheduling(request.get("scheduling") or {}, prefix)
        nics = self._network_interfaces(request.get("networkInterfaces"), prefix)
        config = request.get("confidentialInstanceConfig") or {}
        confidential.check(self.catalog, self.zone, machine_name, boot_image, scheduling, config, prefix)
        shielded = self._shielded(request.get("shieldedInstanceConfig") or {}, boot_image, prefix)
        labels = check_labels(request.get("labels"), prefix + ".labels")
        metadata_items = check_metadata_items((request.get("metadata") or {}).get("items"), prefix + ".metadata")
        now = self.world.clock()
        body = {
            "kind": "compute#instance",
            "id": self.world.ids.resource_id(),
            "creationTimestamp": resources.timestamp(now),
            "name": name,
            "tags": tags_body((request.get("tags") or {}).get("items"), prefix + ".tags.items"),
            "machineType": resources.url(self.project, "zones", self.zone, "machineTypes", machine_name),
            "status": "PROVISIONING",
            "zone": resources.url(self.project, "zones", self.zone),
            "canIpForward": bool(request.get("canIpForward", False)),
            "networkInterfaces": nics,
            "disks": disks,
            "metadata": metadata_body(metadata_items),
            "serviceAccounts": self._service_accounts(request.get("serviceAccounts")),
            "selfLink": resources.url(self.project, "zones", self.zone, "instances", name),
            "scheduling": scheduling,
            "cpuPlatform": machine["cpuPlatform"],
            "labels": labels,
            "labelFingerprint": labels_fingerprint(labels),
            "startRestricted": False,
            "deletionProtection": bool(request.get("deletionProtection", False)),
            "shieldedInstanceConfig": shielded,
            "shieldedInstanceIntegrityPolicy": {"updateAutoLearnPolicy": True},
            "confidentialInstanceConfig": dict(config),
            "fingerprint": resources.fingerprint([name, now]),
            "satisfiesPzi": True,
        }
        for optional in ("description", "hostname", "minCpuPlatform"):
            if request.get(optional):
                body[optional] = request[optional]
        if machine.get("accelerators"):
            body["guestAccelerators"] = accelerators_body(self.project, self.zone, machine)
        if not labels:
            del body["labels"]
        return body, machine["guestCpus"]

    # -- parts ----------------------------------------------------------------------
    def _machine_type(self, request, prefix):
        return self.machine_type_of(request.get("machineType"), prefix + ".machineType")

    def machine_type_of(self, reference, field):
        """``(name, catalog entry)`` of a machine type reference in this zone, or raise 400."""
        if not reference:
            raise errors.required_field(field)
        name = resources.parse_machine_type(reference, self.zone, field)
        machine = self.catalog.machine_type(self.zone, name)
        if machine is None:
            raise errors.invalid_field(
                field, reference, "Machine type with name '%s' does not exist in zone '%s'." % (name, self.zone))
        return name, machine

    def _image(self, reference, field):
        image_project, is_family, name = resources.parse_image(reference, self.project, field)
        if is_family:
            entry = self.world.image_from_family(image_project, name)
            path = errors.resource_path(image_project, "global", "images", "family", name)
        else:
            entry = self.world.image(image_project, name)
            path = errors.resource_path(image_project, "global", "images", name)
        if entry is None:
            raise errors.not_found(path)
        return image_project, entry

    def _disk_type(self, params, machine_name, size, field):
        """The disk type asked for (or the series' default), refused when unknown, not for this series or
        machine size, or ``size`` GB is outside its range."""
        allowed = self.catalog.disk_types_for(machine_name)
        reference = params.get("diskType")
        if not reference:
            return allowed[0]
        name = resources.last_segment(reference)
        if name not in self.catalog.disk_types:
            raise errors.invalid_field(field, reference, "The referenced diskType resource cannot be found.")
        refusal = self.catalog.disk_type_refusal(machine_name, name, size)
        if refusal:
            raise errors.invalid_field(field, reference, refusal)
        return name

    def _disks(self, request, instance_name, machine_name, machine, prefix):
        requested = request.get("disks") or []
        if not requested:
            raise errors.required_field(prefix + ".disks")
        if not requested[0].get("boot"):
            raise errors.invalid_field(
                prefix + ".disks[0].boot", "false", "The first disk of an instance must be its boot disk.")
        if any(disk.get("boot") for disk in requested[1:]):
            raise errors.bad_request("An instance has exactly one boot disk.", reason="invalid")
        disks = []
        boot_image = None
        for index, disk in enumerate(requested):
            field = "%s.disks[%d]" % (prefix, index)
            params = disk.get("initializeParams")
            if disk.get("source") or not params:
                source = disk.get("source") or ""
                raise errors.not_found(
                    errors.resource_path(self.project, "zones", self.zone, "disks", resources.last_segment(source)
                                         or "(none)"))
            image = None
            image_project = None
            if params.get("sourceImage"):
                image_project, image = self._image(params["sourceImage"], field + ".initializeParams.sourceImage")
            elif index == 0:
                raise errors.required_field(field + ".initializeParams.sourceImage")
            if index == 0:
                boot_image = image
            size = self._disk_size(params, image, field)
            disk_type = self._disk_type(params, machine_name, size, field + ".initializeParams.diskType")
            disk_name = params.get("diskName") or (instance_name if index == 0 else "%s-%d" % (instance_name, index))
            resources.check_name(disk_name, field + ".initializeParams.diskName")
            if (self.project, self.zone, disk_name) in self.world.disks:
                raise errors.already_exists(errors.resource_path(self.project, "zones", self.zone, "disks", disk_name))
            attached = {
                "kind": "compute#attachedDisk",
                "type": disk.get("type", "PERSISTENT"),
                "mode": disk.get("mode", "READ_WRITE"),
                "source": resources.url(self.project, "zones", self.zone, "disks", disk_name),
                "deviceName": disk.get("deviceName") or disk_name,
                "index": index,
                "boot": index == 0,
                "autoDelete": bool(disk.get("autoDelete", False)),
                "interface": disk.get("interface") or machine["diskInterface"],
                "diskSizeGb": str(size),
                "architecture": "X86_64",
            }
            if image is not None:
                attached["licenses"] = self.catalog.license_urls(image_project, image)
                attached["guestOsFeatures"] = [{"type": feature} for feature in image["guestOsFeatures"]]
            key = disks_module.encryption_key(disk.get("diskEncryptionKey"), field + ".diskEncryptionKey")
            if key:
                attached["diskEncryptionKey"] = key
            disks.append(attached)
            self.built_disks.append(disks_module.disk_json(
                self.world, self.project, self.zone, disk_name, size, disk_type, image_project, image,
                resources.url(self.project, "zones", self.zone, "instances", instance_name), key))
        return disks, boot_image

    @staticmethod
    def _disk_size(params, image, field):
        image_size = int(image["diskSizeGb"]) if image else 10
        raw = params.get("diskSizeGb")
        if raw in (None, "", 0, "0"):
            return image_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            raise errors.invalid_field(field + ".initializeParams.diskSizeGb", raw, "Must be an integer.")
        if size < image_size:
            raise errors.invalid_field(
                field + ".initializeParams.diskSizeGb", raw,
                "Requested disk size cannot be smaller than the image size (%d GB)" % image_size)
        return size

    def scheduling_of(self, requested, prefix):
        """A Scheduling request checked and with its defaults filled in (insert and setScheduling)."""
        return self._scheduling(requested, prefix)

    def _scheduling(self, requested, prefix):
        model = requested.get("provisioningModel") or ("SPOT" if requested.get("preemptible") else "STANDARD")
        if model not in PROVISIONING_MODELS:
            raise errors.invalid_field(prefix + ".scheduling.provisioningModel", model, "Unknown provisioning model.")
        interruptible = model in ("SPOT", "FLEX_START") or requested.get("preemptible")
        maintenance = requested.get("onHostMaintenance") or ("TERMINATE" if interruptible else "MIGRATE")
        if maintenance not in MAINTENANCE_POLICIES:
            raise errors.invalid_field(
                prefix + ".scheduling.onHostMaintenance", maintenance, "Must be one of MIGRATE, TERMINATE.")
        if interruptible and maintenance != "TERMINATE":
            raise errors.invalid_field(
                prefix + ".scheduling.onHostMaintenance", maintenance,
                "Spot and preemptible instances must set onHostMaintenance to TERMINATE.")
        scheduling = {
            "onHostMaintenance": maintenance,
            "automaticRestart": bool(requested.get("automaticRestart", not interruptible)),
            "preemptible": bool(requested.get("preemptible", False)),
            "provisioningModel": model,
        }
        if interruptible and scheduling["automaticRestart"]:
            raise errors.invalid_field(
                prefix + ".scheduling.automaticRestart", "true",
                "Spot and preemptible instances cannot restart automatically.")
        for passthrough in ("instanceTerminationAction", "hostErrorTimeoutSeconds"):
            if passthrough in requested:
                scheduling[passthrough] = requested[passthrough]
        return scheduling

    def _network_interfaces(self, requested, prefix):
        if not requested:
            raise errors.required_field(prefix + ".networkInterfaces")
        nics = []
        for index, nic in enumerate(requested):
            field = "%s.networkInterfaces[%d]" % (prefix, index)
            network_project, network = resources.parse_network(
                nic.get("network") or "global/networks/default", self.project, field + ".network")
            if network != "default":
                raise errors.not_found(errors.resource_path(network_project, "global", "networks", network))
            subnet_project, subnet_region, subnet = resources.parse_subnetwork(
                nic.get("subnetwork") or "default", network_project, self.region, field + ".subnetwork")
            if subnet != "default" or subnet_region not in self.catalog.regions:
                raise errors.not_found(
                    errors.resource_path(subnet_project, "regions", subnet_region, "subnetworks", subnet))
            if subnet_region != self.region:
                raise errors.invalid_field(
                    field + ".subnetwork", nic.get("subnetwork"),
                    "Subnetwork must be in the same region as the instance ('%s')." % self.region)
            address = nic.get("networkIP")
            if address:
                if not self.world.internal_ip_valid(self.catalog.subnet_range(self.region), address):
                    raise errors.invalid_field(
                        field + ".networkIP", address, "Requested internal IP is outside the subnetwork range.")
            else:
                address = self.world.allocate_internal_ip(self.project, self.region, self.taken_internal)
            self.taken_internal.append(address)
            body = {
                "kind": "compute#networkInterface",
                "network": resources.url(network_project, "global", "networks", "default"),
                "subnetwork": resources.url(subnet_project, "regions", self.region, "subnetworks", "default"),
                "networkIP": address,
                "name": "nic%d" % index,
                "fingerprint": resources.fingerprint([index, address]),
                "stackType": nic.get("stackType", "IPV4_ONLY"),
            }
            if nic.get("nicType"):
                body["nicType"] = nic["nicType"]
            access_configs = []
            for ac_index, access in enumerate(nic.get("accessConfigs") or []):
                kind = access.get("type", "ONE_TO_ONE_NAT")
                if kind != "ONE_TO_ONE_NAT":
                    raise errors.invalid_field(
                        "%s.accessConfigs[%d].type" % (field, ac_index), kind, "Must be ONE_TO_ONE_NAT.")
                nat_ip = access.get("natIP") or self.world.allocate_external_ip(self.project, self.taken_external)
                self.taken_external.append(nat_ip)
                access_configs.append({
                    "kind": "compute#accessConfig",
                    "type": kind,
                    "name": access.get("name", "External NAT"),
                    "natIP": nat_ip,
                    "networkTier": access.get("networkTier", "PREMIUM"),
                })
            if access_configs:
                body["accessConfigs"] = access_configs
            nics.append(body)
        return nics

    def _shielded(self, requested, image, prefix):
        shielded = {"enableSecureBoot": False, "enableVtpm": True, "enableIntegrityMonitoring": True}
        shielded.update({k: bool(v) for k, v in requested.items() if k in shielded})
        if shielded["enableSecureBoot"] and "UEFI_COMPATIBLE" not in image["guestOsFeatures"]:
            raise errors.invalid_field(
                prefix + ".shieldedInstanceConfig.enableSecureBoot", "true",
                "Secure Boot needs an image with the UEFI_COMPATIBLE guest OS feature.")
        return shielded

    def _service_accounts(self, requested):
        accounts = []
        for account in requested or []:
            email = account.get("email") or "default"
            if email == "default":
                email = "%s-compute@developer.gserviceaccount.com" % self.catalog.project_number
            accounts.append({"email": email, "scopes": list(account.get("scopes") or [])})
        return accounts
