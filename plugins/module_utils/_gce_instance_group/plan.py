# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance_group's decisions (pure logic): checks, the wanted group, what differs, the view."""

import re

from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_region_name,
    check_wait_timeout,
    check_zone_name,
    excerpt,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN, short_name

# A health check by URL or path: projects/P/global/healthChecks/N or projects/P/regions/R/healthChecks/N.
HEALTH_CHECK = re.compile(r"(?:https?://[^/\s]+/(?:[^/\s]+/)*)?projects/[^/\s]+/(?:global|regions/[a-z]+-[a-z]+[0-9]+)"
                          r"/healthChecks/" + NAME_PATTERN.pattern)
# Compute Engine's range for autoHealingPolicies[].initialDelaySec.
MAX_INITIAL_DELAY = 3600


def problems(params):
    """Every problem with the options, one line each naming the option (empty when fine)."""
    found = [check_wait_timeout(params["wait_timeout"])]
    if not NAME_PATTERN.fullmatch(params["name"] or ""):
        found.append("name: %r is not a valid group name; use 1-63 lowercase letters, digits and hyphens, "
                     "starting with a letter" % params["name"])
    if params["zone"] is not None:
        found.append(check_zone_name(params["zone"]))
    if params["region"] is not None:
        found.append(check_region_name(params["region"]))
    for index, zone in enumerate(params["zones"] or ()):
        found.append(check_zone_name(zone, "zones"))
        if params["region"] and not zone.startswith(params["region"] + "-"):
            found.append("zones: %s is not in region %s; list zones of the region" % (zone, params["region"]))
        if zone in params["zones"][:index]:
            found.append("zones: %s is listed twice; list each zone once" % zone)
    if params["health_check"] == "":
        found.append("health_check: empty; leave it out to keep the group's autohealing (removing it is not "
                     "offered: the client library cannot send the empty list it needs)")
    elif params["health_check"] and not HEALTH_CHECK.fullmatch(params["health_check"]):
        found.append("health_check: %s is not a health check; give its URL or "
                     "projects/PROJECT/global/healthChecks/NAME" % excerpt(params["health_check"]))
    if not 0 <= params["initial_delay_sec"] <= MAX_INITIAL_DELAY:
        found.append("initial_delay_sec: %d is out of range; give 0 to %d seconds"
                     % (params["initial_delay_sec"], MAX_INITIAL_DELAY))
    base = params["base_instance_name"]
    if base is not None and (not NAME_PATTERN.fullmatch(base) or len(base) > 58):
        found.append("base_instance_name: %r is not valid; use 1-58 lowercase letters, digits and hyphens, "
                     "starting with a letter (Compute Engine adds a hyphen and 4 characters)" % base)
    if params["state"] == "present":
        if not params["template"]:
            found.append("template: not set; give the instance template (name or URL), for example the "
                         "template.self_link that confidential.tdx.gce_instance_template returns")
        if params["size"] is None:
            found.append("size: not set; give the number of members (0 or more)")
        elif params["size"] < 0:
            found.append("size: %d is negative; give 0 or more members" % params["size"])
    for option in ("max_surge", "max_unavailable"):
        if params[option] is not None and params[option] < 0:
            found.append("%s: %d is negative; give 0 or more instances" % (option, params[option]))
    if params["max_surge"] == 0 and params["max_unavailable"] == 0:
        found.append("max_unavailable: 0 with max_surge 0 would never replace a member; set either above 0")
    zones = len(params["zones"] or ())
    if params["region"] and zones > 1:
        for option in ("max_surge", "max_unavailable"):
            if params[option] and params[option] < zones:
                found.append("%s: %d is fewer than the group's %d zones; a regional group needs 0 or at least "
                             "one per zone" % (option, params[option], zones))
    return [problem for problem in found if problem]


def template_path(project, template):
    """projects/P/global/instanceTemplates/N for a template name, path or URL."""
    if "/" not in template:
        return "projects/%s/global/instanceTemplates/%s" % (project, template)
    marker = template.find("projects/")
    return template[marker:] if marker >= 0 else template


def location_path(project, params):
    if params["zone"]:
        return "projects/%s/zones/%s" % (project, params["zone"])
    return "projects/%s/regions/%s" % (project, params["region"])


def wanted_policy(params):
    policy = {"type": params["update_type"], "minimalAction": params["minimal_action"]}
    if params["max_surge"] is not None:
        policy["maxSurge"] = {"fixed": params["max_surge"]}
    if params["max_unavailable"] is not None:
        policy["maxUnavailable"] = {"fixed": params["max_unavailable"]}
    return policy


