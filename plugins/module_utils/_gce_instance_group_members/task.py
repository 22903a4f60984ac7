# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What gce_instance_group_members does once its options are parsed: check, read, create or delete, wait, answer."""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group_members.plan import (
    changes,
    member_name,
    member_view,
    member_zone,
    problems,
    unsettled,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.group_calls import GroupCalls
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import is_not_found
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import short_name
from ansible_collections.confidential.tdx.plugins.module_utils.gce.write_task import WriteTask, run_write_task


class MembersTask(WriteTask):
    def __init__(self, gce):
        super(MembersTask, self).__init__(gce)
        self.calls = GroupCalls(gce.api, self.params["group"], self.params)

    def where(self):
        return "zone %s" % self.params["zone"] if self.params["zone"] else "region %s" % self.params["region"]

    def run(self):
        group = self.calls.get()
        if group is None:
            self.gce.fail("group: %s does not exist in %s; create it with confidential.tdx.gce_instance_group"
                          % (self.params["group"], self.where()))
        wanted, state = self.params["members"], self.params["state"]
        members = self.calls.members()
        before = sorted(member_name(m) for m in members)
        todo = changes(members, wanted, state)
        if todo and state == "present":
            action = "create members %s" % ", ".join(todo)
            self.act(action, lambda: self.calls.create_members(todo, action))
        elif todo:
            action = "delete members %s" % ", ".join(member_name(m) for m in todo)
            self.act(action, lambda: self.calls.delete_members([m["instance"] for m in todo], action))
        if self.gce.check_mode:
            after = sorted(set(before) | set(todo)) if state == "present" else sorted(
                set(before) - set(member_name(m) for m in todo))
            return self.answer(group, members, before, after, planned=True)
        if self.params["wait"]:
            members = self.until_settled(members if not self.wrote else self.calls.members())
        elif self.wrote:
            members = self.calls.members()
        return self.answer(self.calls.get() or group, members, before, sorted(member_name(m) for m in members))

    def until_settled(self, members):
        """The group's members once every named one is as asked (running, or gone)."""
        def waiting(members):
            return unsettled(members, self.params["members"], self.params["state"])

        def timed_out(members):
            undo = ("the group keeps trying to make them; to give their places back, run with state: absent"
                    if self.params["state"] == "present" else "the group goes on deleting them")
            self.gce.fail("group %s: %s after %d s (wait_timeout); %s" % (
                self.params["group"], "; ".join(waiting(members)), self.gce.api.deadline.seconds, undo),
                changed=self.wrote, actions=self.actions, members=[member_view(m) for m in members])

        return self.poll_until(members, lambda members: not waiting(members), self.calls.members, timed_out)

    def instance(self, member):
        """The named member's instance, summarized (its addresses); {} when it is already gone."""
        try:
            return summarize(self.gce.api.read("InstancesClient", "get", "GetInstanceRequest",
                                               "read member %s" % member_name(member), project=self.gce.api.project,
                                               zone=member_zone(member), instance=member_name(member)))
        except GceError as error:
            if is_not_found(error):
                return {}
            raise

    def answer(self, group, members, before, after, planned=False):
        named = set(self.params["members"])
        read = not planned and self.params["state"] == "present"
        views = [member_view(m, self.instance(m) if read and member_name(m) in named else None) for m in members]
        result = dict(changed=bool(self.actions), actions=self.actions, members=views,
                      group={"name": group.get("name"), "template": short_name(group.get("instanceTemplate")),
                             "target_size": int(group.get("targetSize") or 0)})
        if self.gce.diff_mode:
            result["diff"] = {"before": {"members": before}, "after": {"members": after}}
        return result


def run(gce):
    run_write_task(gce, problems(gce.params), MembersTask, lambda task: task.run(),
                   "%s members of group %s" % (gce.params["state"], gce.params["group"]))
