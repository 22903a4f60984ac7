# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One instance of a gce_instance task: read it, compare it with the task, act."""

import copy
import functools

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import CAPACITY_ERROR_CODES, GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    disk_location,
    image_path,
    parse_image,
    short_name,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    boot_disk,
    catalog_warning_machine_type,
    check_boot_disk_type,
    live_problems,
    machine_type_change_problems,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import boot_image_problem
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.comparison import (
    SCHEDULING_OPTIONS,
    SETTLING_STATES,
    STATUS_AFTER,
    STOPPED_ONLY_OPTIONS,
    STOPPING_STATES,
    compare,
    power_actions,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.image_identity import (
    OUTDATED,
    judge_image,
    warning,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.in_place import (
    InPlaceChanges,
    changed_since,
    sends,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.shape import (
    desired_body,
    diff_view,
    planned_view,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.validation import (
    catalog_warnings,
    named_as_written,
    requested_zones,
    zones_option,
)


# The share of wait_timeout kept back while changes are made to an instance
# the task stopped (or that other changes already went to): should one of
# them fail or run out of time, the rest is enough to set back what was
# changed and start the instance again. A start of a C3 VM takes tens of
# seconds; a third of the default wait_timeout is 200 s.
RESTORE_SHARE = 1.0 / 3

# Statuses an instance is found in that the task brings it back to by starting it again.
RUNNING_STATES = ("RUNNING", "PROVISIONING", "STAGING", "REPAIRING")


def prefer_available(untried, available):
    """The zones still to try, those the stockout named as having capacity first (each group in the user's order).

    Only zones the task lists are tried: one the error names that the task
    does not list is the user's to choose.
    """
    available = available or ()
    return [zone for zone in untried if zone in available] + [zone for zone in untried if zone not in available]


class InstanceTaskFailed(Exception):
    """The instance cannot be brought to the wanted state; ``result`` holds what to return with the message."""

    def __init__(self, message, **result):
        super(InstanceTaskFailed, self).__init__(message)
        self.message = message
        self.result = result


class InstanceTask:
    """One instance of a gce_instance task: read, compare, act.

    In fleet mode many run at once, each on its own thread, so nothing here
    may end the module (fail_json): failures are raised.
    """

    def __init__(self, gce, params=None, listing=None, read_back=True, boot_disks=None):
        self.gce = gce
        self.params = gce.params if params is None else params
        self.name = self.params["name"]
        self.zones = requested_zones(self.params)
        # The instances of this name in any zone, when the fleet has read them
        # for every member at once; None: read them here.
        self.listing = listing
        # {(project, zone, name): Disk} when the fleet has read the boot
        # disks of every member at once; None: read the boot disk here.
        self.boot_disks = boot_disks
        # Read the instance again after a change to return it as it now is;
        # a fleet reads all of its changed members at once instead.
        self.read_back = read_back
        # The changes a check-mode run would make, or the calls a run made, in order.
        self.actions = []
        # Whether any write of this task acted (RV(changed) of a failed task).
        self.wrote = False
        self.skipped_zones = []
        # Whether the instance, as the task leaves it, runs an image its
        # family no longer gives (RV(image_outdated)); None when absent.
        self.image_outdated = None
        # The boot image before and after the task (projects/P/global/images/NAME), for diff mode.
        self.image_before = self.image_after = None
        # The boot disk (disks.get) of the existing instance, once read.
        self.boot_disk_read = None

    def fail(self, message, **result):
        raise InstanceTaskFailed(message, **result)

    @property
    def calls(self):
        return self.gce.instances

    def run(self):
        try:
            return self._run()
        except GceError as error:
            raise named_as_written(error, self.params)

    def _run(self):
        existing, elsewhere = self.find()
        if self.params["state"] == "absent":
            return self.absent(existing)
        if existing is None and elsewhere is not None:
            existing = elsewhere  # same name in another zone: compare() blocks on the zone
        if existing is None:
            return self.create()
        return self.converge(existing)

    # Reading

    def find(self):
        """(instance in the wanted zones or None, instance of that name in another zone or None)."""
        if self.listing is not None:
            found = self._first_in_zones(self.listing)
            if found is not None or self.params["state"] == "absent":
                return found, None
            return None, (self.listing[0] if self.listing else None)
        if len(self.zones) == 1:
            found = self.calls.get(self.zones[0], self.name)
            if found is not None or self.params["state"] == "absent":
                return found, None
        elif self.params["state"] == "absent":
            return self._first_in_zones(self.calls.named_everywhere(self.name)), None
        # Not in the wanted zone(s): one list call tells whether the name is
        # used elsewhere, which would otherwise become a second instance.
        everywhere = self.calls.named_everywhere(self.name)
        found = self._first_in_zones(everywhere)
        if found is not None:
            return found, None
        return None, (everywhere[0] if everywhere else None)

    def _first_in_zones(self, instances):
        by_zone = dict((short_name(instance.get("zone")), instance) for instance in instances)
        for zone in self.zones:
            if zone in by_zone:
                return by_zone[zone]
        return None

    # Acting

    def finish(self, operation, action, last=False):
        """Wait for an operation unless it is the last one and wait is false."""
        if last and not self.params["wait"]:
            return operation
        return self.calls.wait(operation, action)

    def absent(self, existing):
        if existing is None:
            return self.result(False, {})
        zone = short_name(existing["zone"])
        if existing.get("deletionProtection"):
            if self.params["deletion_protection"] is not False:
                self.fail("instance %s has deletion protection; add deletion_protection: false to this "
                          "task to lift it and delete the instance" % self.name)
            self.actions.append("set deletion protection")
        self.actions.append("delete from %s" % zone)
        diff = {"before": diff_view(summarize(existing)), "after": {}}
        if not self.gce.check_mode:
            if existing.get("deletionProtection"):
                self.finish(self.calls.set_deletion_protection(zone, self.name, False),
                            "lift deletion protection of %s" % self.name)
                self.wrote = True
            self.finish(self.calls.delete(zone, self.name), "delete instance %s" % self.name, last=True)
            self.wrote = True
        return self.result(True, {}, diff=diff)

    def judge_image(self, existing):
        """The ImageJudgement of the existing instance's boot disk image against the task's image."""
        boot_image, reason = self.boot_image(existing)
        return judge_image(parse_image(self.params["image"]), boot_image, reason,
                           resolve=self._resolved_link, image_family=self._family_of)

    def boot_image(self, existing):
        """(the boot disk's sourceImage, None), or (None, why it cannot be known)."""
        source = boot_disk(existing).get("source")
        location = disk_location(source)
        if location is None:
            return None, "it names no boot disk" if not source else "its boot disk is %s" % source
        try:
            disk = self.boot_disks.get(location) if self.boot_disks is not None else self.calls.disk(*location)
        except GceError as error:
            return None, "reading its boot disk %s failed: %s" % (location[2], error)
        if disk is None:
            return None, "its boot disk %s no longer exists" % location[2]
        self.boot_disk_read = disk
        if not disk.get("sourceImage"):
            return None, "its boot disk %s records no sourceImage" % location[2]
        return disk["sourceImage"], None

    def _resolved_link(self, ref):
        image, from_family = self.calls.resolve_image(ref)
        return image["selfLink"], from_family

    def _family_of(self, link):
        try:
            image = self.calls.image_at(link)
        except GceError as error:
            return None, str(error)
        if image is None:
            return None, "it no longer exists"
        return image.get("family"), None

    def warn(self, message):
        if message:
            self.gce.module.warn(message)

    def resolve_image(self):
        ref = parse_image(self.params["image"])
        image = self.calls.image(ref)
        problem = boot_image_problem(self.params, ref, image)
        if problem:
            self.fail(problem)
        return image

    def read_back_instance(self, zone):
        """The instance as it now is, after a change; None (with a warning) when it cannot be read.

        The change itself was made: a failed read must not fail the task, nor
        pass silently with the expected view in place of the real one.
        """
        if not self.read_back:
            return None
        try:
            return self.calls.get(zone, self.name)
        except GceError as error:
            self.gce.warn_once("instance %s was changed, but reading it back failed (%s); the result shows what "
                               "was asked for, not what the API holds" % (self.name, error))
            return None

    def check_where(self):
        """Before a create: warn about what the catalog does not know; refuse what the API's own answers rule out."""
        for message in catalog_warnings(self.params):
            self.gce.warn_once(message)
        machine_type = self.params["machine_type"]
        problems = []
        for zone in self.zones:
            zone_resource = self.calls.zone(zone)
            offered = self.calls.machine_type(zone, machine_type) if zone_resource is not None else None
            problems.extend(live_problems(zone, zone_resource, machine_type, offered, zones_option(self.params)))
        if problems:
            self.fail("; ".join(problems))

    def create(self, before=None):
        image = self.resolve_image()
        self.check_where()
        self.image_outdated = False
        self.image_after = image_path(image["selfLink"])
        stop_after = self.params["state"] == "stopped"
        planned = planned_view(self.params, self.zones[0], image)
        diff = {"before": diff_view(before), "after": diff_view(planned)}
        if self.gce.check_mode:
            self.actions.append("create in %s" % " or ".join(self.zones))
            if stop_after:
                self.actions.append("stop")
            return self.result(True, planned, diff=diff)
        zone = self.insert_with_fallback(image)
        self.wrote = True
        self.actions.append("create in %s" % zone)
        if stop_after:
            self.actions.append("stop")
            self.finish(self.calls.stop(zone, self.name), "stop instance %s" % self.name, last=True)
        final = self.read_back_instance(zone)
        view = summarize(final) if final else dict(planned, zone=zone)
        diff["after"] = diff_view(view)
        return self.result(True, view, diff=diff)

    def insert_with_fallback(self, image):
        """Create the instance in the first of its zones with capacity; the zone it was made in."""
        project = self.gce.api.project
        must_wait = len(self.zones) > 1 or self.params["state"] == "stopped"
        code = api_message = None
        to_try = list(self.zones)
        while to_try:
            zone = to_try.pop(0)
            body = desired_body(self.params, project, zone, image["selfLink"])
            action = "create instance %s in %s" % (self.name, zone)
            try:
                operation = self.calls.insert(zone, body)
                if must_wait or self.params["wait"]:
                    self.calls.wait(operation, action)
                return zone
            except GceError as error:
                code = error.details.get("operation_error_code") or error.details.get("reason")
                if code not in CAPACITY_ERROR_CODES:
                    raise
                api_message = error.details.get("api_message")
                self.skipped_zones.append({"zone": zone, "reason": "%s: %s" % (code, api_message)})
                to_try = prefer_available(to_try, error.details.get("zones_available"))
        untried = [other for other in tdx_catalog.TDX_ZONES if other not in self.zones]
        raise GceError(
            "create instance %s failed: no capacity in %s (%s); fix: list more TDX zones in zones "
            "(%s) or try again later" % (
                self.name,
                ", ".join("%s %s" % (item["zone"], item["reason"].split(":")[0]) for item in self.skipped_zones),
                api_message,
                ", ".join(untried) or "none left"),
            operation_error_code=code)

    def converge(self, existing):
        image = self.judge_image(existing)
        comparison = compare(existing, self.params, self.zones, image)
        before = summarize(existing)
        outdated = image.verdict == OUTDATED
        recreating = ((comparison.blocked and self.params["recreate"]) or
                      (outdated and self.params["recreate_on_image_update"]))
        self.warn(warning(image, self.name, recreating=recreating))
        self.image_before = self.image_after = image.have
        if (comparison.blocked and not self.params["recreate"]) or (comparison.needs_stop and not recreating):
            self.fail(comparison.refusal_message(self.name), instance=before, image_outdated=outdated)
        if recreating:
            return self.recreate(existing, before)
        self.image_outdated = outdated
        zone = before["zone"]
        # Everything the API would refuse is found before the first write (and in check mode).
        self.check_updates(existing, zone, comparison.updates)
        after = copy.deepcopy(before)
        status = before["status"]
        # allow_stopping_for_update: stop first (or let a stop under way end), change, then
        # take the instance where the task wants it, as from stopped.
        stop_first = comparison.stop_first and status not in STOPPING_STATES
        if stop_first:
            self.actions.append("stop")
        for option, dummy, wanted in comparison.updates:
            self.actions.append("set %s" % option.replace("_", " "))
            after[option] = wanted  # each option is its own key of RV(instance)
        power = power_actions("TERMINATED" if comparison.stop_first else status, self.params["state"])
        self.actions.extend(power)
        if power or comparison.stop_first:
            after["status"] = STATUS_AFTER[power[-1]] if power else "TERMINATED"
        changed = bool(self.actions)
        diff = {"before": diff_view(before), "after": diff_view(after)}
        if not changed:
            return self.result(False, before, diff=diff)
        if self.gce.check_mode:
            return self.result(True, after, diff=diff)
        self.actions = []  # from here on, the calls made
        self.change(existing, zone, comparison, stop_first, power)
        final = self.read_back_instance(zone)
        view = summarize(final) if final else after
        diff["after"] = diff_view(view)
        return self.result(True, view, diff=diff)

    def check_updates(self, existing, zone, updates):
        """Refuse, before any write, an in-place change the API would refuse once the instance is stopped.

        A new machine type must be offered in the zone (zones.get,
        machineTypes.get), stay in the instance's series where Google allows
        no other, and take the instance's disk types; a new boot disk size
        must fit the disk's type. Reads only, so check mode runs it too.
        """
        wanted = dict((option, want) for option, dummy, want in updates)
        problems = []
        machine_type = wanted.get("machine_type")
        if machine_type:
            warning_text = catalog_warning_machine_type(machine_type)
            if warning_text:
                self.gce.warn_once(warning_text)
            zone_resource = self.calls.zone(zone)
            offered = self.calls.machine_type(zone, machine_type) if zone_resource is not None else None
            problems = live_problems(zone, zone_resource, machine_type, offered, zones_option(self.params))
            if not problems:
                gpus = sum(item.get("guestAcceleratorCount") or 0 for item in offered.get("accelerators") or ())
                problems = machine_type_change_problems(
                    short_name(existing.get("machineType")), machine_type, self.instance_disks(existing),
                    vcpus=offered.get("guestCpus"), gpus=gpus or None)
        size = wanted.get("boot_disk_size_gb")
        if size and self.boot_disk_read is not None:
            problems.append(check_boot_disk_type(
                machine_type or short_name(existing.get("machineType")), short_name(self.boot_disk_read.get("type")),
                option="boot_disk_size_gb", size_gb=size))
        problems = [problem for problem in problems if problem]
        if problems:
            self.fail("; ".join(problems), instance=summarize(existing))

    def instance_disks(self, existing):
        """(role, name, type, size GB) of each disk of the instance whose Disk resource can be read."""
        found = []
        for attached in existing.get("disks") or ():
            location = disk_location(attached.get("source"))
            if location is None:
                continue
            if attached.get("boot") and self.boot_disk_read is not None:
                disk = self.boot_disk_read
            else:
                disk = self.calls.disk(*location)
            if disk is not None:
                found.append(("boot disk" if attached.get("boot") else "disk", location[2],
                              short_name(disk.get("type")), int(disk.get("sizeGb") or 0) or None))
        return found

    def call(self, label, send, *args, **kwargs):
        """Make one write (``send(*args, **kwargs)``), listed in RV(actions) as made, or as failed before raising."""
        try:
            answer = send(*args, **kwargs)
        except GceError:
            self.actions.append("%s (failed)" % label)
            raise
        self.actions.append(label)
        self.wrote = True
        return answer

    def send_and_wait(self, send, action, last=False):
        """A write and, unless it is the last and wait is false, the wait for its operation."""
        return self.finish(send(), action, last=last)

    def change(self, existing, zone, comparison, stop_first, power):
        """Make the changes and power calls; when one fails, bring the instance back and fail saying how it is left.

        While the instance is stopped for the changes (or once one
        stopped-only change of several is made), RESTORE_SHARE of the deadline
        is kept back, so that setting back and starting again fit in
        wait_timeout.
        """
        changes = InPlaceChanges(self.calls, self.name, self.params)
        planned = sends(comparison.updates)
        updated = [option for option, dummy, dummy2 in comparison.updates]
        status = existing.get("status")
        name = self.name
        try:
            if stop_first:
                self.call("stop", self.send_and_wait, lambda: self.calls.stop(zone, name), "stop instance %s" % name)
            elif comparison.stop_first:
                self.await_settled(zone)
            restorable = stop_first or len([1 for option, dummy in planned if option in STOPPED_ONLY_OPTIONS]) > 1
            seconds = self.gce.deadline.seconds
            with self.gce.deadline.holding_back(seconds * RESTORE_SHARE if restorable and seconds else 0):
                for position, (option, wanted) in enumerate(planned):
                    label = "set %s" % option.replace("_", " ")
                    self.call(label, self.send_and_wait, functools.partial(changes.send, existing, zone, option, wanted),
                              "%s of %s" % (label, name), last=not power and position == len(planned) - 1)
                    if option in SCHEDULING_OPTIONS:
                        # One setScheduling call changes both scheduling options: RV(actions) names each, as in check mode.
                        self.actions.extend("set %s" % other.replace("_", " ") for other in updated
                                            if other in SCHEDULING_OPTIONS and other != option)
        except GceError as error:
            self.fail(self.restore(error, existing, zone, changes, [option for option, dummy in planned],
                                   start_again=status in RUNNING_STATES and bool(stop_first)),
                      **self.failure_details(error))
        for position, verb in enumerate(power):
            if verb == "start" and status in SETTLING_STATES and not comparison.stop_first:
                self.await_settled(zone)
            try:
                self.call(verb, self.send_and_wait, functools.partial(getattr(self.calls, verb), zone, name),
                          "%s instance %s" % (verb, name), last=position == len(power) - 1)
            except GceError as error:
                if not self.wrote:
                    raise
                self.fail("%s; the calls before it were made, %s (calls made: %s)" % (
                    error.message, self.left_as(zone), ", ".join(self.actions)), **self.failure_details(error))

    def restore(self, error, existing, zone, changes, options, start_again):
        """After ``error``: set back the stopped-only changes the instance now has and, if the task stopped it,
        start it again; the failure message, saying how the instance is left."""
        if not self.wrote and not any(option in STOPPED_ONLY_OPTIONS for option in options):
            return error.message  # nothing acted, or only a change that needs no setting back
        try:
            # What the instance has now, not which calls answered: a call whose answer was
            # lost may have acted, and one that failed did not.
            now = self.calls.get(zone, self.name) or existing
            made = changed_since(existing, now, options)
        except GceError:
            made = [option for option in options if "set %s" % option.replace("_", " ") in self.actions]
        try:
            for option in reversed(made):
                label = "set %s back" % option.replace("_", " ")
                self.call(label, self.send_and_wait, functools.partial(changes.set_back, existing, zone, option),
                          "%s of %s" % (label, self.name))
            if start_again:
                self.await_settled(zone)
                self.call("start again", self.send_and_wait, functools.partial(self.calls.start, zone, self.name),
                          "start instance %s again" % self.name)
        except (GceError, InstanceTaskFailed) as failure:
            return "%s; bringing the instance back failed too (%s): %s (calls made: %s); run the task again" % (
                error.message, failure.message, self.left_as(zone), ", ".join(self.actions))
        if not made and not start_again and len(self.actions) <= 1:
            return error.message  # the one call failed, and the instance is as it was
        outcome = []
        if made:
            outcome.append("%s set back" % " and ".join(option.replace("_", " ") for option in made))
        if start_again:
            outcome.append("the instance started again, RUNNING as it was")
        elif made:
            outcome.append("the instance %s as it was" % existing.get("status"))
        return "%s; %s(calls made: %s)" % (error.message, ", ".join(outcome) + " " if outcome else "",
                                           ", ".join(self.actions))

    def left_as(self, zone):
        """How the instance is now, in a message: its status and stopped-only settings, or that it cannot be read."""
        try:
            now = self.calls.get(zone, self.name)
        except GceError as error:
            return "reading it back failed (%s)" % error.message
        if now is None:
            return "it no longer exists"
        view = summarize(now)
        return "it is left %s with machine type %s, provisioning model %s, service account %s, Secure Boot %s" % (
            view["status"], view["machine_type"], view["provisioning_model"], view["service_account"] or "none",
            "on" if view["secure_boot"] else "off")

    @staticmethod
    def failure_details(error):
        details = dict((key, value) for key, value in error.details.items() if value is not None)
        return {"error": details} if details else {}

    def await_settled(self, zone):
        """Poll until a STOPPING/SUSPENDING instance has stopped, so that it can be started."""
        while True:
            current = self.calls.get(zone, self.name)
            if current is None or current.get("status") not in SETTLING_STATES:
                return
            if self.gce.deadline.expired():
                self.fail("start instance %s failed: it is still %s after %d s (wait_timeout); run the task "
                          "again later" % (self.name, current.get("status"), self.gce.deadline.seconds))
            self.gce.api.pause(1.0)

    def recreate(self, existing, before):
        zone = before["zone"]
        if existing.get("deletionProtection"):
            self.fail("instance %s has deletion protection, so recreate cannot delete it; run "
                      "deletion_protection: false without recreate first" % self.name, instance=before)
        # The new image, zones and machine type are checked before the old
        # instance is deleted: a refusal must leave the instance as it was, not gone.
        self.resolve_image()
        self.check_where()
        self.actions.append("delete from %s" % zone)
        if not self.gce.check_mode:
            self.calls.wait(self.calls.delete(zone, self.name), "delete instance %s" % self.name)
            self.wrote = True
        return self.create(before=before)

    def result(self, changed, view, diff=None):
        result = dict(changed=changed, instance=view, actions=self.actions, skipped_zones=self.skipped_zones)
        if view:
            result["zone"] = view.get("zone")
        if self.image_outdated is not None:
            result["image_outdated"] = self.image_outdated
        if diff is not None and self.gce.diff_mode:
            for side, image in (("before", self.image_before), ("after", self.image_after)):
                if diff[side] and image is not None:
                    diff[side]["image"] = image
            result["diff"] = diff
        return result
