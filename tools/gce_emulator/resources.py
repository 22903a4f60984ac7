"""Resource URLs, references, names, ids, timestamps and fingerprints.

Google answers with absolute ``selfLink`` URLs on www.googleapis.com whatever
endpoint was called, and accepts references in several spellings (a bare name,
``zones/Z/machineTypes/N``, ``projects/P/...``, or a full URL). Both directions
live here so that every handler spells and reads them the same way.
"""

import base64
import datetime
import hashlib
import json
import random
import re

from . import errors

API_PREFIX = "https://www.googleapis.com/compute/v1/"

# RFC 1035 label, as Compute Engine enforces it for resource names.
NAME_PATTERN = "(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)"
_NAME_RE = re.compile(r"\A%s\Z" % NAME_PATTERN)

_URL_HEAD_RE = re.compile(r"\A(?:https?://[^/]+)?/?(?:compute/(?:v1|beta|alpha)/)?")


def url(project, *parts):
    return API_PREFIX + "/".join(("projects", project) + tuple(parts))


def is_valid_name(name):
    return isinstance(name, str) and bool(_NAME_RE.match(name))


def check_name(name, field="resource.name"):
    if name in (None, ""):
        raise errors.required_field(field)
    if not is_valid_name(name):
        raise errors.invalid_field(field, name, "Must be a match of regex '%s'" % NAME_PATTERN)


def split_reference(reference):
    """A reference without scheme, host and API version, split on '/'."""
    return [part for part in _URL_HEAD_RE.sub("", reference or "").split("/") if part]


def parse_machine_type(reference, zone, field):
    """The machine type name of a reference; its zone must be the instance's zone."""
    parts = split_reference(reference)
    if len(parts) == 1:
        return parts[0]
    if len(parts) >= 4 and parts[-2] == "machineTypes" and parts[-4] == "zones":
        if parts[-3] != zone:
            raise errors.invalid_field(
                field, reference, "Machine type zone '%s' does not match instance zone '%s'." % (parts[-3], zone)
            )
        return parts[-1]
    raise errors.invalid_field(field, reference, "Unknown machine type reference.")


def parse_image(reference, project, field):
    """``(image_project, is_family, name)`` of an image reference."""
    parts = split_reference(reference)
    image_project = project
    if len(parts) >= 2 and parts[0] == "projects":
        image_project, parts = parts[1], parts[2:]
    if parts[:2] == ["global", "images"]:
        parts = parts[2:]
    if len(parts) == 2 and parts[0] == "family":
        return image_project, True, parts[1]
    if len(parts) == 1:
        return image_project, False, parts[0]
    raise errors.invalid_field(field, reference, "The referenced image resource cannot be found.")


def parse_network(reference, project, field):
    parts = split_reference(reference)
    network_project = project
    if len(parts) >= 2 and parts[0] == "projects":
        network_project, parts = parts[1], parts[2:]
    if parts[:2] == ["global", "networks"] and len(parts) == 3:
        return network_project, parts[2]
    if len(parts) == 1:
        return network_project, parts[0]
    raise errors.invalid_field(field, reference, "The referenced network resource cannot be found.")


def parse_subnetwork(reference, project, region, field):
    parts = split_reference(reference)
    subnet_project = project
    if len(parts) >= 2 and parts[0] == "projects":
        subnet_project, parts = parts[1], parts[2:]
    if len(parts) == 4 and parts[0] == "regions" and parts[2] == "subnetworks":
        return subnet_project, parts[1], parts[3]
    if len(parts) == 1:
        return subnet_project, region, parts[0]
    raise errors.invalid_field(field, reference, "The referenced subnetwork resource cannot be found.")


def last_segment(reference):
    parts = split_reference(reference)
    return parts[-1] if parts else ""


def timestamp(epoch_seconds):
    """RFC 3339 with milliseconds and an offset, as Compute Engine writes them."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+00:00" % (moment.microsecond // 1000)


def fingerprint(value):
    """An opaque 8-byte fingerprint of a value, base64 like Google's."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(hashlib.sha256(canonical).digest()[:8]).decode("ascii")


class IdSource:
    """Numeric resource ids (uint64, sent as strings) and operation names."""

    def __init__(self, seed=None):
        self._random = random.Random(seed)

    def resource_id(self):
        return str(self._random.randrange(10 ** 18, 10 ** 19))

    def operation_name(self, epoch_seconds):
        return "operation-%d-%013x-%08x-%08x" % (
            int(epoch_seconds * 1000),
            self._random.getrandbits(52),
            self._random.getrandbits(32),
            self._random.getrandbits(32),
        )
