"""instances.bulkInsert: many instances from one set of properties.

Names come first from ``perInstanceProperties`` (its keys), then from
``namePattern``, whose run of ``#`` becomes a zero-padded number that skips
names already taken. All instances are validated like a single insert before
anything is created. Capacity is all-or-nothing for a stockout; under a CPU
quota as many as fit are created if that is at least ``minCount``.
"""

import re

from . import backing_hooks, disks, errors, instances, resources
from .world import Instance, quota_exceeded

MAX_COUNT = 1000
_HASH_RUN_RE = re.compile(r"#+")


def _int_field(body, key, default=None):
    raw = body.get(key, default)
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise errors.invalid_field("resource." + key, raw, "Must be an integer.")


def _names(world, project, zone, body, count):
    per_instance = body.get("perInstanceProperties") or {}
    names = list(per_instance)
    for name in names:
        resources.check_name(name, "resource.perInstanceProperties")
        if (project, zone, name) in world.instances:
            raise errors.already_exists(errors.resource_path(project, "zones", zone, "instances", name))
    if len(names) > count:
        raise errors.invalid_field(
            "resource.perInstanceProperties", len(names), "More per-instance properties than count.")
    pattern = body.get("namePattern")
    if len(names) < count:
        if not pattern:
            raise errors.required_field("resource.namePattern")
        runs = _HASH_RUN_RE.findall(pattern)
        if len(runs) != 1 or len(runs[0]) > 16:
            raise errors.invalid_field(
                "resource.namePattern", pattern, "The name pattern must contain one run of 1 to 16 '#' characters.")
        width = len(runs[0])
        number = 1
        while len(names) < count:
            if number >= 10 ** width:
                raise errors.invalid_field(
                    "resource.namePattern", pattern, "Not enough free names for %d instances." % count)
            candidate = _HASH_RUN_RE.sub(str(number).zfill(width), pattern, count=1)
            number += 1
            if (project, zone, candidate) in world.instances or candidate in names:
                continue
            resources.check_name(candidate, "resource.namePattern")
            names.append(candidate)
    return names


def bulk_insert(call, request_id):
    world = call.world
    project, zone = call.project, call.zone
    body = call.body or {}
    if body.get("sourceInstanceTemplate"):
        raise errors.bad_request("The emulator does not model instance templates.", "unsupported")
    count = _int_field(body, "count")
    if count is None:
        raise errors.required_field("resource.count")
    if not 1 <= count <= MAX_COUNT:
        raise errors.invalid_field("resource.count", count, "Must be between 1 and %d." % MAX_COUNT)
    min_count = _int_field(body, "minCount", count)
    if not 1 <= min_count <= count:
        raise errors.invalid_field("resource.minCount", min_count, "Must be between 1 and count.")
    properties = body.get("instanceProperties")
    if not properties:
        raise errors.required_field("resource.instanceProperties")
    names = _names(world, project, zone, body, count)

    builder = instances.InstanceBuilder(world, project, zone)
    built = []
    built_disks = []  # per instance, the Disk resources it makes
    for name in names:
        request = dict(properties, name=name)
        hostname = (body.get("perInstanceProperties") or {}).get(name, {}).get("hostname")
        if hostname:
            request["hostname"] = hostname
        built.append(builder.build(request, prefix="resource.instanceProperties"))
        built_disks.append(builder.built_disks)

    failure = world.capacity_failure(project, zone, 0)
    created_count = count
    if failure is None:
        region = world.catalog.region_of(zone)
        limit = world.cpu_limit(region)
        free = limit - world.cpus_in_use(project, region)
        per_instance = built[0][1]
        fitting = min(count, free // per_instance if per_instance else count)
        if fitting < min_count:
            failure = quota_exceeded(limit, region)
        created_count = fitting
    if failure is not None:
        created_count = 0

    created = []
    for index, (instance_json, cpus) in enumerate(built):
        instance = Instance(project, zone, instance_json, cpus)
        instance.busy = True
        instance.doomed = index >= created_count
        world.instances[(project, zone, instance.name)] = instance
        disks.store(world, built_disks[index])
        created.append(instance)

    status = {
        "createdVmCount": 0, "failedToCreateVmCount": 0, "deletedVmCount": 0,
        "targetVmCount": count, "status": "CREATING",
    }

    # Backing mode: every instance that will be created boots its test host;
    # the operation stays open until all of them answer SSH (or failed to).
    holds = [backing_hooks.boot_host(world, instance) for instance in created if not instance.doomed]
    holds = [hold for hold in holds if hold is not None]

    def staging():
        for instance in created:
            if not instance.doomed and not instance.deleting:
                instance.body["status"] = "STAGING"

    def done():
        host_failures = []
        removed = 0
        for instance in created:
            instance.busy = False
            key = (project, zone, instance.name)
            problem = None
            if not instance.doomed and not instance.deleting:
                problem = backing_hooks.adopt_host(world, instance)
                if problem is not None:
                    host_failures.append(problem)
            if instance.doomed or problem is not None:
                if world.instances.get(key) is instance:
                    del world.instances[key]
                    disks.forget_instance(world, instance, failed_insert=True)
                    removed += 1
            elif not instance.deleting:
                instance.body["status"] = "RUNNING"
                instance.body["lastStartTimestamp"] = resources.timestamp(world.clock())
        created_now = created_count - len(host_failures)
        status["createdVmCount"] = created_now
        status["failedToCreateVmCount"] = count - created_now
        # The discovery enum ends a bulkInsert DONE either way (CREATING / ROLLING_BACK on the way);
        # a rollback shows in deletedVmCount.
        status["status"] = "DONE"
        if failure is not None or host_failures:
            status["deletedVmCount"] = removed
        return failure or (host_failures[0] if host_failures else None)

    operation = world.start_operation(
        project, zone, "bulkInsert", resources.url(project, "zones", zone, "instances", "bulkInsert"), None,
        call.principal, on_running=staging, on_done=done, request_id=request_id,
        hold=(lambda: any(hold() for hold in holds)) if holds else None)
    operation.extra["instancesBulkInsertOperationMetadata"] = {"perLocationStatus": {"zones/" + zone: status}}
    return operation
