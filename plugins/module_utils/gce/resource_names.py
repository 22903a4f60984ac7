# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compute Engine resource names and URLs: parsing and building, no API calls."""

import re
from collections import namedtuple

# RFC 1035 label, as Compute Engine requires for instance names.
NAME_PATTERN = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
ZONE_PATTERN = re.compile(r"[a-z]+-[a-z]+[0-9]+-[a-z]")

# ``family`` is True for an image family, False for an image, None when the
# short PROJECT/NAME form leaves it open (then the family is tried first).
ImageRef = namedtuple("ImageRef", ["project", "name", "family"])

_IMAGE_PATH = re.compile(
    r"(?:https?://[^/]+/compute/(?:v1|beta|alpha)/)?"
    r"projects/(?P<project>[^/]+)/global/images/(?:(?P<family>family)/)?(?P<name>[^/]+)"
)
_IMAGE_SHORT = re.compile(r"(?P<project>[a-z][-a-z0-9.:]*)/(?:(?P<family>family)/)?(?P<name>[a-z][-a-z0-9]*)")


def short_name(url):
    """The last path segment of a resource URL (or the value itself)."""
    if not url:
        return url
    return url.rstrip("/").rsplit("/", 1)[-1]


def region_of(zone):
    return zone.rsplit("-", 1)[0]


def parse_image(spec):
    """Parse the image option into an ImageRef, or None if it has no known form."""
    for pattern in (_IMAGE_PATH, _IMAGE_SHORT):
        match = pattern.fullmatch(spec or "")
        if match:
            if match.group("family"):
                family = True
            elif pattern is _IMAGE_PATH:
                family = False
            else:
                family = None
            return ImageRef(match.group("project"), match.group("name"), family)
    return None


def named_image_path(project, name):
    """``projects/P/global/images/NAME``: the one form images are compared in."""
    return "projects/%s/global/images/%s" % (project, name)


def image_path(reference):
    """``projects/P/global/images/NAME`` for an image URL or path in any of the API's forms, or None.

    The API writes a disk's ``sourceImage`` and an image's ``selfLink`` as
    full URLs; a task may give the same image as a path. Family references
    (``.../images/family/F``) name no one image and give None.
    """
    match = _IMAGE_PATH.fullmatch(reference or "")
    if not match or match.group("family"):
        return None
    return named_image_path(match.group("project"), match.group("name"))


def image_label(ref):
    """How an ImageRef is shown in messages: PROJECT/family/NAME or PROJECT/NAME."""
    if ref.family:
        return "%s/family/%s" % (ref.project, ref.name)
    return "%s/%s" % (ref.project, ref.name)


def machine_type_path(zone, machine_type):
    return "zones/%s/machineTypes/%s" % (zone, machine_type)


def network_path(project, network):
    if "/" in network:
        return network
    return "projects/%s/global/networks/%s" % (project, network)


def subnetwork_path(project, region, subnetwork):
    if "/" in subnetwork:
        return subnetwork
    return "projects/%s/regions/%s/subnetworks/%s" % (project, region, subnetwork)


def disk_type_path(zone, disk_type):
    return "zones/%s/diskTypes/%s" % (zone, disk_type)


def without_key_version(kms_key_name):
    """A Cloud KMS key name without the ``/cryptoKeyVersions/N`` the API appends to a disk's key."""
    return kms_key_name.split("/cryptoKeyVersions/")[0]


def disk_location(disk_url):
    """(project, zone, name) of a zonal disk URL (an attached disk's ``source``), or None."""
    match = re.search(r"projects/([^/]+)/zones/([^/]+)/disks/([^/]+)$", disk_url or "")
    return match.groups() if match else None
