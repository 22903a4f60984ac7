# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The calls that change an existing instance in place, one per option compare() found to differ."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    disk_location,
    machine_type_path,
    short_name,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import boot_disk
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.comparison import (
    SCHEDULING_OPTIONS,
    STOPPED_ONLY_OPTIONS,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import wanted_scheduling

# Sends of one fingerprinted change before a stale fingerprint (412) fails the task.
FINGERPRINT_ATTEMPTS = 3


# What each stopped-only option is in the API's JSON, to tell whether a change
# was made (the instance read after a failure) and to set it back.
SCHEDULING_FIELDS = ("onHostMaintenance", "automaticRestart", "preemptible", "provisioningModel",
                     "instanceTerminationAction")


def stopped_only_state(instance, option):
    """The API's value of a stopped-only option of ``instance`` (JSON shape), comparable between two reads."""
    if option == "machine_type":
        return short_name(instance.get("machineType"))
    if option in SCHEDULING_OPTIONS:
        scheduling = instance.get("scheduling") or {}
        return dict((key, scheduling[key]) for key in SCHEDULING_FIELDS if key in scheduling)
    if option == "service_account":
        account = (instance.get("serviceAccounts") or [{}])[0]
        return account.get("email") or "", sorted(account.get("scopes") or ())
    if option == "secure_boot":
        shielded = instance.get("shieldedInstanceConfig") or {}
        return dict((key, bool(shielded.get(key))) for key in (
            "enableSecureBoot", "enableVtpm", "enableIntegrityMonitoring"))
    raise ValueError("%s is not changed only while stopped" % option)


def changed_since(before, now, options):
    """The stopped-only options among ``options`` whose value differs between two reads of an instance, in order."""
    changed = []
    for option in options:
        if option in STOPPED_ONLY_OPTIONS and option not in changed and \
                stopped_only_state(before, option) != stopped_only_state(now, option):
            changed.append(option)
    return changed


def sends(updates):
    """(option, wanted) per call: both scheduling options go in one setScheduling call, the first one's."""
    planned = []
    for option, dummy, wanted in updates:
        if option in SCHEDULING_OPTIONS:
            if any(sent in SCHEDULING_OPTIONS for sent, dummy in planned):
                continue
        planned.append((option, wanted))
    return planned


class InPlaceChanges:
    """Sends each in-place change of one instance with the call the API offers for it."""

    def __init__(self, calls, name, params):
        self.calls = calls
        self.name = name
        self.params = params

    def send(self, existing, zone, option, wanted):
        """The call that changes ``option`` of the instance ``existing`` to ``wanted``; its Operation."""
        calls, name = self.calls, self.name
        if option == "labels":
            return self.fingerprinted(zone, existing, lambda instance: calls.set_labels(
                zone, name, wanted, instance.get("labelFingerprint")))
        if option == "metadata":
            return self.fingerprinted(zone, existing, lambda instance: calls.set_metadata(
                zone, name, wanted, (instance.get("metadata") or {}).get("fingerprint")))
        if option == "network_tags":
            return self.fingerprinted(zone, existing, lambda instance: calls.set_tags(
                zone, name, wanted, (instance.get("tags") or {}).get("fingerprint")))
        if option == "deletion_protection":
            return calls.set_deletion_protection(zone, name, wanted)
        if option in SCHEDULING_OPTIONS:
            return calls.set_scheduling(zone, name, wanted_scheduling(self.params))
        if option == "service_account":
            return calls.set_service_account(zone, name, wanted, self.params["service_account_scopes"])
        if option == "secure_boot":
            # vTPM and integrity monitoring stay on, as every instance of the module has them.
            return calls.update_shielded_instance_config(zone, name, {
                "enableSecureBoot": wanted, "enableVtpm": True, "enableIntegrityMonitoring": True})
        if option == "boot_disk_size_gb":
            project, disk_zone, disk = disk_location(boot_disk(existing).get("source"))
            return calls.resize_disk(project, disk_zone, disk, wanted)
        return calls.set_machine_type(zone, name, machine_type_path(zone, wanted))

    def set_back(self, existing, zone, option):
        """The call that gives a stopped-only ``option`` back the value the instance ``existing`` had; its Operation."""
        calls, name = self.calls, self.name
        value = stopped_only_state(existing, option)
        if option == "machine_type":
            return calls.set_machine_type(zone, name, machine_type_path(zone, value))
        if option in SCHEDULING_OPTIONS:
            return calls.set_scheduling(zone, name, value)
        if option == "service_account":
            email, scopes = value  # an empty email and no scopes: no service account, as the instance had
            return calls.set_service_account(zone, name, email, scopes)
        return calls.update_shielded_instance_config(zone, name, value)

    def fingerprinted(self, zone, existing, send):
        """``send(instance)`` a change that carries the instance's fingerprint; on 412 read it again and resend.

        412 conditionNotMet means another writer changed the instance since it
        was read (a stale fingerprint): the change is made with the new
        fingerprint, as Terraform's provider does, a few times at most.
        """
        instance = existing
        for attempt in range(FINGERPRINT_ATTEMPTS):
            try:
                return send(instance)
            except GceError as error:
                if error.details.get("http_status") != 412 or attempt == FINGERPRINT_ATTEMPTS - 1:
                    raise
                instance = self.calls.get(zone, self.name) or instance
