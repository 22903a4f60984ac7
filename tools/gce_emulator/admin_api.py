"""The test-facing admin endpoints under ``/_emulator/`` (no authentication).

reset, config, faults, the request log, schema violations, service-account keys, minted tokens,
the state (instances; templates and groups to read) a test starts from or inspects, and the operations
clock, which a test moves forward instead of sleeping (token lifetimes keep
real time).
"""

from . import errors, groups, resources
from .faults import FaultSpecError
from .instances import labels_fingerprint, metadata_body
from .world import Instance

DEFAULT_PROJECT = "tdx-test-project"
# The values of the metadata server's instance/maintenance-event (Compute Engine's "Get live
# migration notices" page: NONE, MIGRATE_ON_HOST_MAINTENANCE, TERMINATE_ON_HOST_MAINTENANCE).
MAINTENANCE_EVENTS = ("NONE", "MIGRATE_ON_HOST_MAINTENANCE", "TERMINATE_ON_HOST_MAINTENANCE")


class AdminError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def _instance_from_state(world, entry):
    """An Instance from API-shaped JSON, with what a test left out filled in."""
    if not isinstance(entry, dict) or not entry.get("name") or not entry.get("zone"):
        raise AdminError("each instance needs at least name and zone")
    zone_parts = resources.split_reference(entry["zone"])
    zone = zone_parts[-1]
    if world.catalog.zone(zone) is None:
        raise AdminError("unknown zone %r" % zone)
    project = entry.get("project")
    if not project:
        link_parts = resources.split_reference(entry.get("selfLink") or entry["zone"])
        project = link_parts[1] if len(link_parts) > 2 and link_parts[0] == "projects" else DEFAULT_PROJECT
    body = {k: v for k, v in entry.items() if k != "project"}
    machine_name = resources.last_segment(body.get("machineType") or "c3-standard-4")
    machine = world.catalog.machine_type(zone, machine_name)
    if machine is None:
        raise AdminError("machine type %r does not exist in zone %r" % (machine_name, zone))
    name = body["name"]
    body.setdefault("kind", "compute#instance")
    body.setdefault("id", world.ids.resource_id())
    body.setdefault("creationTimestamp", resources.timestamp(world.clock()))
    body.setdefault("status", "RUNNING")
    body["zone"] = resources.url(project, "zones", zone)
    body["machineType"] = resources.url(project, "zones", zone, "machineTypes", machine_name)
    body["selfLink"] = resources.url(project, "zones", zone, "instances", name)
    body.setdefault("networkInterfaces", [])
    body.setdefault("disks", [])
    body.setdefault("scheduling", {"onHostMaintenance": "MIGRATE", "automaticRestart": True, "preemptible": False,
                                   "provisioningModel": "STANDARD"})
    body.setdefault("deletionProtection", False)
    body["labelFingerprint"] = labels_fingerprint(body.get("labels"))
    body["metadata"] = metadata_body((body.get("metadata") or {}).get("items") or [])
    body.setdefault("confidentialInstanceConfig", {})
    return Instance(project, zone, body, machine["guestCpus"])


def load_state(world, state):
    if not isinstance(state, dict) or not isinstance(state.get("instances", []), list):
        raise AdminError('state must look like {"instances": [ ...instance JSON... ]}')
    loaded = [_instance_from_state(world, entry) for entry in state.get("instances", [])]
    world.clear()
    for instance in loaded:
        key = (instance.project, instance.zone, instance.name)
        if key in world.instances:
            raise AdminError("instance %s is listed twice" % instance.path())
        world.instances[key] = instance


def dump_state(world):
    """The instances; and, to read only (load_state takes instances alone), templates and groups as a GET shows them."""
    for group in world.groups.values():
        groups.refresh(world, group)
    return {"instances": [dict(i.body, project=i.project) for i in world.instances.values()],
            "instanceTemplates": [dict(body, project=project) for (project, _), body in
                                  sorted(world.instance_templates.items())],
            "instanceGroupManagers": [dict(group.body, project=group.project) for _, group in
                                      sorted(world.groups.items(), key=lambda item: item[0])]}


def handle(server, method, path, body):
    """``(status, json)`` for an admin call; ``server`` is the EmulatorServer."""
    world = server.world
    action = path[len("/_emulator/"):].strip("/")
    try:
        if (method, action) == ("POST", "reset"):
            server.reset()
            return 200, {"reset": True}
        if action == "config":
            if method == "POST":
                with world.lock:
                    world.config.update(body or {})
            return 200, world.config.as_dict()
        if action == "faults":
            if method == "POST":
                specs = body.get("faults", []) if isinstance(body, dict) else (body or [])
                server.faults.replace(specs)
            return 200, {"faults": server.faults.describe()}
        if action == "requests":
            if method == "DELETE":
                server.request_log.clear()
                return 200, {"requests": []}
            return 200, {"requests": server.request_log.entries()}
        if action == "schema_violations":
            if method == "DELETE":
                server.schema_violations.clear()
            return 200, {"schema": server.discovery.revision if server.discovery else None,
                         "violations": server.schema_violations.entries()}
        if action == "in_flight":
            if method == "DELETE":
                server.in_flight.reset()
            return 200, server.in_flight.as_dict()
        if (method, action) == ("POST", "keys"):
            server.authenticator.register_key(body["client_email"], body["public_key_pem"], body["key_id"])
            return 200, {"registered": body["client_email"], "key_id": body["key_id"]}
        if (method, action) == ("POST", "tokens"):
            token, lifetime = server.authenticator.mint(body.get("client_email") or "tester@emulator.invalid")
            return 200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}
        if (method, action) == ("POST", "clock"):
            seconds = float((body or {})["advance_seconds"])
            if seconds < 0:
                raise ValueError("the clock only moves forward")
            with world.lock:
                world.clock_offset += seconds
                world.advance()
                return 200, {"offset_seconds": world.clock_offset, "now": world.clock()}
        if (method, action) == ("GET", "clock"):
            return 200, {"offset_seconds": world.clock_offset, "now": world.clock()}
        if (method, action) == ("GET", "backing"):
            backing = world.backing
            return 200, {"backing": "testhosts" if backing else None,
                         "hosts": backing.hosts() if backing else []}
        if (method, action) == ("POST", "maintenance_event"):
            event = body.get("event", "NONE")
            if event not in MAINTENANCE_EVENTS:
                raise ValueError("event must be one of %s" % ", ".join(MAINTENANCE_EVENTS))
            with world.lock:
                instance = world.instance(body.get("project") or DEFAULT_PROJECT, body["zone"], body["instance"])
                instance.maintenance_event = event
            return 200, {"instance": body["instance"], "event": event}
        if action == "state":
            with world.lock:
                if method == "POST":
                    load_state(world, body)
                world.advance()
                return 200, dump_state(world)
    except (ValueError, TypeError, KeyError, FaultSpecError) as problem:
        return 400, {"error": "bad admin request: %s" % problem}
    except AdminError as problem:
        return problem.status, {"error": str(problem)}
    except errors.ApiError as problem:
        return problem.code, problem.body()
    return 404, {"error": "no admin endpoint %s %s" % (method, path)}
