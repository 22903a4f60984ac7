# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fleet mode: the instances of O(instances) in one task, converging at once, each reported on its own."""

import traceback

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import compute_v1
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError, describe
from ansible_collections.confidential.tdx.plugins.module_utils.gce.fleet import OperationWatcher, run_each
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import disk_location, short_name
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import boot_disk
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.instance_task import (
    InstanceTask,
    InstanceTaskFailed,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.shape import diff_view
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.validation import validate


def entry_params(task_params, entry):
    """The options of one O(instances) entry: the task's, overridden by what the entry sets.

    A zone given in the entry (zone or zones) replaces both zone options of
    the task; dictionaries and lists replace the task's, they are not merged.
    """
    params = dict(task_params, instances=None)
    given = dict((key, value) for key, value in entry.items() if value is not None)
    if "zone" in given or "zones" in given:
        params["zone"] = params["zones"] = None
    params.update(given)
    return params


class FleetTask:
    """A gce_instance task over O(instances): every member converges at once, each reported on its own."""

    def __init__(self, gce):
        self.gce = gce
        self.members = [entry_params(gce.params, entry) for entry in gce.params["instances"]]
        # Tracebacks of members that failed on an unexpected exception (a bug, not an API
        # answer): the report keeps its one line, -vvv shows these (the result's exception).
        self.tracebacks = []

    def run(self):
        """(result, failure message or None)."""
        reports = [None] * len(self.members)
        tasks = []
        for index, params in enumerate(self.members):
            problems = validate(params)
            if problems:
                reports[index] = self.report(params, failed="; ".join(problems))
            else:
                tasks.append((index, params))
        if tasks:
            self.converge(tasks, reports)
        return self.summary(reports)

    def converge(self, tasks, reports):
        gce = self.gce
        gce.api.limit_concurrency(gce.params["concurrency"])
        gce.api.operation_watcher = OperationWatcher(gce.api)
        compute_v1()  # imported once, here, rather than by the first thread that needs it
        # One list call finds every member, wherever it is, instead of a get per instance.
        listing = gce.instances.named_any_of([params["name"] for dummy, params in tasks],
                                             "find the instances of the task")
        boot_disks = self.read_boot_disks(listing, [params for dummy, params in tasks if params["state"] != "absent"])
        members = [InstanceTask(gce, params, listing=listing[params["name"]], read_back=False, boot_disks=boot_disks)
                   for dummy, params in tasks]
        outcomes = run_each(members, lambda member: member.run())
        changed_names = []
        for (index, params), outcome in zip(tasks, outcomes):
            member = outcome.item
            if outcome.failed:
                reports[index] = self.failed_report(member, outcome.error)
            else:
                reports[index] = dict(outcome.value, name=member.name, failed=False)
            if reports[index]["changed"] and params["state"] != "absent":
                changed_names.append(member.name)
        if changed_names and not gce.check_mode:
            self.read_back(changed_names, reports)

    def read_boot_disks(self, listing, kept):
        """{(project, zone, name): Disk} of the boot disks of the instances found, one list call per zone.

        Each boot disk's sourceImage tells the image its instance was made
        from. None when a list call fails: each member then reads its own.
        """
        by_zone = {}
        for params in kept:
            for instance in listing[params["name"]]:
                location = disk_location(boot_disk(instance).get("source"))
                if location:
                    by_zone.setdefault(location[:2], set()).add(location[2])
        found = {}
        try:
            for (project, zone), names in sorted(by_zone.items()):
                for disk in self.gce.instances.disks_named(project, zone, names):
                    found[(project, zone, disk["name"])] = disk
        except GceError:
            return None
        return found

    def read_back(self, names, reports):
        """Return the changed instances as they are now, read with one list call."""
        try:
            now = self.gce.instances.named_any_of(names, "read the changed instances back")
        except GceError as error:
            # The changes themselves were made: the reports keep the expected views, and say so.
            self.gce.warn_once("the changed instances were not read back (%s); their results show what was "
                               "asked for, not what the API holds" % error)
            return
        for report in reports:
            current = now.get(report["name"])
            if not current or report.get("zone") is None:
                continue
            for instance in current:
                if short_name(instance.get("zone")) == report["zone"]:
                    report["instance"] = summarize(instance)
                    if "diff" in report:  # the image read with the instance is kept, not read again
                        report["diff"]["after"].update(diff_view(report["instance"]))

    def failed_report(self, member, error):
        if isinstance(error, InstanceTaskFailed):
            message, extra = error.message, error.result
        else:
            message, extra = describe(error, "%s instance %s" % (member.params["state"], member.name)).message, {}
            if not isinstance(error, GceError):
                self.tracebacks.append("instance %s:\n%s" % (member.name, "".join(
                    traceback.format_exception(type(error), error, error.__traceback__))))
        # RV(instances[].actions) lists the calls made, the failed one marked; changed: whether any acted.
        return self.report(member.params, failed=message, changed=member.wrote and not self.gce.check_mode,
                           actions=member.actions, skipped_zones=member.skipped_zones, **extra)

    @staticmethod
    def report(params, failed=None, changed=False, actions=(), skipped_zones=(), instance=None, image_outdated=None,
               error=None):
        report = dict(name=params["name"], changed=changed, failed=bool(failed), actions=list(actions),
                      skipped_zones=list(skipped_zones), instance=instance or {})
        if image_outdated is not None:
            report["image_outdated"] = image_outdated
        if error:
            report["error"] = error
        if failed:
            report["msg"] = failed
        return report

    def summary(self, reports):
        result = dict(changed=any(report["changed"] for report in reports), instances=reports)
        if self.gce.diff_mode:
            result["diff"] = [dict(report["diff"], before_header=report["name"], after_header=report["name"])
                              for report in reports if report.get("diff") and report["changed"]]
        failed = [report for report in reports if report["failed"]]
        if self.tracebacks:
            result["exception"] = "\n".join(self.tracebacks)
        if not failed:
            return result, None
        message = "%d of %d instances failed: %s" % (
            len(failed), len(reports), "; ".join("%s: %s" % (report["name"], report["msg"]) for report in failed))
        return result, message