def wanted_healing(params):
    if not params["health_check"]:
        return []
    return [{"healthCheck": params["health_check"], "initialDelaySec": params["initial_delay_sec"]}]


def insert_body(params, project, template_link):
    body = {"name": params["name"], "baseInstanceName": params["base_instance_name"] or params["name"],
            "instanceTemplate": template_link, "targetSize": params["size"], "updatePolicy": wanted_policy(params)}
    if params["zones"]:
        body["distributionPolicy"] = {"zones": [{"zone": "projects/%s/zones/%s" % (project, zone)}
                                                for zone in params["zones"]]}
    healing = wanted_healing(params)
    if healing:
        body["autoHealingPolicies"] = healing
    return body


def _same_template(have_link, want_path):
    return (have_link or "").endswith(want_path)


def differences(group, params, template_link):
    """The changes an existing group needs, in the order they are made: policy, template, size.

    The update policy first, so that it governs the rollout a new template starts.
    Returns (changes, refusals): changes as (kind, value), refusals as one-line messages.
    """
    changes = []
    refusals = []
    base = params["base_instance_name"]
    if base is not None and base != group.get("baseInstanceName"):
        refusals.append("base_instance_name: the group's members are named %s-...; a group keeps its base "
                        "name, delete the group (state: absent) to change it" % group.get("baseInstanceName"))
    if params["zones"]:
        have_zones = sorted(short_name(entry.get("zone")) for entry in
                            (group.get("distributionPolicy") or {}).get("zones") or ())
        if have_zones != sorted(params["zones"]):
            refusals.append("zones: the group runs in %s; a group keeps its zones, delete it (state: absent) to "
                            "move it" % ", ".join(have_zones))
    have = group.get("updatePolicy") or {}
    want = wanted_policy(params)
    policy_differs = any(
        (have.get(key) or {}).get("fixed") != value["fixed"] if isinstance(value, dict) else have.get(key) != value
        for key, value in want.items())
    healing = wanted_healing(params)
    # health_check left out leaves autohealing as it is (a task that only moves the template keeps it).
    healing_differs = params["health_check"] is not None and [
        dict((k, p.get(k)) for k in ("healthCheck", "initialDelaySec"))
        for p in group.get("autoHealingPolicies") or ()] != healing
    if policy_differs or healing_differs:
        patch = {"updatePolicy": want} if policy_differs else {}
        if healing_differs:
            patch["autoHealingPolicies"] = healing
        changes.append(("patch", patch))
    if not _same_template(group.get("instanceTemplate"), template_link):
        changes.append(("template", template_link))
    if int(group.get("targetSize") or 0) != params["size"]:
        changes.append(("size", params["size"]))
    return changes, refusals


def describe_change(kind, value):
    if kind == "patch":
        return "set %s" % " and ".join({"updatePolicy": "update policy",
                                        "autoHealingPolicies": "autohealing"}[key] for key in value)
    if kind == "template":
        return "set template %s" % short_name(value)
    return "resize to %d" % value


def view(group, members=None):
    """RV(group)."""
    if not group:
        return {}
    policy = group.get("updatePolicy") or {}
    return {
        "name": group.get("name"),
        "zone": short_name(group.get("zone")) if group.get("zone") else None,
        "region": short_name(group.get("region")) if group.get("region") else None,
        "zones": [short_name(entry.get("zone")) for entry in
                  (group.get("distributionPolicy") or {}).get("zones") or ()] or (
            [short_name(group.get("zone"))] if group.get("zone") else []),
        "template": short_name(group.get("instanceTemplate")),
        "target_size": int(group.get("targetSize") or 0),
        "base_instance_name": group.get("baseInstanceName"),
        "update_type": policy.get("type"),
        "max_surge": (policy.get("maxSurge") or {}).get("calculated"),
        "max_unavailable": (policy.get("maxUnavailable") or {}).get("calculated"),
        "minimal_action": policy.get("minimalAction"),
        "health_check": ((group.get("autoHealingPolicies") or [{}])[0]).get("healthCheck"),
        "is_stable": bool((group.get("status") or {}).get("isStable")),
        "self_link": group.get("selfLink"),
        "members": [{"name": member.get("name") or short_name(member.get("instance")),
                     "zone": short_name(member.get("instance", "").split("/instances/")[0]),
                     "status": member.get("instanceStatus"),
                     "current_action": member.get("currentAction"),
                     "template": short_name((member.get("version") or {}).get("instanceTemplate"))}
                    for member in members or ()],
    }
