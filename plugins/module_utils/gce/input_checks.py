# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of option values that the API would refuse, made before any call.

Each ``check_*`` function returns None when the value is fine, or a
one-line message naming the option, what is wrong and what is allowed. A
value is quoted only in part (``excerpt``), so a mistake such as a file's
contents pasted into a name gives a line a user can read. Credentials are
never quoted at all.
"""

import ipaddress
import re

from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    NAME_PATTERN,
    without_key_version,
)

# Compute Engine's forms of names and references, from its API reference.
NETWORK_NAME = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
NETWORK_REFERENCE = re.compile(
    r"(?:https://[^/\s]+/compute/(?:v1|beta|alpha)/)?projects/[^/\s]+/"
    r"(?:global/networks|regions/[a-z0-9-]+/subnetworks)/[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
METADATA_KEY = re.compile(r"[a-zA-Z0-9_-]{1,128}")
# REGION-LETTER, the region being words and a number (us-central1-a,
# northamerica-northeast1-b); whether the zone exists is the API's to say.
ZONE_NAME = re.compile(r"[a-z]+(?:-[a-z]+)*[0-9]+-[a-z]")
REGION_NAME = re.compile(r"[a-z]+-[a-z]+[0-9]+")
# SERIES-KIND-SIZE and custom types (c3-standard-4, n2-custom-4-16384).
MACHINE_TYPE_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
# Project IDs: 6-30 lowercase letters, digits and hyphens, starting with a
# letter; older projects may carry a domain prefix (example.com:my-project).
PROJECT_ID = re.compile(r"(?:[a-z0-9][-a-z0-9.]*[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
SCOPE = re.compile(r"https://www\.googleapis\.com/auth/[-a-zA-Z0-9._/]+")
# What an OAuth2 bearer token may hold (RFC 6750 b64token): no spaces or controls.
ACCESS_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

# Compute Engine's persistent disk types (a boot disk is one of them).
DISK_TYPES = ("pd-standard", "pd-balanced", "pd-ssd", "pd-extreme", "hyperdisk-balanced",
              "hyperdisk-balanced-high-availability", "hyperdisk-extreme", "hyperdisk-ml",
              "hyperdisk-throughput")
MAX_DISK_SIZE_GB = 65536

# No name, zone, image, URL or label Compute Engine accepts is longer; a
# longer value is a mistake (a file pasted in), refused without quoting it.
# Metadata values (startup scripts) may be far longer and are not limited here.
MAX_OPTION_LENGTH = 2048
EXCERPT_LENGTH = 60


def excerpt(value):
    """A value as it may appear in a one-line message: as it is when short and printable,
    quoted when it holds line breaks or other controls, cut to its start (and length) when long."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > EXCERPT_LENGTH:
        return "%r... (%d characters)" % (text[:EXCERPT_LENGTH], len(text))
    return text if text and text.isprintable() else repr(text)


