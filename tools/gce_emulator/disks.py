"""Disks and the projects' own images: disks.get/list/resize and images.insert from a disk.

An instance's disks are Disk resources from its insert on: the boot disk
keeps ``sourceImage`` (the image it was made from, resolved from a family to
the image itself), the image's ``licenses`` and ``guestOsFeatures``. An image
made from a disk (``images.insert`` with ``sourceDisk``) carries that disk's
licenses, as on Compute Engine: one built from an Ubuntu disk names
``projects/ubuntu-os-cloud/global/licenses/...``, whatever project it is in,
so licenses never tell which image an instance came from; the boot disk's
``sourceImage`` does. Its ``guestOsFeatures`` are the source disk's plus those
the request lists (``TDX_CAPABLE`` for a custom TDX image). A disk asked for
with a Cloud KMS key (``diskEncryptionKey.kmsKeyName``, CMEK) shows it on the
disk and on the instance's attached disk with the key version appended.
"""

import re

from . import errors, instances, resources


# A Cloud KMS key as Compute Engine takes it for a disk (CMEK).
KMS_KEY_NAME = re.compile(r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")
# Compute Engine answers with the key version that encrypted the disk appended
# (terraform-provider-google strips it when it reads a disk back).
KMS_KEY_VERSION = "/cryptoKeyVersions/1"


def encryption_key(requested, field):
    """The diskEncryptionKey a disk keeps for a request's, or None; only Cloud KMS keys are modelled."""
    if not requested:
        return None
    unknown = set(requested) - {"kmsKeyName", "kmsKeyServiceAccount"}
    if unknown:
        raise errors.bad_request("The emulator models Cloud KMS keys only, not %s." % ", ".join(sorted(unknown)),
                                 reason="unsupported")
    name = requested.get("kmsKeyName") or ""
    if not KMS_KEY_NAME.fullmatch(name):
        raise errors.invalid_field(field + ".kmsKeyName", name, "Must be a Cloud KMS key of the form "
                                   "projects/P/locations/L/keyRings/R/cryptoKeys/K.")
    key = {"kmsKeyName": name + KMS_KEY_VERSION}
    if requested.get("kmsKeyServiceAccount"):
        key["kmsKeyServiceAccount"] = requested["kmsKeyServiceAccount"]
    return key


def disk_json(world, project, zone, name, size_gb, disk_type, image_project, image, user_link, key=None):
    """The Disk resource an instance's insert makes."""
    body = {
        "kind": "compute#disk",
        "id": world.ids.resource_id(),
        "creationTimestamp": resources.timestamp(world.clock()),
        "name": name,
        "sizeGb": str(size_gb),
        "zone": resources.url(project, "zones", zone),
        "status": "READY",
        "selfLink": resources.url(project, "zones", zone, "disks", name),
        "type": resources.url(project, "zones", zone, "diskTypes", disk_type),
        "users": [user_link],
        "labelFingerprint": instances.labels_fingerprint(None),
        "physicalBlockSizeBytes": "4096",
        "architecture": "X86_64",
    }
    if key:
        body["diskEncryptionKey"] = dict(key)
    if image is not None:
        body["sourceImage"] = resources.url(image_project, "global", "images", image["name"])
        body["sourceImageId"] = image["id"]
        body["licenses"] = world.catalog.license_urls(image_project, image)
        body["guestOsFeatures"] = [{"type": feature} for feature in image["guestOsFeatures"]]
        body["lastAttachTimestamp"] = body["creationTimestamp"]
    return body


def store(world, built_disks):
    for body in built_disks:
        world.disks[_key(body)] = body


def _key(body):
    parts = resources.split_reference(body["selfLink"])  # projects/P/zones/Z/disks/N
    return parts[1], parts[3], parts[5]


def forget_instance(world, instance, failed_insert=False):
    """The instance is gone: its auto-delete disks go with it, the others lose it as a user.

    ``failed_insert``: its insert failed, so every disk it made goes (none was ever usable).
    """
    link = instance.body["selfLink"]
    for attached in instance.body.get("disks") or ():
        if not attached.get("source"):  # an instance a test loaded (admin load_state) names no disk
            continue
        key = _key({"selfLink": attached["source"]})
        disk = world.disks.get(key)
        if disk is None:
            continue
        if attached.get("autoDelete") or failed_insert:
            del world.disks[key]
        else:
            disk["users"] = [user for user in disk.get("users", []) if user != link]
            if not disk["users"]:
                del disk["users"]


def _disk(call):
    key = (call.project, call.zone, call.params["disk"])
    disk = call.world.disks.get(key)
    if disk is None:
        raise errors.not_found(errors.resource_path(call.project, "zones", call.zone, "disks", call.params["disk"]))
    return disk


def disks_get(call):
    return 200, _disk(call)


def disks_resize(call, start):
    """Grow only: a smaller or equal size is refused, as the API refuses shrinking a disk."""
    disk = _disk(call)
    raw = (call.body or {}).get("sizeGb")
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise errors.required_field("sizeGb") if raw in (None, "") else errors.invalid_field(
            "sizeGb", raw, "Must be an integer.")
    current = int(disk["sizeGb"])
    if size <= current:
        raise errors.invalid_field(
            "sizeGb", raw, "New disk size '%d GB' must be larger than existing size '%d GB'." % (size, current))
    low, high = (call.world.catalog.disk_type_limits.get(disk["type"].rsplit("/", 1)[-1]) or {}).get(
        "sizeGb") or (None, None)
    if high is not None and size > high:
        raise errors.invalid_field("sizeGb", raw, "Disk size %d GB is outside the range of disk type %s (%d to %d GB)."
                                   % (size, disk["type"].rsplit("/", 1)[-1], low, high))

    def resized():
        disk["sizeGb"] = str(size)
        for user in disk.get("users", []):
            parts = resources.split_reference(user)
            instance = call.world.instances.get((parts[1], parts[3], parts[5]))
            for attached in (instance.body.get("disks") or ()) if instance else ():
                if attached.get("source") == disk["selfLink"]:
                    attached["diskSizeGb"] = str(size)
        return None

    return start(disk["selfLink"], disk["id"], resized)


def images_insert(call, start):
    """A custom image from a source disk of the project: its licenses, its features plus the asked-for ones."""
    body = call.body or {}
    name = body.get("name")
    resources.check_name(name, "resource.name")
    if (call.project, name) in call.world.custom_images or call.world.catalog.image(call.project, name):
        raise errors.already_exists(errors.resource_path(call.project, "global", "images", name))
    source = body.get("sourceDisk")
    if not source:
        raise errors.bad_request("The emulator makes images from a sourceDisk only.", "unsupported")
    parts = resources.split_reference(source)
    if len(parts) < 4 or parts[-2] != "disks" or parts[-4] != "zones":
        raise errors.invalid_field("resource.sourceDisk", source, "The referenced disk resource cannot be found.")
    disk_project = parts[1] if parts[0] == "projects" else call.project
    disk = call.world.disks.get((disk_project, parts[-3], parts[-1]))
    if disk is None:
        raise errors.not_found(errors.resource_path(disk_project, "zones", parts[-3], "disks", parts[-1]))
    features = [feature["type"] for feature in disk.get("guestOsFeatures", [])]
    for feature in body.get("guestOsFeatures") or ():
        if feature.get("type") and feature["type"] not in features:
            features.append(feature["type"])
    entry = {
        "id": call.world.ids.resource_id(),
        "name": name,
        "family": body.get("family"),
        "creationTimestamp": resources.timestamp(call.world.clock()),
        "diskSizeGb": disk["sizeGb"],
        "archiveSizeBytes": str(int(disk["sizeGb"]) * 1024 ** 3 // 8),
        "description": body.get("description", ""),
        "licenseUrls": list(disk.get("licenses", [])),
        "guestOsFeatures": features,
        "sourceDisk": disk["selfLink"],
        "sourceDiskId": disk["id"],
        "labels": dict(body.get("labels") or {}),
        "labelFingerprint": instances.labels_fingerprint(body.get("labels")),
    }
    link = resources.url(call.project, "global", "images", name)

    def made():
        call.world.custom_images[(call.project, name)] = entry
        return None

    return start(link, entry["id"], made)
