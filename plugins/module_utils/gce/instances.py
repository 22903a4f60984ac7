# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Instance and image calls, as the modules and the inventory use them.

A thin layer over ComputeApi: each method is one API call (retried there),
names the action for error messages, and speaks dicts in the API's shape.
Several threads may use one InstanceCalls (gce_instance's fleet mode).
"""

import threading

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import to_message
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    image_label,
    image_path,
    short_name,
)

INSTANCES = "InstancesClient"
IMAGES = "ImagesClient"
DISKS = "DisksClient"
ZONES = "ZonesClient"
MACHINE_TYPES = "MachineTypesClient"
# The largest page the list calls allow: each page is one HTTP call.
LIST_PAGE_SIZE = 500


def is_not_found(error):
    return isinstance(error, GceError) and error.details.get("http_status") == 404


def name_filter(name):
    return 'name = "%s"' % name


# Longest filter sent in one list call when looking up many names at once:
# the filter travels in the URL, and a fleet of a hundred typical names
# still fits in one call.
NAMES_FILTER_MAX_LENGTH = 4000


def names_filters(names):
    """Filters (the API's regular-expression form) that together match exactly ``names``, in few calls.

    ``names`` must be valid instance names (letters, digits, hyphens), so
    they need no escaping in the expression.
    """
    filters = []
    chunk = []
    length = 0
    for name in sorted(set(names)):
        if chunk and length + len(name) + 1 > NAMES_FILTER_MAX_LENGTH:
            filters.append(_alternation(chunk))
            chunk, length = [], 0
        chunk.append(name)
        length += len(name) + 1
    if chunk:
        filters.append(_alternation(chunk))
    return filters


def _alternation(names):
    return 'name eq "(%s)"' % "|".join(names)


class InstanceCalls:
    def __init__(self, api):
        self.api = api
        self.project = api.project
        # Images, zones and machine types looked up in this run, by reference:
        # a fleet reads each once, however many members share it.
        self._looked_up = {}
        self._looked_up_lock = threading.Lock()

    # Reads

    def get(self, zone, name):
        """The instance, or None when it does not exist."""
        return self._get_or_none(INSTANCES, "get", "GetInstanceRequest", "read instance %s" % name,
                                 project=self.project, zone=zone, instance=name)

    def aggregated(self, filter_expression=None, action="list instances", max_results=None):
        """Instances of every zone, optionally filtered server-side.

        ``max_results`` is the page size: each page is one HTTP call, so a
        caller listing whole fleets (the inventory) asks for the API's maximum.
        """
        fields = dict(project=self.project)
        if filter_expression:
            fields["filter"] = filter_expression
        if max_results:
            fields["max_results"] = max_results
        pages = self.api.read_pages(INSTANCES, "aggregated_list", "AggregatedListInstancesRequest",
                                    action, **fields)
        found = []
        for page in pages:
            for scope in sorted((page.get("items") or {})):
                found.extend(page["items"][scope].get("instances") or ())
        return found

    def in_zone(self, zone, filter_expression=None, action="list instances", max_results=None):
        fields = dict(project=self.project, zone=zone)
        if filter_expression:
            fields["filter"] = filter_expression
        if max_results:
            fields["max_results"] = max_results
        pages = self.api.read_pages(INSTANCES, "list", "ListInstancesRequest", action, **fields)
        found = []
        for page in pages:
            found.extend(page.get("items") or ())
        return found

    def named_everywhere(self, name):
        """Instances called ``name`` in any zone (names are unique per zone only)."""
        return [instance for instance in self.aggregated(name_filter(name), "find instance %s" % name)
                if instance.get("name") == name]

    def named_any_of(self, names, action="find instances"):
        """{name: [instances of that name, in any zone]} for many names, in as few list calls as fit.

        One aggregatedList call per NAMES_FILTER_MAX_LENGTH characters of
        names (and per page of LIST_PAGE_SIZE instances).
        """
        wanted = set(names)
        found = dict((name, []) for name in wanted)
        for expression in names_filters(wanted):
            for instance in self.aggregated(expression, action, max_results=LIST_PAGE_SIZE):
                if instance.get("name") in wanted:
                    found[instance["name"]].append(instance)
        return found

    def disk(self, project, zone, name):
        """The Disk resource, or None when it does not exist."""
        return self._get_or_none(DISKS, "get", "GetDiskRequest", "read disk %s" % name,
                                 project=project, zone=zone, disk=name)

    def disks_named(self, project, zone, names, action="read the boot disks"):
        """The disks of ``zone`` called any of ``names``, in as few list calls as fit (see names_filters)."""
        found = []
        for expression in names_filters(names):
            pages = self.api.read_pages(DISKS, "list", "ListDisksRequest", action, project=project, zone=zone,
                                        filter=expression, max_results=LIST_PAGE_SIZE)
            for page in pages:
                found.extend(disk for disk in page.get("items") or () if disk.get("name") in names)
        return found

    def image(self, ref):
        """The image an ImageRef names (a family resolves to its newest image), looked up once per run."""
        return self.resolve_image(ref)[0]

    def resolve_image(self, ref):
        """(image, whether it came from a family) for an ImageRef, looked up once per run.

        A failed lookup is remembered as well, so that a fleet sharing a
        missing image reports it for each instance from one call.
        """
        return self._once(ref, lambda: self._lookup_image(ref))

    def image_at(self, link):
        """The image at a self link or path, or None when it no longer exists; looked up once per run."""
        path = image_path(link)
        project, name = path.split("/")[1], path.rsplit("/", 1)[-1]
        return self._once(path, lambda: self._get_or_none(
            IMAGES, "get", "GetImageRequest", "read image %s" % path, project=project, image=name))

    def zone(self, name):
        """The Zone resource (with availableCpuPlatforms), or None when there is no such zone; read once per run."""
        return self._once(("zone", name), lambda: self._get_or_none(
            ZONES, "get", "GetZoneRequest", "read zone %s" % name, project=self.project, zone=name))

    def machine_type(self, zone, name):
        """The MachineType resource in ``zone``, or None when the zone does not offer it; read once per run."""
        return self._once(("machine type", zone, name), lambda: self._get_or_none(
            MACHINE_TYPES, "get", "GetMachineTypeRequest", "read machine type %s in %s" % (name, zone),
            project=self.project, zone=zone, machine_type=name))

    def _get_or_none(self, client_name, method, request_type, action, **fields):
        """A read that answers None for a resource that does not exist (404) instead of failing."""
        try:
            return self.api.read(client_name, method, request_type, action, **fields)
        except GceError as error:
            if is_not_found(error):
                return None
            raise

    def _once(self, key, lookup):
        with self._looked_up_lock:
            if key not in self._looked_up:
                try:
                    self._looked_up[key] = (lookup(), None)
                except GceError as error:
                    self._looked_up[key] = (None, error)
            found, error = self._looked_up[key]
        if error is not None:
            raise error
        return found

    def _lookup_image(self, ref):
        label = image_label(ref)
        if ref.family is not False:
            try:
                return self.api.read(IMAGES, "get_from_family", "GetFromFamilyImageRequest",
                                     "look up image %s" % label, project=ref.project, family=ref.name), True
            except GceError as error:
                if ref.family or not is_not_found(error):
                    raise
        try:
            return self.api.read(IMAGES, "get", "GetImageRequest", "look up image %s" % label,
                                 project=ref.project, image=ref.name), False
        except GceError as error:
            if is_not_found(error):
                raise GceError("image: %s is neither an image nor an image family in project %s; "
                               "check the spelling, e.g. %s" % (label, ref.project, "ubuntu-os-cloud/ubuntu-2204-lts"),
                               http_status=404)
            raise

    # Writes: each returns the Operation; wait() follows it to the end.

    def insert(self, zone, body):
        return self.api.write(INSTANCES, "insert", "InsertInstanceRequest", "create instance %s" % body["name"],
                              project=self.project, zone=zone,
                              instance_resource=self._message("Instance", body))

    def delete(self, zone, name):
        return self._simple("delete", "DeleteInstanceRequest", "delete", zone, name)

    def start(self, zone, name):
        return self._simple("start", "StartInstanceRequest", "start", zone, name)

    def stop(self, zone, name):
        return self._simple("stop", "StopInstanceRequest", "stop", zone, name)

    def resume(self, zone, name):
        return self._simple("resume", "ResumeInstanceRequest", "resume", zone, name)

    def set_labels(self, zone, name, labels, fingerprint):
        resource = {"labels": labels, "labelFingerprint": fingerprint}
        return self.api.write(INSTANCES, "set_labels", "SetLabelsInstanceRequest", "set labels of %s" % name,
                              project=self.project, zone=zone, instance=name,
                              instances_set_labels_request_resource=self._message(
                                  "InstancesSetLabelsRequest", resource))

    def set_metadata(self, zone, name, items, fingerprint):
        resource = {"fingerprint": fingerprint,
                    "items": [{"key": key, "value": items[key]} for key in sorted(items)]}
        return self.api.write(INSTANCES, "set_metadata", "SetMetadataInstanceRequest",
                              "set metadata of %s" % name, project=self.project, zone=zone, instance=name,
                              metadata_resource=self._message("Metadata", resource))

    def set_tags(self, zone, name, tags, fingerprint):
        resource = {"fingerprint": fingerprint, "items": list(tags)}
        return self.api.write(INSTANCES, "set_tags", "SetTagsInstanceRequest",
                              "set network tags of %s" % name, project=self.project, zone=zone, instance=name,
                              tags_resource=self._message("Tags", resource))

    def set_deletion_protection(self, zone, name, protect):
        return self.api.write(INSTANCES, "set_deletion_protection", "SetDeletionProtectionInstanceRequest",
                              "set deletion protection of %s" % name, project=self.project, zone=zone,
                              resource=name, deletion_protection=protect)

    def set_machine_type(self, zone, name, machine_type_path):
        return self.api.write(INSTANCES, "set_machine_type", "SetMachineTypeInstanceRequest",
                              "set machine type of %s" % name, project=self.project, zone=zone, instance=name,
                              instances_set_machine_type_request_resource=self._message(
                                  "InstancesSetMachineTypeRequest", {"machineType": machine_type_path}))

    def set_scheduling(self, zone, name, scheduling):
        return self.api.write(INSTANCES, "set_scheduling", "SetSchedulingInstanceRequest",
                              "set scheduling of %s" % name, project=self.project, zone=zone, instance=name,
                              scheduling_resource=self._message("Scheduling", scheduling))

    def set_service_account(self, zone, name, email, scopes):
        resource = {"email": email, "scopes": list(scopes)}
        return self.api.write(INSTANCES, "set_service_account", "SetServiceAccountInstanceRequest",
                              "set service account of %s" % name, project=self.project, zone=zone, instance=name,
                              instances_set_service_account_request_resource=self._message(
                                  "InstancesSetServiceAccountRequest", resource))

    def update_shielded_instance_config(self, zone, name, shielded):
        return self.api.write(INSTANCES, "update_shielded_instance_config",
                              "UpdateShieldedInstanceConfigInstanceRequest",
                              "set Shielded VM options of %s" % name, project=self.project, zone=zone,
                              instance=name, shielded_instance_config_resource=self._message(
                                  "ShieldedInstanceConfig", shielded))

    def resize_disk(self, project, zone, disk, size_gb):
        return self.api.write(DISKS, "resize", "ResizeDiskRequest", "resize disk %s" % disk, project=project,
                              zone=zone, disk=disk, disks_resize_request_resource=self._message(
                                  "DisksResizeRequest", {"sizeGb": str(size_gb)}))

    def wait(self, operation, action):
        return self.api.wait_for_zone_operation(operation, action)

    def _simple(self, method, request_type, verb, zone, name):
        return self.api.write(INSTANCES, method, request_type, "%s instance %s" % (verb, name),
                              project=self.project, zone=zone, instance=name)

    @staticmethod
    def _message(type_name, body):
        return to_message(type_name, body)


def zone_of(instance):
    return short_name(instance.get("zone"))
