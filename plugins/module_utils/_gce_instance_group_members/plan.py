# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance_group_members' decisions (pure logic): checks, what to create or delete, when the wait is over."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_wait_timeout,
    excerpt,
    group_problems,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import NAME_PATTERN, short_name

# What listManagedInstances says of a member that is made and left alone.
SETTLED_ACTION = "NONE"


def problems(params):
    """Every problem with the options, one line each naming the option (empty when fine)."""
    found = [check_wait_timeout(params["wait_timeout"])] + group_problems(params, "group")
    if not params["members"]:
        found.append("members: the list is empty; name the members to make or delete")
    for index, name in enumerate(params["members"] or ()):
        if not NAME_PATTERN.fullmatch(name or ""):
            found.append("members: %s is not an instance name; use 1-63 lowercase letters, digits and hyphens, "
                         "starting with a letter" % excerpt(name))
        elif name in params["members"][:index]:
            found.append("members: %s is listed twice; list each member once" % name)
    return [problem for problem in found if problem]


def member_name(member):
    return member.get("name") or short_name(member.get("instance"))


def member_zone(member):
    return short_name((member.get("instance") or "").split("/instances/")[0])


def changes(members, wanted, state):
    """The names to create (present) or the members to delete (absent), in the order asked.

    ``members``: listManagedInstances entries. A member being deleted is
    already on its way out: it is neither made again under its name nor
    deleted twice (present waits for it to be gone first: see settled()).
    """
    by_name = dict((member_name(m), m) for m in members)
    if state == "present":
        return [name for name in wanted if name not in by_name]
    return [by_name[name] for name in wanted
            if name in by_name and by_name[name].get("currentAction") != "DELETING"]


def unsettled(members, wanted, state):
    """The named members not yet as asked, each with what it is doing; empty when the wait is over."""
    by_name = dict((member_name(m), m) for m in members)
    waiting = []
    for name in wanted:
        member = by_name.get(name)
        if state == "absent":
            if member is not None:
                waiting.append("%s %s" % (name, (member.get("currentAction") or "present").lower()))
        elif member is None:
            waiting.append("%s not yet listed" % name)
        elif member.get("currentAction") != SETTLED_ACTION or member.get("instanceStatus") != "RUNNING":
            waiting.append("%s %s (%s)" % (name, (member.get("currentAction") or "").lower(),
                                           member.get("instanceStatus") or "no status"))
    return waiting


def member_view(member, instance=None):
    """RV(members[]): a member as listManagedInstances shows it, with its addresses when its instance was read."""
    view = {
        "name": member_name(member),
        "zone": member_zone(member),
        "status": member.get("instanceStatus"),
        "current_action": member.get("currentAction"),
        "template": short_name((member.get("version") or {}).get("instanceTemplate")),
    }
    if instance is not None:
        view["internal_ip"] = instance.get("internal_ip")
        view["external_ip"] = instance.get("external_ip")
    return view