def _lengths(value, path, unlimited):
    """(option path, length) of every string in a parameter value, nested ones included."""
    if isinstance(value, str):
        yield path, len(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = "%s.%s" % (path, excerpt(str(key)))
            yield inner, len(str(key))
            if key not in unlimited:
                yield from _lengths(item, inner, unlimited)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _lengths(item, "%s[%d]" % (path, index), unlimited)


# Options (at any depth) whose values may be long: metadata (startup
# scripts) and a service-account key's JSON.
UNLIMITED_OPTIONS = ("metadata", "service_account_contents")


def check_lengths(params, unlimited=UNLIMITED_OPTIONS):
    """One message per option holding a string longer than MAX_OPTION_LENGTH, never quoting it."""
    problems = []
    for option in sorted(params):
        if option in unlimited or option.startswith("_") or params.get(option) is None:
            continue
        for path, length in _lengths(params[option], option, unlimited):
            if length > MAX_OPTION_LENGTH:
                problems.append("%s: a value of %d characters, longer than any Compute Engine name, URL or "
                                "label (at most %d); check what was passed in" % (path, length, MAX_OPTION_LENGTH))
                break
    return problems


def check_network(value, option):
    if value is None:
        return None
    if NETWORK_NAME.fullmatch(value) or NETWORK_REFERENCE.fullmatch(value):
        return None
    return ("%s: %s is neither a name (lowercase letters, digits and hyphens, starting with a letter) nor a "
            "reference such as projects/PROJECT/global/networks/NAME" % (option, excerpt(value)))


# A Cloud KMS key as Compute Engine takes it for a disk's customer-managed encryption key.
KMS_KEY_NAME = re.compile(r"projects/[a-z][-a-z0-9]*/locations/[-a-z0-9]+/keyRings/[-_a-zA-Z0-9]+/"
                          r"cryptoKeys/[-_a-zA-Z0-9]+")


def check_kms_key_name(value, option):
    if value is None or KMS_KEY_NAME.fullmatch(value):
        return None
    if KMS_KEY_NAME.fullmatch(without_key_version(value)):
        return "%s: names a key version; give the key itself, without /cryptoKeyVersions/N" % option
    return ("%s: %s is not a Cloud KMS key name; give projects/PROJECT/locations/LOCATION/keyRings/RING/"
            "cryptoKeys/KEY" % (option, excerpt(value)))


def check_ipv4_address(value, option):
    """An address to give an interface: a dotted IPv4 address (the API's networkIP and natIP)."""
    if value is None:
        return None
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return ("%s: %s is not an IPv4 address; give the address itself (four numbers with dots), not the "
                "name it was reserved under" % (option, excerpt(value)))
    return None


def label_text(value):
    """A label value as the API holds it: YAML's true is the label value true, no value is the empty value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def check_labels(labels, option="labels"):
    """One message per label that Compute Engine would refuse (``labels`` as text: key -> value)."""
    return ["%s: %s=%s is not a valid label; keys start with a lowercase letter, keys and values use "
            "lowercase letters, digits, _ and -, up to 63 characters" % (option, excerpt(key), excerpt(value))
            for key, value in sorted((labels or {}).items())
            if not LABEL_KEY.fullmatch(key) or not LABEL_VALUE.fullmatch(value)]


def check_metadata_keys(metadata, option="metadata"):
    bad = [excerpt(key) for key in sorted(metadata or (), key=str) if not METADATA_KEY.fullmatch(str(key))]
    if bad:
        return ("%s: %s is not a metadata key; keys are 1-128 letters, digits, _ and -"
                % (option, ", ".join(bad)))
    return None


def check_zone_name(value, option="zone"):
    if not isinstance(value, str) or not ZONE_NAME.fullmatch(value):
        return "%s: %s is not a zone name; give REGION-LETTER, e.g. us-central1-a" % (option, excerpt(value))
    return None


def check_region_name(value, option="region"):
    if not isinstance(value, str) or not REGION_NAME.fullmatch(value):
        return "%s: %s is not a region name; give e.g. us-central1" % (option, excerpt(value))
    return None


def group_problems(params, option):
    """The problems of a group's name (the option ``option``; left out, none) and place (``zone`` or ``region``)."""
    found = []
    if params[option] is not None and not NAME_PATTERN.fullmatch(params[option]):
        found.append("%s: %s is not a group name; use 1-63 lowercase letters, digits and hyphens, starting with a "
                     "letter" % (option, excerpt(params[option])))
    if params["zone"] is not None:
        found.append(check_zone_name(params["zone"]))
    if params["region"] is not None:
        found.append(check_region_name(params["region"]))
    return [problem for problem in found if problem]


def check_machine_type_name(value, option="machine_type"):
    if not isinstance(value, str) or not MACHINE_TYPE_NAME.fullmatch(value):
        return "%s: %s is not a machine type name; give SERIES-KIND-SIZE, e.g. c3-standard-4" % (
            option, excerpt(value))
    return None


def check_disk_type(value, option="boot_disk_type"):
    if value not in DISK_TYPES:
        return "%s: %s is not a Compute Engine disk type; use one of %s" % (option, excerpt(value), ", ".join(DISK_TYPES))
    return None


def check_disk_size(size_gb, image_size_gb=None, option="boot_disk_size_gb"):
    """The boot disk's size against the API's range and the image's own size (when known)."""
    if size_gb is None:
        return None
    if size_gb < 1 or size_gb > MAX_DISK_SIZE_GB:
        return "%s: %s must be between 1 and %d GB" % (option, size_gb, MAX_DISK_SIZE_GB)
    if image_size_gb and size_gb < image_size_gb:
        return "%s: %s GB is smaller than the image (%s GB); give at least %s or leave it out" % (
            option, size_gb, image_size_gb, image_size_gb)
    return None


def check_service_account(value, option="service_account"):
    if value is None or value == "default" or EMAIL.fullmatch(value):
        return None
    return "%s: %s is not a service account; give its email address or default" % (option, excerpt(value))


def check_scopes(scopes, option):
    bad = [excerpt(scope) for scope in scopes or () if not SCOPE.fullmatch(scope)]
    if bad:
        return ("%s: %s is not an OAuth2 scope; give full URLs such as "
                "https://www.googleapis.com/auth/cloud-platform" % (option, ", ".join(bad)))
    return None


def check_wait_timeout(seconds, option="wait_timeout"):
    if seconds <= 0:
        return "%s: %s must be a positive number of seconds" % (option, seconds)
    return None


def check_project(value, option="project"):
    if value is None or PROJECT_ID.fullmatch(value):
        return None
    return ("%s: %s is not a project ID (6-30 lowercase letters, digits and hyphens, starting with a "
            "letter); give the ID, not the project's display name" % (option, excerpt(value)))


def check_access_token(value, option="access_token"):
    """Never quotes the token."""
    if value and not ACCESS_TOKEN.fullmatch(value):
        return ("%s: holds spaces, line breaks or other characters a bearer token cannot have; give the "
                "token alone (gcloud auth print-access-token)" % option)
    return None
