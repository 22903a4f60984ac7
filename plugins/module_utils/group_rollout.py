# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A managed instance group moved to a new template in waves gated on attestation (playbooks/rollout.yml).

Pure decisions, no calls: which members each wave replaces and what the
new ones are called (plan), whether a wave's new members passed the verify
role (wave_outcome), and the rollout's account (summary).

A wave adds its new members first (createInstances, from the new
template) and deletes the old members they replace only once every new
one passed verify; a wave that does not pass deletes its own new members
and the group goes back to the old template, so the old members of that
wave and of every later one are never touched.
"""

import hashlib

from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN, short_name

# Compute Engine names a group's members BASE-XXXX (4 characters); the new
# members here follow that form, with characters drawn from a hash so that
# the plan of a rollout is the same each time it is made.
SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SUFFIX_LENGTH = 4
MAX_BASE_NAME = 58  # instanceGroupManagers.baseInstanceName


def _suffix(seed, attempt):
    digest = hashlib.sha256(("%s#%d" % (seed, attempt)).encode("utf-8")).digest()
    return "".join(SUFFIX_ALPHABET[byte % len(SUFFIX_ALPHABET)] for byte in digest[:SUFFIX_LENGTH])


def new_member_name(base, template, old_member, taken):
    """BASE-XXXX for the member that replaces ``old_member`` with ``template``, not among ``taken``."""
    attempt = 0
    while True:
        name = "%s-%s" % (base, _suffix("%s/%s" % (template, old_member), attempt))
        if name not in taken:
            return name
        attempt += 1


def _by_zone_in_turn(members):
    """Members ordered so that consecutive ones are in different zones where the group allows it."""
    zones = {}
    for member in sorted(members, key=lambda m: (m.get("zone") or "", m["name"])):
        zones.setdefault(member.get("zone") or "", []).append(member)
    ordered = []
    while any(zones.values()):
        for zone in sorted(zones):
            if zones[zone]:
                ordered.append(zones[zone].pop(0))
    return ordered


def plan_problems(group, template, wave_size, canary):
    """Why no rollout can start (one line each, naming the variable), before anything is changed."""
    found = []
    if not isinstance(wave_size, int) or isinstance(wave_size, bool) or wave_size < 1:
        found.append("tdx_rollout_wave_size: %r is not a number of members; give 1 or more" % (wave_size,))
    if not isinstance(canary, bool):
        found.append("tdx_rollout_canary: %r is not true or false" % (canary,))
    if not template or not isinstance(template, str):
        found.append("tdx_rollout_template: not set; give the name of the TDX instance template to roll out "
                     "(made with confidential.tdx.gce_instance_template)")
    if not group:
        found.append("tdx_rollout_group: no such group in the zone or region given; check tdx_rollout_group and "
                     "tdx_rollout_region (or tdx_rollout_zone)")
        return found
    if not group.get("is_stable"):
        busy = sorted(set(m.get("current_action") for m in group.get("members") or ()
                          if m.get("current_action") != "NONE"))
        found.append("tdx_rollout_group: group %s is not stable (members %s); wait until it is, then run the "
                     "rollout again" % (group.get("name"), ", ".join(a.lower() for a in busy if a) or "missing"))
    base = group.get("base_instance_name") or ""
    if not NAME_PATTERN.fullmatch(base) or len(base) > MAX_BASE_NAME:
        found.append("tdx_rollout_group: the group's base instance name %r cannot name new members" % base)
    return found


def plan(group, template, wave_size=1, canary=False):
    """The waves that move ``group`` (gce_instance_group_info's view) to ``template`` (a name).

    Each wave: ``number``, ``remove`` (old members, by name) and ``add``
    (their replacements' names, in the same order). Members already made
    from ``template`` are left (``kept``): a rollout run again after it
    stopped goes on with the members still to replace. With ``canary`` the
    first wave replaces one member.
    """
    template = short_name(template)
    members = group.get("members") or []
    old = _by_zone_in_turn([m for m in members if m.get("template") != template])
    kept = sorted(m["name"] for m in members if m.get("template") == template)
    previous = group.get("template")
    if previous == template:
        # The group is on the new template already: a rollout that stopped half way, or one done by hand.
        previous = next((m.get("template") for m in old), previous)
    taken = set(m["name"] for m in members)
    waves = []
    position = 0
    while position < len(old):
        size = 1 if canary and not waves else wave_size
        chosen = old[position:position + size]
        position += size
        added = []
        for member in chosen:
            name = new_member_name(group["base_instance_name"], template, member["name"], taken)
            taken.add(name)
            added.append(name)
        waves.append({"number": len(waves) + 1, "remove": [m["name"] for m in chosen], "add": added})
    return {
        "group": group.get("name"),
        "zone": group.get("zone"),
        "region": group.get("region"),
        "from_template": previous,
        "to_template": template,
        "size": group.get("target_size"),
        "update_type": group.get("update_type"),
        "minimal_action": group.get("minimal_action"),
        "kept": kept,
        "waves": waves,
    }


def wave_outcome(wave, results, reached):
    """Whether a wave's new members all passed verify.

    ``results``: new member name to its ``verify_result`` (absent for a
    member that verify never judged); ``reached``: name to the reason a
    member could not be verified at all (not made, no address, no SSH).
    Returns ``passed`` and, per new member, ``verdict``, ``verified`` and
    ``why`` (empty when it passed).
    """
    members = []
    for name in wave["add"]:
        result = results.get(name)
        if name in reached and reached[name]:
            members.append({"name": name, "verdict": None, "verified": False, "why": [reached[name]]})
        elif not isinstance(result, dict):
            members.append({"name": name, "verdict": None, "verified": False,
                            "why": ["verify gave no verdict for this member"]})
        else:
            members.append({"name": name, "verdict": result.get("verdict"),
                            "verified": result.get("verified") is True,
                            "why": [] if result.get("verified") is True else list(result.get("failures") or [])})
    return {"number": wave["number"], "remove": list(wave["remove"]), "add": list(wave["add"]),
            "members": members, "passed": bool(members) and all(m["verified"] for m in members)}


def summary(rollout_plan, outcomes, rolled_back):
    """The rollout's account: every wave as it went, what the group was left on, and one headline."""
    waves = len(rollout_plan["waves"])
    replaced = [name for outcome in outcomes if outcome["passed"] for name in outcome["remove"]]
    failed = next((outcome for outcome in outcomes if not outcome["passed"]), None)
    verdicts = sorted(set(m["verdict"] for outcome in outcomes for m in outcome["members"] if m["verdict"]))
    if not waves:
        headline = "group %s is on template %s already: nothing to roll out" % (
            rollout_plan["group"], rollout_plan["to_template"])
    elif failed is None and len(outcomes) == waves:
        headline = "group %s rolled to template %s: %d of %d waves, %d members replaced, each new member passed " \
                   "verify (verdicts: %s)" % (rollout_plan["group"], rollout_plan["to_template"], waves, waves,
                                              len(replaced), ", ".join(v.upper() if v == "test root" else v
                                                                       for v in verdicts) or "none")
    elif failed is not None:
        refused = "; ".join("%s: %s" % (m["name"], "; ".join(m["why"])) for m in failed["members"] if not m["verified"])
        headline = "group %s: rollout to template %s stopped at wave %d of %d (%s); %s" % (
            rollout_plan["group"], rollout_plan["to_template"], failed["number"], waves, refused,
            "the group is back on template %s, its new members of that wave deleted, its old ones kept" %
            rollout_plan["from_template"] if rolled_back else "the group was NOT put back: see the failed task")
    else:
        headline = "group %s: rollout to template %s ended after %d of %d waves" % (
            rollout_plan["group"], rollout_plan["to_template"], len(outcomes), waves)
    return {
        "fleet_report": fleet_report(outcomes, "finished" if failed is None and len(outcomes) == waves else
                                     "stopped at wave %d of %d" % (len(outcomes), waves)),
        "group": rollout_plan["group"],
        "from_template": rollout_plan["from_template"],
        "to_template": rollout_plan["to_template"],
        "waves_planned": waves,
        "waves": outcomes,
        "replaced": replaced,
        "passed": failed is None and len(outcomes) == waves,
        "rolled_back": bool(rolled_back),
        "template_now": rollout_plan["from_template"] if rolled_back else rollout_plan["to_template"],
        "headline": headline,
    }


def fleet_report(outcomes, state):
    """The rollout as the fleet report (the fleet_report module's O(report)): a row per new member made.

    A member of a wave that passed is provisioned and verified; one of the
    wave that did not pass says why, and that it was deleted. Hardening is
    not a step of a rollout (the template's image is what it is): null.
    """
    rows = []
    for outcome in outcomes:
        for member in outcome["members"]:
            why = "; ".join(member["why"])
            if not outcome["passed"]:
                why = "%s%sdeleted: wave %d did not pass" % (why, "; " if why else "", outcome["number"])
            rows.append({"host": member["name"], "instance": member["name"], "zone": None, "address": None,
                         "provisioned": member["verdict"] is not None, "hardened": None,
                         "verified": member["verified"], "why": why})
    return {"hosts": len(rows), "provisioned": sum(1 for row in rows if row["provisioned"]), "hardened": 0,
            "verified": sum(1 for row in rows if row["verified"]), "rollout": state, "rows": rows}
