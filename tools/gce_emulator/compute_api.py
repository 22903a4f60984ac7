"""The Compute Engine v1 methods the emulator serves, by URL.

Each handler takes a :class:`Call` and returns ``(http_status, json_body)`` or
raises :class:`errors.ApiError`. Handlers run with the world's lock held.
"""

import re

from . import bulk, confidential, disks, errors, groups, instances, lifecycle, listing, resources, updates
from .backing_hooks import adopt_host, boot_host, halt_host
from .world import OperationFailure

_SEGMENT = r"(?P<%s>[^/]+)"
_PROJECT = "/compute/v1/projects/" + _SEGMENT % "project"
_ZONE = _PROJECT + "/zones/" + _SEGMENT % "zone"
_INSTANCE = _ZONE + "/instances/" + _SEGMENT % "instance"
_REGION = _PROJECT + "/regions/" + _SEGMENT % "region"


class Call:
    def __init__(self, world, method, params, query, body, principal):
        self.world = world
        self.method = method
        self.params = params
        self.query = query
        self.body = body
        self.principal = principal

    @property
    def project(self):
        return self.params["project"]

    @property
    def zone(self):
        return self.params["zone"]


# -- shared checks ---------------------------------------------------------------------
def _known_zone(call):
    if call.world.catalog.zone(call.zone) is None:
        raise errors.invalid_field("zone", call.zone, "Unknown zone.")


def _known_region(call):
    if call.params["region"] not in call.world.catalog.regions:
        raise errors.invalid_field("region", call.params["region"], "Unknown region.")


_request_id = lifecycle.request_id


def _replayed(call, request_id):
    """The operation an earlier call with this requestId started, if any."""
    if request_id is None:
        return None
    return call.world.request_ids.get((call.project, request_id))


def _operation_reply(operation):
    return 200, operation.to_json()


def _instance_write(call, act):
    """Common frame of instance writes: requestId replay, lookup, then ``act``."""
    _known_zone(call)
    request_id = _request_id(call)
    earlier = _replayed(call, request_id)
    if earlier is not None:
        return _operation_reply(earlier)
    instance = call.world.instance(call.project, call.zone, call.params["instance"])
    return _operation_reply(act(instance, request_id))


def _start(call, instance, operation_type, request_id, on_running=None, on_done=None, hold=None):
    return call.world.start_operation(
        call.project, call.zone, operation_type, instance.body["selfLink"], instance.body["id"], call.principal,
        on_running=on_running, on_done=on_done, request_id=request_id, hold=hold)


def failed_write(call, handler, failure):
    """A write accepted, then given up on (the ``operation_error`` fault): nothing changes.

    The answer is the Operation a real write gets; it ends DONE with
    ``failure`` ({"code", "message", "http_status"}). A retry with the same
    requestId gets that operation back. An insert's instance never appears.
    """
    if "zone" not in call.params:
        return _failed_write_elsewhere(call, handler, failure)
    _known_zone(call)
    request_id = _request_id(call)
    earlier = _replayed(call, request_id)
    if earlier is not None:
        return _operation_reply(earlier)
    operation_type = re.sub(r"_(\w)", lambda match: match.group(1).upper(), handler.__name__.split("_", 1)[1])
    name = call.params.get("instance") or call.params.get("resource")
    target_id = None
    if name is not None:
        instance = call.world.instance(call.project, call.zone, name)
        target_link, target_id = instance.body["selfLink"], instance.body["id"]
    elif (call.body or {}).get("name"):
        target_link = resources.url(call.project, "zones", call.zone, "instances", call.body["name"])
    else:
        target_link = resources.url(call.project, "zones", call.zone)
    ending = OperationFailure(failure["code"], failure["message"], failure["http_status"])
    return _operation_reply(call.world.start_operation(
        call.project, call.zone, operation_type, target_link, target_id, call.principal,
        on_done=lambda: ending, request_id=request_id))


