# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What gce_instance_group does once its options are parsed: check, read, change, wait until stable, answer."""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group.plan import (
    describe_change,
    differences,
    insert_body,
    location_path,
    problems,
    template_path,
    view,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import (
    OPERATION_POLL_PAUSE_FIRST,
    OPERATION_POLL_PAUSE_GROWTH,
    OPERATION_POLL_PAUSE_MAX,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.group_calls import GroupCalls
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import is_not_found
from ansible_collections.confidential.tdx.plugins.module_utils.gce.write_task import WriteTask, run_write_task

# How a wait for a stable group asks again (seconds): as an operation is
# polled, soon at first, since a group whose write is DONE is often a moment
# from stable (its members' own inserts end just after), then less often, at
# most every few seconds. A fixed 2 s pause cost a whole 2 s on a group that
# was stable a few milliseconds after the first look (docs/performance.md,
# "A managed instance group against a fleet task").
STABLE_POLL_FIRST = OPERATION_POLL_PAUSE_FIRST
STABLE_POLL_GROWTH = OPERATION_POLL_PAUSE_GROWTH
STABLE_POLL_MAX = OPERATION_POLL_PAUSE_MAX


class GroupTask(WriteTask):
    def __init__(self, gce):
        super(GroupTask, self).__init__(gce)
        self.door = GroupCalls(gce.api, self.params["name"], self.params)

    def template(self):
        """The template's path; refused unless it exists and makes TDX VMs."""
        path = template_path(self.gce.api.project, self.params["template"])
        project, name = path.split("/")[1], path.rsplit("/", 1)[-1]
        try:
            template = self.gce.api.read("InstanceTemplatesClient", "get", "GetInstanceTemplateRequest",
                                         "read template %s" % name, project=project, instance_template=name)
        except GceError as error:
            if is_not_found(error):
                self.gce.fail("template: %s does not exist in project %s; create it with "
                              "confidential.tdx.gce_instance_template" % (name, project))
            raise
        kind = ((template.get("properties") or {}).get("confidentialInstanceConfig") or {}).get(
            "confidentialInstanceType")
        if kind != tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE:
            self.gce.fail("template: %s makes %s VMs, not %s trust domains; use a template made by "
                          "confidential.tdx.gce_instance_template" % (name, kind or "non-confidential",
                                                                      tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE))
        return path

    def until_stable(self, group):
        """The group once status.isStable (or as it stands in check mode / without wait)."""
        if not self.params["wait"] or self.gce.check_mode:
            return group

        def timed_out(group):
            self.gce.fail("group %s is not stable after %d s (wait_timeout): current actions %s; it may "
                          "still get there, raise wait_timeout or run the task again" % (
                              self.params["name"], self.gce.api.deadline.seconds,
                              dict((k, v) for k, v in (group.get("currentActions") or {}).items() if v)),
                          changed=self.wrote, actions=self.actions, group=view(group))

        return self.poll_until(group, lambda group: (group.get("status") or {}).get("isStable"),
                               lambda: self.door.get() or {}, timed_out,
                               (STABLE_POLL_FIRST, STABLE_POLL_GROWTH, STABLE_POLL_MAX))

    def present(self):
        link = self.template()
        group = self.door.get()
        before = view(group)
        if group is None:
            if self.params["region"] and not self.params["zones"]:
                listed = [zone for zone in tdx_catalog.TDX_ZONES if zone.startswith(self.params["region"] + "-")]
                self.gce.warn_once(
                    "zones: not set, so Compute Engine picks the zones of %s, and not every zone offers TDX "
                    "(the collection's list names %s); set zones to TDX zones" % (
                        self.params["region"], ", ".join(listed) or "none there"))
            body = insert_body(self.params, self.gce.api.project, link)
            where = location_path(self.gce.api.project, self.params)
            self.act("create group %s of %d in %s" % (self.params["name"], self.params["size"], where.split("/")[-1]),
                     lambda: self.door.insert(body, "create group %s" % self.params["name"]))
        else:
            changes, refusals = differences(group, self.params, link)
            if refusals:
                self.gce.fail("; ".join(refusals), changed=False, actions=[])
            for kind, value in changes:
                action = describe_change(kind, value)
                self.act(action, lambda kind=kind, value=value, action=action: self.door.change(kind, value, action))
        if self.gce.check_mode:
            planned = dict(before or {}, name=self.params["name"], template=link.rsplit("/", 1)[-1],
                           target_size=self.params["size"])
            return self.answer(before, planned)
        group = self.until_stable(self.door.get() or {})
        return self.answer(before, view(group, self.door.members()))

    def absent(self):
        group = self.door.get()
        before = view(group)
        if group is not None:
            self.act("delete group %s" % self.params["name"],
                     lambda: self.door.delete("delete group %s" % self.params["name"]))
        return self.answer(before, {})

    def answer(self, before, after):
        result = dict(changed=bool(self.actions), actions=self.actions, group=after)
        if self.gce.diff_mode:
            shown = ("name", "zone", "region", "zones", "template", "target_size", "update_type", "max_surge",
                     "max_unavailable", "minimal_action")
            result["diff"] = {"before": dict((k, before.get(k)) for k in shown) if before else {},
                              "after": dict((k, after.get(k)) for k in shown) if after else {}}
        return result


def run(gce):
    present = gce.params["state"] == "present"
    run_write_task(gce, problems(gce.params), GroupTask, lambda task: task.present() if present else task.absent(),
                   "%s group %s" % (gce.params["state"], gce.params["name"]))
