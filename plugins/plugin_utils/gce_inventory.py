# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ``confidential.tdx.gce`` inventory decides, as pure logic.

Which instances become hosts, under which name, in which automatic groups,
what the cache is keyed on, and how an API failure is told to the user (the
API filter is module_utils/gce/filters.py's, shared with gce_instance_info). No Ansible objects and no API calls here: the
plugin (plugins/inventory/gce.py) feeds instance summaries in (the shape
``instance_view.summarize_with_tdx`` returns, plus ``project``) and acts on
the answers.
"""

import hashlib
import json
import re

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import effective_auth_kind

# hostnames choice -> the summary field that holds it.
HOSTNAME_FIELDS = {
    "public_ip": "external_ip",
    "private_ip": "internal_ip",
    "name": "name",
}
DEFAULT_HOSTNAMES = ("public_ip", "private_ip", "name")

# How error messages name the plugin.
PLUGIN_LABEL = "confidential.tdx.gce inventory"

# The single host variable that carries an instance's summary.
HOST_VAR = "gce"

# Automatic groups: GROUP_PREFIX + "_" + kind + "_" + sanitized value.
GROUP_PREFIX = "gce"
AUTOMATIC_GROUP_FIELDS = (
    ("project", "project"),
    ("zone", "zone"),
    ("status", "status"),
    ("confidential", "confidential_instance_type"),
)
# confidential group of an instance that is not a Confidential VM at all.
NOT_CONFIDENTIAL = "none"

# The API's largest page: every page is one HTTP call.
PAGE_SIZE = 500

_UNSAFE_GROUP_CHARACTERS = re.compile(r"[^a-z0-9_]")


def check_hostnames(preference):
    """A one-line message when the hostnames option is unusable, else None."""
    allowed = ", ".join(DEFAULT_HOSTNAMES)
    if not preference:
        return "hostnames: give at least one of %s" % allowed
    unknown = [choice for choice in preference if choice not in HOSTNAME_FIELDS]
    if unknown:
        return "hostnames: %s is not a known choice; use %s" % (", ".join(map(str, unknown)), allowed)
    return None


def choose_hostname(summary, preference):
    """The first of ``preference`` the instance has (an IP only once assigned), or None."""
    for choice in preference:
        value = summary.get(HOSTNAME_FIELDS[choice])
        if value:
            return value
    return None


def group_part(value):
    """``value`` as a piece of a group name: lowercase letters, digits and underscores."""
    return _UNSAFE_GROUP_CHARACTERS.sub("_", str(value).lower())


def automatic_groups(summary):
    """The automatic group names of an instance summary, e.g. gce_zone_us_central1_a."""
    groups = []
    for kind, field in AUTOMATIC_GROUP_FIELDS:
        value = summary.get(field)
        if field == "confidential_instance_type" and not value:
            value = NOT_CONFIDENTIAL
        if value:
            groups.append("%s_%s_%s" % (GROUP_PREFIX, kind, group_part(value)))
    group = managing_group(summary)
    if group:
        groups.append("%s_group_%s" % (GROUP_PREFIX, group_part(group)))
    return groups


def managing_group(summary):
    """The managed instance group that made the instance, or None.

    Compute Engine writes it into each member's metadata as ``created-by``
    (projects/NUMBER/zones/Z/instanceGroupManagers/NAME, or regions/R/...);
    an instance made otherwise has no such key.
    """
    parts = str((summary.get("metadata") or {}).get("created-by") or "").split("/")
    if len(parts) >= 2 and parts[-2] == "instanceGroupManagers" and parts[-1]:
        return parts[-1]
    return None


def is_tdx(summary):
    """Whether the instance was created as an Intel TDX trust domain."""
    return summary.get("confidential_instance_type") == tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE


def query_fingerprint(projects, zones, filters, api_endpoint):
    """A short digest of what is asked of the API, so a cache entry is reused only for the same question."""
    basis = json.dumps([list(projects or ()), list(zones or ()), list(filters or ()), api_endpoint or ""])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:12]


def place(summaries, preference):
    """Decide the host name of each summary.

    Returns ``(hosts, skipped)``: ``hosts`` is a list of ``(hostname, summary)``
    in a stable order (project, zone, name); ``skipped`` a list of one-line
    reasons for the instances that cannot be hosts (none of the preferred
    names, or a name another instance already has).
    """
    hosts = []
    skipped = []
    taken = {}
    for summary in sorted(summaries, key=lambda item: (item.get("project") or "", item.get("zone") or "",
                                                       item.get("name") or "")):
        label = describe_instance(summary)
        hostname = choose_hostname(summary, preference)
        if not hostname:
            skipped.append("%s (status %s) has none of hostnames %s; skipped" % (
                label, summary.get("status"), ", ".join(preference)))
            continue
        if hostname in taken:
            skipped.append("%s would be host %s, which %s already is; skipped (add another choice to "
                           "hostnames or narrow the listing)" % (label, hostname, taken[hostname]))
            continue
        taken[hostname] = label
        hosts.append((hostname, summary))
    return hosts, skipped


def describe_instance(summary):
    return "instance %s/%s/%s" % (summary.get("project"), summary.get("zone"), summary.get("name"))


def listing_action(project, zone=None):
    """What the plugin was doing, as error messages name it."""
    if zone:
        return "list instances of project %s in zone %s" % (project, zone)
    return "list instances of project %s" % project


def credential_option(auth):
    """The option holding the credentials in use (auth options as module parameters), for a rejection."""
    kind = effective_auth_kind(auth)
    if kind == "accesstoken":
        return "access_token"
    if kind == "serviceaccount":
        return "service_account_contents" if auth.get("service_account_contents") else "service_account_file"
    return "auth_kind"


def explain_listing_error(error, project, zone=None, credentials="auth_kind"):
    """One line that names the option to change and how, for a failed listing.

    ``error`` is a GceError from the shared client layer (its ``message`` is
    already one line and free of credentials; ``details`` may carry the HTTP
    status, the API's reason and message). The API's own words are kept; the
    option and the fix are the inventory's, not a module's.
    """
    details = getattr(error, "details", {}) or {}
    status = details.get("http_status")
    if not isinstance(status, int):
        return "%s: %s" % (PLUGIN_LABEL, error.message)
    reason = details.get("reason")
    api_message = details.get("api_message") or ""
    option, fix = _inventory_fix(status, api_message, project, zone, details.get("attempts"), credentials)
    what = "HTTP %s%s" % (status, " %s" % reason if reason else "")
    text = "%s: %s failed: %s" % (PLUGIN_LABEL, listing_action(project, zone), what)
    if api_message:
        text += ": %s" % api_message
    if option:
        text += "; option %s" % option
    if fix:
        text += "; fix: %s" % fix
    return " ".join(text.split())


def _inventory_fix(status, api_message, project, zone, attempts, credentials):
    if status == 400 and "filter" in api_message.lower():
        return "filters", "write each entry as one API filter expression, for example labels.env = prod"
    if status in (400, 404) and zone and "zone" in api_message.lower():
        return "zones", "zone %s is not a Compute Engine zone; correct or remove it (for example us-central1-a)" % zone
    if status == 401:
        return credentials, ("the credentials were rejected: renew them, and check that they are meant for "
                             "api_endpoint and that auth_kind picks the ones intended")
    if status == 403:
        return "projects", ("grant the credentials the Compute Viewer role (compute.instances.list) in project "
                            "%s and check that the Compute Engine API is enabled there, or remove it from "
                            "projects" % project)
    if status == 404:
        return "projects", "project %s does not exist; check the project ID" % project
    if status == 429 or status >= 500:
        tried = " after %s attempts" % attempts if attempts else ""
        return "wait_timeout", "the API kept failing%s; retry later or raise wait_timeout" % tried
    return None, None