def _failed_write_elsewhere(call, handler, failure):
    """failed_write for a write of the project (images, templates) or of a region (regional groups)."""
    request_id = _request_id(call)
    earlier = _replayed(call, request_id)
    if earlier is not None:
        return _operation_reply(earlier)
    region = call.params.get("region")
    if region is not None:
        _known_region(call)
    name = call.params.get("instanceGroupManager") or call.params.get("instanceTemplate") or (
        call.body or {}).get("name") or ""
    kind = "instanceGroupManagers" if handler.__name__.startswith("groups_") else (
        "instanceTemplates" if handler.__name__.startswith("templates_") else "images")
    scope = ("regions", region) if region else ("global",)
    ending = OperationFailure(failure["code"], failure["message"], failure["http_status"])
    return _operation_reply(call.world.start_operation(
        call.project, None, handler.__name__.split("_", 1)[1], resources.url(call.project, *(scope + (kind, name))),
        None, call.principal, on_done=lambda: ending, request_id=request_id, region=region))


def hold_named_instance(call, status, seconds):
    """The transitional fault: the instance the call names shows ``status`` for ``seconds`` first."""
    name = call.params.get("instance") or call.params.get("resource")
    instance = call.world.instances.get((call.project, call.params.get("zone"), name)) if name else None
    if instance is not None:
        call.world.hold_status(instance, status, seconds)


# -- instances -----------------------------------------------------------------------------
def instances_insert(call):
    _known_zone(call)
    request_id = _request_id(call)
    earlier = _replayed(call, request_id)
    if earlier is not None:
        return _operation_reply(earlier)
    if call.query.get("sourceInstanceTemplate") or call.query.get("sourceMachineImage"):
        raise errors.bad_request("The emulator does not model machine images, nor inserts from a template.",
                                 "unsupported")
    _, operation = lifecycle.create(call.world, call.project, call.zone, call.body or {}, call.principal, request_id)
    return _operation_reply(operation)


_set_status = lifecycle.set_status


def instances_get(call):
    _known_zone(call)
    return 200, call.world.instance(call.project, call.zone, call.params["instance"]).body


def instances_list(call):
    _known_zone(call)
    items = [i.body for i in call.world.instances_in(call.project, call.zone)]
    return 200, listing.list_response(
        "compute#instanceList", resources.url(call.project, "zones", call.zone, "instances"), items, call.query,
        "projects/%s/zones/%s/instances" % (call.project, call.zone))


def instances_aggregated_list(call):
    world = call.world
    by_zone = {}
    for instance in world.instances_in(call.project):
        by_zone.setdefault(instance.zone, []).append(instance)
    everything = []
    for zone in sorted(world.catalog.zones):
        everything.extend(sorted((i.body for i in by_zone.get(zone, [])), key=lambda b: b["name"]))
    selected = listing.select(everything, call.query)
    if (call.query.get("orderBy") or "name") == "name":
        # Google groups aggregated results by scope before paging.
        selected.sort(key=lambda body: (resources.last_segment(body["zone"]), body["name"]))
    chosen, next_token = listing.page(selected, call.query)
    items = {}
    for zone in sorted(world.catalog.zones):
        scope = "zones/" + zone
        on_page = [body for body in chosen if resources.last_segment(body["zone"]) == zone]
        if on_page:
            items[scope] = {"instances": on_page}
        else:
            items[scope] = {"warning": {
                "code": "NO_RESULTS_ON_PAGE",
                "message": "There are no results for scope '%s' on this page." % scope,
                "data": [{"key": "scope", "value": scope}],
            }}
    body = {
        "kind": "compute#instanceAggregatedList",
        "id": "projects/%s/aggregated/instances" % call.project,
        "items": items,
        "selfLink": resources.url(call.project, "aggregated", "instances"),
    }
    if next_token:
        body["nextPageToken"] = next_token
    return 200, body


def instances_delete(call):
    world = call.world

    def act(instance, request_id):
        if instance.body.get("deletionProtection"):
            raise errors.ApiError(
                400, "invalidResourceUsage",
                "Invalid resource usage: 'Resource cannot be deleted if it's protected against deletion.'.")
        return lifecycle.delete(world, instance, call.principal, request_id)

    return _instance_write(call, act)


def _refuse_if_busy(instance):
    if instance.busy or instance.deleting:
        raise errors.not_ready(instance.path())


