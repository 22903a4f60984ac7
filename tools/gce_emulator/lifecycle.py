"""Creating and deleting one instance: shared by instances.insert/delete and managed instance groups.

A group's members are instances like any other (the group calls these as the
API would call them for an insert or a delete), so capacity, quota, the TDX
rules and backing mode apply to them unchanged.
"""

import uuid

from . import disks, errors, instances, resources
from .backing_hooks import adopt_host, boot_host, halt_host, host_key
from .world import Instance

_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def request_id(call):
    """The requestId of a write, validated; None when absent."""
    raw = call.query.get("requestId")
    if not raw:
        return None
    try:
        parsed = uuid.UUID(raw)
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) == _ZERO_UUID:
        raise errors.invalid_field(
            "requestId", raw,
            "The request ID must be a valid UUID with the exception that zero UUID is not supported.")
    return str(parsed)


def create(world, project, zone, body, principal, request_id=None, prefix="resource"):
    """Validate ``body`` as an insert, store the instance and start its insert operation.

    Returns ``(instance, operation)``; raises ApiError (nothing stored) when the body is refused.
    """
    name = body.get("name")
    resources.check_name(name, prefix + ".name")
    if (project, zone, name) in world.instances:
        raise errors.already_exists(errors.resource_path(project, "zones", zone, "instances", name))
    builder = instances.InstanceBuilder(world, project, zone)
    instance_json, cpus = builder.build(body, prefix)
    instance = Instance(project, zone, instance_json, cpus)
    disks.store(world, builder.built_disks)
    failure = world.capacity_failure(project, zone, cpus, resources.last_segment(instance_json["machineType"]))
    instance.doomed = failure is not None
    instance.busy = True
    world.instances[(project, zone, name)] = instance
    hold = boot_host(world, instance) if failure is None else None
    operation = world.start_operation(
        project, zone, "insert", instance_json["selfLink"], instance_json["id"], principal,
        on_running=lambda: set_status(instance, "STAGING"),
        on_done=lambda: _finish_creation(world, instance, failure), request_id=request_id, hold=hold)
    return instance, operation


def set_status(instance, status):
    if not instance.deleting:
        instance.body["status"] = status


def _finish_creation(world, instance, failure):
    instance.busy = False
    if failure is None and not instance.deleting:
        failure = adopt_host(world, instance)
    if failure is not None:
        key = (instance.project, instance.zone, instance.name)
        if world.instances.get(key) is instance:
            del world.instances[key]
            disks.forget_instance(world, instance, failed_insert=True)
        return failure
    if not instance.deleting:
        instance.body["status"] = "RUNNING"
        instance.body["lastStartTimestamp"] = resources.timestamp(world.clock())
    return None


def delete(world, instance, principal, request_id=None):
    """Start deleting ``instance`` (its host halted in backing mode); returns the operation."""
    instance.deleting = True
    instance.busy = True
    instance.body["status"] = "STOPPING"
    hold = halt_host(world, instance)

    def gone():
        key = host_key(instance)
        if world.instances.get(key) is instance:
            del world.instances[key]
            disks.forget_instance(world, instance)
            if world.backing is not None:
                world.backing.forget(key)
        return None

    return world.start_operation(
        instance.project, instance.zone, "delete", instance.body["selfLink"], instance.body["id"], principal,
        on_done=gone, request_id=request_id, hold=hold)
