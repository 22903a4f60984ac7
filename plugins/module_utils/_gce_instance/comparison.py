# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What differs between an existing instance and the task, and the power calls between two states."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import short_name
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.image_identity import (
    DIFFERENT,
    wanted_label,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.shape import wanted_disks_view
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import wanted_labels, wanted_metadata, wanted_scheduling

STOPPED_STATES = ("TERMINATED", "STOPPED")
# On the way to TERMINATED (the discovery document's enum: PENDING_STOP before
# STOPPING, DEPROVISIONING after it): nothing to ask for a stop, a wait before a start.
STOPPING_STATES = ("PENDING_STOP", "STOPPING", "DEPROVISIONING")
SETTLING_STATES = STOPPING_STATES + ("SUSPENDING",)
# The status an instance has after the last power call.
STATUS_AFTER = {"start": "RUNNING", "resume": "RUNNING", "stop": "TERMINATED"}
# Options changed together by one setScheduling call.
SCHEDULING_OPTIONS = ("provisioning_model", "instance_termination_action")


# Options the API changes only on a stopped instance (setMachineType, setScheduling
# for the provisioning model, setServiceAccount, updateShieldedInstanceConfig).
STOPPED_ONLY_OPTIONS = ("machine_type", "provisioning_model", "service_account", "secure_boot")


class Comparison:
    def __init__(self):
        self.updates = []   # (option, before, after): changed in place
        self.blocked = []   # (option, have, want, hint): needs recreate
        self.needs_stop = []  # (option, have, want, hint): changes in place once the instance is stopped
        self.stop_first = False  # some update needs the running instance stopped (allow_stopping_for_update)

    def update(self, option, before, after):
        self.updates.append((option, before, after))

    def block(self, option, have, want, hint):
        self.blocked.append((option, have, want, hint))

    def refusal_message(self, name):
        """Why the task cannot converge the instance as it stands, and the way out for each difference.

        A difference that a stop lets the API change in place is never told
        to need recreate: stopping (state: stopped, or
        allow_stopping_for_update) is its way out.
        """
        parts = []
        if self.blocked:
            parts.append("instance %s differs in what cannot change in place: %s; set recreate: true to delete and "
                         "create it again" % (name, _differences(self.blocked)))
        if self.needs_stop:
            parts.append("instance %s differs in what changes in place only while it is stopped: %s" % (
                name, _differences(self.needs_stop)))
        return "; ".join(parts)


def _differences(found):
    return "; ".join("%s is %s, the task asks for %s (%s)" % (option, have, want, hint)
                     for option, have, want, hint in found)


def compare(instance, params, zones, image=None):
    """The Comparison of ``instance`` with the task; ``image`` is the ImageJudgement of its boot image."""
    view = summarize(instance)
    found = Comparison()
    kind = view["confidential_instance_type"]
    if kind != tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE:
        found.block("confidential instance type", kind or "none", tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE,
                    "an existing VM cannot be converted to TDX")
    if view["zone"] not in zones:
        found.block("zone", view["zone"], " or ".join(zones), "an instance cannot move zones")
    if view["on_host_maintenance"] != params["on_host_maintenance"]:
        found.block("on_host_maintenance", view["on_host_maintenance"], params["on_host_maintenance"],
                    "a TDX instance must use TERMINATE")
    if view["machine_type"] != params["machine_type"]:
        _update_when_stopped(found, view, params, "machine_type", params["machine_type"])
    scheduling = wanted_scheduling(params)
    action = scheduling.get("instanceTerminationAction")
    if view["provisioning_model"] != scheduling["provisioningModel"]:
        _update_when_stopped(found, view, params, "provisioning_model", scheduling["provisioningModel"])
        if view["instance_termination_action"] != action:  # a Spot VM's action goes with its model
            found.update("instance_termination_action", view["instance_termination_action"], action)
    elif action and view["instance_termination_action"] != action:
        found.update("instance_termination_action", view["instance_termination_action"], action)
    if image is not None and image.verdict == DIFFERENT:
        found.block("image", image.have, wanted_label(image), "the boot disk cannot be replaced in place")
    size = params["boot_disk_size_gb"]
    if size and view["boot_disk_size_gb"] and size > view["boot_disk_size_gb"]:
        found.update("boot_disk_size_gb", view["boot_disk_size_gb"], size)  # disks.resize, even while running
    elif size and view["boot_disk_size_gb"] != size:
        found.block("boot_disk_size_gb", view["boot_disk_size_gb"], size, "a disk can grow but not shrink")
    key = params["boot_disk_kms_key_name"]
    if key and view["boot_disk_kms_key_name"] != key:
        found.block("boot_disk_kms_key_name", view["boot_disk_kms_key_name"], key,
                    "a disk's encryption key is set when it is created")
    if params["additional_disks"] is not None:
        wanted = wanted_disks_view(params)
        if wanted != view["additional_disks"]:
            found.block("additional_disks", _disks_text(view["additional_disks"]), _disks_text(wanted),
                        "disks are made with the instance")
    if view["network"] != short_name(params["network"]):
        found.block("network", view["network"], short_name(params["network"]), "set when created")
    if params["subnetwork"] and view["subnetwork"] != short_name(params["subnetwork"]):
        found.block("subnetwork", view["subnetwork"], short_name(params["subnetwork"]), "set when created")
    has_external = bool(instance.get("networkInterfaces") and
                        instance["networkInterfaces"][0].get("accessConfigs"))
    if has_external != params["external_ip"]:
        found.block("external_ip", has_external, params["external_ip"], "set when created")
    for option, key in (("internal_address", "internal_ip"), ("external_address", "external_ip")):
        if params[option] and view[key] != params[option]:
            found.block(option, view[key], params[option], "set when created")
    if params["service_account"]:
        account = instance.get("serviceAccounts") or [{}]
        email = account[0].get("email")
        same_email = email == params["service_account"] or (params["service_account"] == "default" and email)
        if not same_email or sorted(account[0].get("scopes") or ()) != sorted(params["service_account_scopes"]):
            _update_when_stopped(found, view, params, "service_account", params["service_account"])
    if view["secure_boot"] != params["secure_boot"]:
        _update_when_stopped(found, view, params, "secure_boot", params["secure_boot"])
    labels = wanted_labels(params, have=view["labels"])
    if labels is not None and labels != view["labels"]:
        found.update("labels", view["labels"], labels)
    metadata = wanted_metadata(params)
    if metadata is not None and metadata != view["metadata"]:
        found.update("metadata", view["metadata"], metadata)
    tags = params["network_tags"]
    if tags is not None and sorted(tags) != sorted(view["network_tags"]):
        found.update("network_tags", view["network_tags"], list(tags))
    protection = params["deletion_protection"]
    if protection is not None and protection != view["deletion_protection"]:
        found.update("deletion_protection", view["deletion_protection"], protection)
    return found


def _disks_text(disks):
    """Additional disks in a message: name size (auto-delete, key), or none."""
    return ", ".join("%s %s GB%s%s" % (disk["name"], disk["size_gb"], "" if disk["auto_delete"] else " kept",
                                       " key %s" % disk["kms_key_name"] if disk["kms_key_name"] else "")
                     for disk in disks) or "none"


def _update_when_stopped(found, view, params, option, wanted):
    """A change the API makes only to a stopped instance.

    An update when the instance is stopped, or when it may be stopped for it
    (allow_stopping_for_update, or recreate); otherwise a difference that
    needs the stop, naming both ways to allow it.
    """
    if view["status"] in STOPPED_STATES:
        found.update(option, view[option], wanted)
    elif params["allow_stopping_for_update"] or params["recreate"]:
        # recreate allows far more than a stop: with it, a difference a stop lets
        # the API change is changed in place, never by deleting the instance.
        found.update(option, view[option], wanted)
        found.stop_first = True
    else:
        found.needs_stop.append((option, view[option], wanted, "the instance is %s; stop it first with state: "
                                 "stopped, or set allow_stopping_for_update: true" % view["status"]))


def power_actions(status, state):
    """The start/stop calls that take an instance in ``status`` to ``state``."""
    if state in ("present", "started"):
        if status in STOPPED_STATES or status in SETTLING_STATES:
            return ["start"]
        if status == "SUSPENDED":
            return ["resume"]
        return []
    if state == "stopped":
        if status in STOPPED_STATES or status in STOPPING_STATES:
            return []
        return ["stop"]
    if state == "restarted":
        if status in STOPPED_STATES or status in SETTLING_STATES:
            return ["start"]
        return ["stop", "start"]
    return []