def instances_stop(call):
    world = call.world

    def act(instance, request_id):
        _refuse_if_busy(instance)
        if instance.status == "TERMINATED":
            return _start(call, instance, "stop", request_id)
        instance.busy = True
        _pass_through(world, instance, world.config.stop_statuses)
        hold = halt_host(world, instance)

        def stopped():
            instance.busy = False
            if not instance.deleting:
                instance.body["status"] = "TERMINATED"
                instance.body["lastStopTimestamp"] = resources.timestamp(world.clock())
            return None

        return _start(call, instance, "stop", request_id, on_done=stopped, hold=hold)

    return _instance_write(call, act)


def _pass_through(world, instance, statuses):
    """Show ``statuses`` one after another, evenly over the operation's time (e.g. PENDING_STOP, STOPPING)."""
    instance.body["status"] = statuses[0]
    step = world.config.operation_seconds / len(statuses)
    for index, status in enumerate(statuses[1:], start=1):
        world.schedule(world.clock() + step * index, lambda status=status: _set_status(instance, status))


def instances_start(call):
    def act(instance, request_id):
        _refuse_if_busy(instance)
        if instance.status == "RUNNING":
            return _start(call, instance, "start", request_id)
        return _power_on(call, instance, "start", request_id, "TERMINATED")

    return _instance_write(call, act)


def _power_on(call, instance, operation_type, request_id, status_if_refused):
    """start and resume: capacity first, then (backing mode) a host that answers SSH, then RUNNING."""
    world = call.world
    failure = world.capacity_failure(call.project, call.zone, instance.cpus,
                                     resources.last_segment(instance.body["machineType"]))
    instance.busy = True
    instance.body["status"] = "PROVISIONING"
    instance.doomed = failure is not None
    hold = boot_host(world, instance) if failure is None else None

    def powered_on():
        instance.busy = False
        instance.doomed = False
        if instance.deleting:
            return failure
        problem = failure or adopt_host(world, instance)
        if problem is not None:
            instance.body["status"] = status_if_refused
            return problem
        instance.body["status"] = "RUNNING"
        instance.body["lastStartTimestamp"] = resources.timestamp(world.clock())
        return None

    return _start(call, instance, operation_type, request_id,
                  on_running=lambda: _set_status(instance, "STAGING"), on_done=powered_on, hold=hold)


def instances_suspend(call):
    world = call.world

    def act(instance, request_id):
        _refuse_if_busy(instance)
        if instance.status in ("TERMINATED", "STOPPED"):
            raise errors.unsupported_operation("You cannot suspend an instance that is stopped or terminated.")
        if instance.status == "SUSPENDED":
            raise errors.unsupported_operation("You cannot suspend an already suspended instance.")
        refusal = confidential.suspend_refusal(world.catalog, instance.body.get("confidentialInstanceConfig") or {})
        if refusal:
            raise errors.unsupported_operation(refusal)
        instance.busy = True
        instance.body["status"] = "SUSPENDING"
        hold = halt_host(world, instance)

        def suspended():
            instance.busy = False
            if not instance.deleting:
                instance.body["status"] = "SUSPENDED"
            return None

        return _start(call, instance, "suspend", request_id, on_done=suspended, hold=hold)

    return _instance_write(call, act)


def instances_resume(call):
    def act(instance, request_id):
        _refuse_if_busy(instance)
        if instance.status != "SUSPENDED":
            raise errors.unsupported_operation(
                "You can only resume a suspended instance; instance '%s' is %s." % (instance.path(), instance.status))
        return _power_on(call, instance, "resume", request_id, "SUSPENDED")

    return _instance_write(call, act)


def instances_reset(call):
    world = call.world

    def act(instance, request_id):
        _refuse_if_busy(instance)
        if instance.status != "RUNNING":
            raise errors.not_ready(instance.path())

        def reset():
            if not instance.deleting:
                instance.body["lastStartTimestamp"] = resources.timestamp(world.clock())
            return None

        return _start(call, instance, "reset", request_id, on_done=reset)

    return _instance_write(call, act)


def instances_set_labels(call):
    body = call.body or {}

    def act(instance, request_id):
        if body.get("labelFingerprint") != instance.body["labelFingerprint"]:
            raise errors.condition_not_met("Labels fingerprint either invalid or resource labels have changed")
        labels = instances.check_labels(body.get("labels") or {}, "labels")
        if labels:
            instance.body["labels"] = labels
        else:
            instance.body.pop("labels", None)
        instance.body["labelFingerprint"] = instances.labels_fingerprint(labels)
        return _start(call, instance, "setLabels", request_id)

    return _instance_write(call, act)


def instances_set_metadata(call):
    body = call.body or {}

    def act(instance, request_id):
        if body.get("fingerprint") != instance.body["metadata"]["fingerprint"]:
            raise errors.condition_not_met("Supplied fingerprint does not match current metadata fingerprint.")
        items = instances.check_metadata_items(body.get("items"), "metadata")
        instance.body["metadata"] = instances.metadata_body(items)
        return _start(call, instance, "setMetadata", request_id)

    return _instance_write(call, act)


def instances_set_tags(call):
    body = call.body or {}

    def act(instance, request_id):
        if body.get("fingerprint") != instance.body["tags"]["fingerprint"]:
            raise errors.condition_not_met("Supplied fingerprint does not match current tags fingerprint.")
        instance.body["tags"] = instances.tags_body(body.get("items"), "tags.items")
        return _start(call, instance, "setTags", request_id)

    return _instance_write(call, act)


def instances_set_machine_type(call):
    body = call.body or {}
    world = call.world

    def act(instance, request_id):
        if instance.status != "TERMINATED" or instance.busy:
            raise errors.ApiError(
                400, "invalidResourceUsage",
                "Invalid resource usage: 'The machine type of an instance can only be changed while it is "
                "TERMINATED; the instance is %s.'." % instance.status)
        name, machine = instances.InstanceBuilder(world, call.project, call.zone).machine_type_of(
            body.get("machineType"), "machineType")
        instances.check_machine_change(world, instance, name)
        instance.body["machineType"] = resources.url(call.project, "zones", call.zone, "machineTypes", name)
        instance.body["cpuPlatform"] = machine["cpuPlatform"]
        instance.cpus = machine["guestCpus"]
        if machine.get("accelerators"):
            instance.body["guestAccelerators"] = instances.accelerators_body(call.project, call.zone, machine)
        else:
            instance.body.pop("guestAccelerators", None)
        return _start(call, instance, "setMachineType", request_id)

    return _instance_write(call, act)


def instances_set_deletion_protection(call):
    raw = call.query.get("deletionProtection", "true")
    call.params["instance"] = call.params.pop("resource")

    def act(instance, request_id):
        instance.body["deletionProtection"] = raw.lower() != "false"
        return _start(call, instance, "setDeletionProtection", request_id)

    return _instance_write(call, act)


def _in_place(operation_type, change):
    """An in-place change: refused while the instance is in transition, then ``change(call, instance)``."""
    def handler(call):
        def act(instance, request_id):
            _refuse_if_busy(instance)
            change(call, instance)
            return _start(call, instance, operation_type, request_id)

        return _instance_write(call, act)

    handler.__name__ = "instances_" + re.sub(r"([A-Z])", lambda match: "_" + match.group(1).lower(), operation_type)
    return handler


instances_set_service_account = _in_place(
    "setServiceAccount", lambda call, instance: updates.set_service_account(call.world, instance, call.body or {}))
instances_update_shielded_instance_config = _in_place(
    "updateShieldedInstanceConfig",
    lambda call, instance: updates.update_shielded_instance_config(instance, call.body or {}))
instances_add_access_config = _in_place(
    "addAccessConfig",
    lambda call, instance: updates.add_access_config(call.world, instance, call.query, call.body or {}))
instances_delete_access_config = _in_place(
    "deleteAccessConfig", lambda call, instance: updates.delete_access_config(instance, call.query))
instances_set_scheduling = _in_place(
    "setScheduling", lambda call, instance: updates.set_scheduling(call.world, instance, call.body or {}))


def instances_bulk_insert(call):
    _known_zone(call)
    request_id = _request_id(call)
    earlier = _replayed(call, request_id)
    if earlier is not None:
        return _operation_reply(earlier)
    return _operation_reply(bulk.bulk_insert(call, request_id))


# -- operations -------------------------------------------------------------------------------
def operations_get(call):
    """zoneOperations.get, regionOperations.get, and globalOperations.get (neither in the URL)."""
    zone = call.params.get("zone")
    if zone is not None:
        _known_zone(call)
    region = call.params.get("region")
    if region is not None:
        _known_region(call)
    return _operation_reply(call.world.operation(call.project, zone, call.params["operation"], region=region))


def operations_list(call):
    _known_zone(call)
    items = [op.to_json() for (p, z, _), op in call.world.operations.items() if p == call.project and z == call.zone]
    return 200, listing.list_response(
        "compute#operationList", resources.url(call.project, "zones", call.zone, "operations"), items, call.query,
        "projects/%s/zones/%s/operations" % (call.project, call.zone))


# zoneOperations.wait blocks outside the lock; the server handles it (see server.py).
WAIT_ROUTE_NAME = "zoneOperations.wait"


# -- disks and custom images -------------------------------------------------------------------
def disks_get(call):
    _known_zone(call)
    return disks.disks_get(call)


def disks_list(call):
    _known_zone(call)
    items = [body for (p, z, _), body in sorted(call.world.disks.items()) if p == call.project and z == call.zone]
    return 200, listing.list_response(
        "compute#diskList", resources.url(call.project, "zones", call.zone, "disks"), items, call.query,
        "projects/%s/zones/%s/disks" % (call.project, call.zone))


def _write_frame(call, operation_type, act, zone):
    """requestId replay, then ``act(start)`` where start(target_link, target_id, on_done) begins the operation."""
    request_id = _request_id(call)
    earlier = _replayed(call, request_id)
    if earlier is not None:
        return _operation_reply(earlier)

    def start(target_link, target_id, on_done):
        return call.world.start_operation(call.project, zone, operation_type, target_link, target_id, call.principal,
                                          on_done=on_done, request_id=request_id)

    return _operation_reply(act(call, start))


def disks_resize(call):
    _known_zone(call)
    return _write_frame(call, "resizeDisk", disks.disks_resize, call.zone)


def images_insert(call):
    return _write_frame(call, "insert", disks.images_insert, None)


# -- catalog reads ----------------------------------------------------------------------------
def images_get(call):
    entry = call.world.image(call.project, call.params["image"])
    if entry is None:
        raise errors.not_found(errors.resource_path(call.project, "global", "images", call.params["image"]))
    return 200, call.world.catalog.image_json(call.project, entry)


def images_get_from_family(call):
    entry = call.world.image_from_family(call.project, call.params["family"])
    if entry is None:
        raise errors.not_found(
            errors.resource_path(call.project, "global", "images", "family", call.params["family"]))
    return 200, call.world.catalog.image_json(call.project, entry)


def machine_types_get(call):
    _known_zone(call)
    name = call.params["machineType"]
    if call.world.catalog.machine_type(call.zone, name) is None:
        raise errors.not_found(errors.resource_path(call.project, "zones", call.zone, "machineTypes", name))
    return 200, call.world.catalog.machine_type_json(call.project, call.zone, name)


def machine_types_list(call):
    _known_zone(call)
    catalog = call.world.catalog
    items = [catalog.machine_type_json(call.project, call.zone, n) for n in catalog.machine_types_in(call.zone)]
    return 200, listing.list_response(
        "compute#machineTypeList", resources.url(call.project, "zones", call.zone, "machineTypes"), items,
        call.query, "projects/%s/zones/%s/machineTypes" % (call.project, call.zone))


def zones_get(call):
    if call.world.catalog.zone(call.zone) is None:
        raise errors.not_found(errors.resource_path(call.project, "zones", call.zone))
    return 200, call.world.catalog.zone_json(call.project, call.zone)


def zones_list(call):
    catalog = call.world.catalog
    items = [catalog.zone_json(call.project, zone) for zone in catalog.zones]
    return 200, listing.list_response(
        "compute#zoneList", resources.url(call.project, "zones"), items, call.query, "projects/%s/zones" % call.project)


def networks_get(call):
    if call.params["network"] != "default":
        raise errors.not_found(errors.resource_path(call.project, "global", "networks", call.params["network"]))
    return 200, call.world.catalog.network_json(call.project)


def subnetworks_get(call):
    region = call.params["region"]
    if region not in call.world.catalog.regions or call.params["subnetwork"] != "default":
        raise errors.not_found(
            errors.resource_path(call.project, "regions", region, "subnetworks", call.params["subnetwork"]))
    return 200, call.world.catalog.subnetwork_json(call.project, region)


ROUTES = [
    ("POST", _ZONE + "/instances", instances_insert),
    ("GET", _ZONE + "/instances", instances_list),
    ("POST", _ZONE + "/instances/bulkInsert", instances_bulk_insert),
    ("GET", _PROJECT + "/aggregated/instances", instances_aggregated_list),
    ("GET", _INSTANCE, instances_get),
    ("DELETE", _INSTANCE, instances_delete),
    ("POST", _INSTANCE + "/start", instances_start),
    ("POST", _INSTANCE + "/stop", instances_stop),
    ("POST", _INSTANCE + "/reset", instances_reset),
    ("POST", _INSTANCE + "/suspend", instances_suspend),
    ("POST", _INSTANCE + "/resume", instances_resume),
    ("POST", _INSTANCE + "/setLabels", instances_set_labels),
    ("POST", _INSTANCE + "/setMetadata", instances_set_metadata),
    ("POST", _INSTANCE + "/setTags", instances_set_tags),
    ("POST", _INSTANCE + "/setMachineType", instances_set_machine_type),
    ("POST", _INSTANCE + "/setServiceAccount", instances_set_service_account),
    ("PATCH", _INSTANCE + "/updateShieldedInstanceConfig", instances_update_shielded_instance_config),
    ("POST", _INSTANCE + "/addAccessConfig", instances_add_access_config),
    ("POST", _INSTANCE + "/deleteAccessConfig", instances_delete_access_config),
    ("POST", _INSTANCE + "/setScheduling", instances_set_scheduling),
    ("POST", _ZONE + "/instances/" + _SEGMENT % "resource" + "/setDeletionProtection",
     instances_set_deletion_protection),
    ("GET", _ZONE + "/operations/" + _SEGMENT % "operation", operations_get),
    ("GET", _ZONE + "/operations", operations_list),
    ("POST", _ZONE + "/operations/" + _SEGMENT % "operation" + "/wait", WAIT_ROUTE_NAME),
    ("GET", _PROJECT + "/global/operations/" + _SEGMENT % "operation", operations_get),
    ("GET", _REGION + "/operations/" + _SEGMENT % "operation", operations_get),
    ("POST", _REGION + "/operations/" + _SEGMENT % "operation" + "/wait", WAIT_ROUTE_NAME),
    ("POST", _PROJECT + "/global/operations/" + _SEGMENT % "operation" + "/wait", WAIT_ROUTE_NAME),
    ("GET", _ZONE + "/disks/" + _SEGMENT % "disk", disks_get),
    ("GET", _ZONE + "/disks", disks_list),
    ("POST", _ZONE + "/disks/" + _SEGMENT % "disk" + "/resize", disks_resize),
    ("POST", _PROJECT + "/global/images", images_insert),
    ("GET", _PROJECT + "/global/images/family/" + _SEGMENT % "family", images_get_from_family),
    ("GET", _PROJECT + "/global/images/" + _SEGMENT % "image", images_get),
    ("GET", _ZONE + "/machineTypes/" + _SEGMENT % "machineType", machine_types_get),
    ("GET", _ZONE + "/machineTypes", machine_types_list),
    ("GET", _ZONE, zones_get),
    ("GET", _PROJECT + "/zones", zones_list),
    ("GET", _PROJECT + "/global/networks/" + _SEGMENT % "network", networks_get),
    ("GET", _PROJECT + "/regions/" + _SEGMENT % "region" + "/subnetworks/" + _SEGMENT % "subnetwork",
     subnetworks_get),
]

ROUTES += groups.routes(_PROJECT, _ZONE)

_COMPILED = [(method, re.compile(r"\A%s\Z" % pattern), handler) for method, pattern, handler in ROUTES]


def route(method, path):
    """``(handler, params)`` for a request, or raise ApiError(404)."""
    known_path = False
    for route_method, pattern, handler in _COMPILED:
        match = pattern.match(path)
        if match:
            known_path = True
            if route_method == method:
                return handler, dict(match.groupdict())
    if known_path:
        raise errors.ApiError(405, "httpMethodNotAllowed", "HTTP method %s is not supported by this URL" % method)
    raise errors.ApiError(404, "notFound", "The requested URL %s was not found on this server." % path)
