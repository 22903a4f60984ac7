"""instanceTemplates and (regional) instanceGroupManagers.

Templates are global and immutable: insert, get, list, delete (refused while
a group uses one). Their properties pass the checks an instance insert
passes (machine type, boot image, disk types, the Confidential VM rules), in
a zone that offers the machine type (a TDX zone for a TDX template), since a
template has no zone of its own.

A group is a record plus a reconciler that runs after every advance of the
world's clock (World.reconcilers): it creates members from the group's
template (``<baseInstanceName>-<4 random characters>``, in the group's zone or
spread evenly over its zones), deletes surplus ones, and, with a PROACTIVE
update policy, replaces members made from another template within maxSurge
(members above targetSize) and maxUnavailable (members not RUNNING). Members
are ordinary instances made and deleted through lifecycle.py, so capacity,
quota, faults and backing mode apply to them as to any insert.

createInstances raises targetSize and names the next members made;
deleteInstances deletes the members it names and lowers targetSize by as
many, so a caller can replace chosen members one wave at a time (with an
OPPORTUNISTIC policy the group replaces none by itself).

Modelled: one version (the group's instanceTemplate); every template change
replaces a member (minimalAction is stored, not acted on); no health checks
(autoHealingPolicies are stored), no per-instance configs, no listErrors.
"""

import copy
import string

from . import errors, lifecycle, listing, resources
from .instances import InstanceBuilder

OPERATION_PREFIX = "compute.instanceGroupManagers."
UPDATE_TYPES = ("PROACTIVE", "OPPORTUNISTIC")
MINIMAL_ACTIONS = ("NONE", "REFRESH", "RESTART", "REPLACE")
SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SUFFIX_LENGTH = 4  # Compute Engine names members <base>-<4 characters>


class Group:
    def __init__(self, project, kind, location, body, zones):
        self.project = project
        self.kind = kind  # "zones" or "regions"
        self.location = location
        self.body = body
        self.zones = zones
        self.members = {}  # (zone, instance name) -> template selfLink it was made from
        self.deleting = False
        self.retry_after = 0.0  # a member that vanished (failed insert): wait before the next try
        self.expected_gone = set()  # members the group itself is deleting
        self.named = []  # names asked for by createInstances, given to the next members made
        # Names createInstances gave (its per-instance configs): a member of such a
        # name that fails to be made is made again under the same name.
        self.configured = set()

    @property
    def name(self):
        return self.body["name"]

    def key(self):
        return (self.project, "%s/%s" % (self.kind, self.location), self.name)


# -- shared helpers ---------------------------------------------------------------------------
def _scope(call):
    if "region" in call.params:
        return "regions", call.params["region"]
    return "zones", call.params["zone"]


def _check_location(call):
    kind, location = _scope(call)
    catalog = call.world.catalog
    if kind == "zones" and catalog.zone(location) is None:
        raise errors.invalid_field("zone", location, "Unknown zone.")
    if kind == "regions" and location not in catalog.regions:
        raise errors.invalid_field("region", location, "Unknown region.")
    return kind, location


def _start(call, operation_type, target_link, target_id, request_id, on_done=None, hold=None):
    kind, location = _scope(call)
    return call.world.start_operation(
        call.project, location if kind == "zones" else None, operation_type, target_link, target_id, call.principal,
        on_done=on_done, request_id=request_id, hold=hold, region=location if kind == "regions" else None)


def _write(call, act):
    """requestId replay, then ``act(request_id)`` which returns an Operation."""
    request_id = lifecycle.request_id(call)
    if request_id is not None:
        earlier = call.world.request_ids.get((call.project, request_id))
        if earlier is not None:
            return 200, earlier.to_json()
    return 200, act(request_id).to_json()


def _int(raw, field, minimum=0):
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise errors.invalid_field(field, raw, "Must be an integer.")
    if value < minimum:
        raise errors.invalid_field(field, raw, "Must be at least %d." % minimum)
    return value


# -- instance templates -------------------------------------------------------------------------
def _template(world, project, reference, field):
    parts = resources.split_reference(reference)
    template_project = project
    if len(parts) >= 2 and parts[0] == "projects":
        template_project, parts = parts[1], parts[2:]
    if parts[:2] == ["global", "instanceTemplates"]:
        parts = parts[2:]
    if len(parts) != 1:
        raise errors.invalid_field(field, reference, "The referenced instanceTemplate resource cannot be found.")
    body = world.instance_templates.get((template_project, parts[0]))
    if body is None:
        raise errors.not_found(errors.resource_path(template_project, "global", "instanceTemplates", parts[0]))
    return body


def _zones_for(world, properties, region=None):
    """Zones (of ``region``, or all) where an instance of these properties could run, TDX zones for a TDX one."""
    catalog = world.catalog
    machine = resources.last_segment(properties.get("machineType"))
    kind = (properties.get("confidentialInstanceConfig") or {}).get("confidentialInstanceType")
    allowed = catalog.confidential_zones(kind) if kind and kind != "CONFIDENTIAL_INSTANCE_TYPE_UNSPECIFIED" else None
    return [zone for zone in sorted(catalog.zones)
            if (region is None or catalog.region_of(zone) == region)
            and catalog.machine_type(zone, machine) is not None
            and (allowed is None or zone in allowed)]


def _check_properties(world, project, properties, prefix):
    """Refuse properties an insert would refuse: built once as an instance in a zone that could run it."""
    if not isinstance(properties, dict) or not properties:
        raise errors.required_field(prefix)
    machine = properties.get("machineType")
    if not machine:
        raise errors.required_field(prefix + ".machineType")
    if len(resources.split_reference(machine)) != 1:
        raise errors.invalid_field(
            prefix + ".machineType", machine, "An instance template names its machine type without a zone.")
    subnet_region = None
    for nic in properties.get("networkInterfaces") or []:
        parts = resources.split_reference(nic.get("subnetwork"))
        if "regions" in parts:
            subnet_region = parts[parts.index("regions") + 1]
    zones = _zones_for(world, properties, subnet_region) or [
        zone for zone in sorted(world.catalog.zones) if world.catalog.machine_type(zone, machine) is not None]
    if not zones:
        raise errors.invalid_field(
            prefix + ".machineType", machine, "Machine type with name '%s' does not exist." % machine)
    probe = dict(copy.deepcopy(properties), name="template-check")
    InstanceBuilder(world, project, zones[0]).build(probe, prefix)  # raises the insert's refusal; stores nothing


def templates_insert(call):
    world = call.world
    body = call.body or {}

    def act(request_id):
        name = body.get("name")
        resources.check_name(name)
        if (call.project, name) in world.instance_templates:
            raise errors.already_exists(errors.resource_path(call.project, "global", "instanceTemplates", name))
        _check_properties(world, call.project, body.get("properties"), "resource.properties")
        link = resources.url(call.project, "global", "instanceTemplates", name)
        template = {
            "kind": "compute#instanceTemplate",
            "id": world.ids.resource_id(),
            "creationTimestamp": resources.timestamp(world.clock()),
            "name": name,
            "properties": copy.deepcopy(body["properties"]),
            "selfLink": link,
        }
        if body.get("description"):
            template["description"] = body["description"]
        world.instance_templates[(call.project, name)] = template
        return world.start_operation(call.project, None, "compute.instanceTemplates.insert", link, template["id"],
                                     call.principal, request_id=request_id)

    return _write(call, act)


def templates_get(call):
    return 200, _template(call.world, call.project, call.params["instanceTemplate"], "instanceTemplate")


def templates_list(call):
    items = [body for (p, _), body in sorted(call.world.instance_templates.items()) if p == call.project]
    return 200, listing.list_response(
        "compute#instanceTemplateList", resources.url(call.project, "global", "instanceTemplates"), items,
        call.query, "projects/%s/global/instanceTemplates" % call.project)


def templates_delete(call):
    world = call.world

    def act(request_id):
        # Looked up after the requestId replay: a retry of a delete that was served gets its operation, not 404.
        template = _template(world, call.project, call.params["instanceTemplate"], "instanceTemplate")
        for group in world.groups.values():
            if template["selfLink"] in [group.body["instanceTemplate"]] + list(group.members.values()):
                raise errors.ApiError(
                    400, "resourceInUseByAnotherResource",
                    "The instance_template resource '%s' is already being used by '%s'" % (
                        errors.resource_path(call.project, "global", "instanceTemplates", template["name"]),
                        errors.resource_path(group.project, group.kind, group.location, "instanceGroupManagers",
                                             group.name)))
        del world.instance_templates[(call.project, template["name"])]
        return world.start_operation(call.project, None, "compute.instanceTemplates.delete", template["selfLink"],
                                     template["id"], call.principal, request_id=request_id)

    return _write(call, act)


# -- instance group managers ------------------------------------------------------------------------
def _fixed_or_percent(raw, field, target_size, zones):
    """The number a FixedOrPercent stands for ({"fixed": N} or {"percent": P} of targetSize), default one per zone."""
    if raw is None:
        return zones
    if not isinstance(raw, dict) or ("fixed" in raw) == ("percent" in raw):
        raise errors.invalid_field(field, raw, "Set exactly one of fixed or percent.")
    if "fixed" in raw:
        return _int(raw["fixed"], field + ".fixed")
    percent = _int(raw["percent"], field + ".percent")
    if percent > 100:
        raise errors.invalid_field(field + ".percent", percent, "Must be between 0 and 100.")
    return int(round(target_size * percent / 100.0))


def _update_policy(requested, target_size, zones, field="resource.updatePolicy"):
    """The stored updatePolicy with its defaults, or raise 400 for a policy Compute Engine refuses."""
    requested = dict(requested or {})
    kind = requested.get("type", "PROACTIVE")
    if kind not in UPDATE_TYPES:
        raise errors.invalid_field(field + ".type", kind, "Must be one of %s." % ", ".join(UPDATE_TYPES))
    minimal = requested.get("minimalAction", "REPLACE")
    if minimal not in MINIMAL_ACTIONS:
        raise errors.invalid_field(field + ".minimalAction", minimal, "Must be one of %s." % ", ".join(MINIMAL_ACTIONS))
    surge = _fixed_or_percent(requested.get("maxSurge"), field + ".maxSurge", target_size, len(zones))
    unavailable = _fixed_or_percent(requested.get("maxUnavailable"), field + ".maxUnavailable", target_size, len(zones))
    if surge == 0 and unavailable == 0:
        raise errors.invalid_field(field, "maxSurge=0, maxUnavailable=0",
                                   "At least one of maxSurge or maxUnavailable must be greater than 0.")
    for value, name in ((surge, "maxSurge"), (unavailable, "maxUnavailable")):
        # A regional group works zone by zone: Google's MIG pages ask for 0 or at least the number of zones.
        if len(zones) > 1 and 0 < value < len(zones):
            raise errors.invalid_field(
                "%s.%s.fixed" % (field, name), value,
                "For a regional group %s must be 0 or at least the number of zones (%d)." % (name, len(zones)))
    policy = {
        "type": kind,
        "minimalAction": minimal,
        "replacementMethod": requested.get("replacementMethod", "SUBSTITUTE"),
        "maxSurge": dict(requested.get("maxSurge") or {"fixed": len(zones)}, calculated=surge),
        "maxUnavailable": dict(requested.get("maxUnavailable") or {"fixed": len(zones)}, calculated=unavailable),
    }
    for passthrough in ("mostDisruptiveAllowedAction", "instanceRedistributionType"):
        if passthrough in requested:
            policy[passthrough] = requested[passthrough]
    return policy


def _group(call):
    kind, location = _check_location(call)
    group = call.world.groups.get((call.project, "%s/%s" % (kind, location), call.params["instanceGroupManager"]))
    if group is None:
        raise errors.not_found(errors.resource_path(
            call.project, kind, location, "instanceGroupManagers", call.params["instanceGroupManager"]))
    return group


def _group_zones(call, kind, location, template, body):
    if kind == "zones":
        zones = [location]
    else:
        requested = ((body.get("distributionPolicy") or {}).get("zones")) or []
        zones = [resources.last_segment(entry.get("zone")) for entry in requested]
        for zone in zones:
            if call.world.catalog.zone(zone) is None or call.world.catalog.region_of(zone) != location:
                raise errors.invalid_field("resource.distributionPolicy.zones", zone,
                                           "The zone must be in region '%s'." % location)
        if not zones:
            # Google picks the region's zones; the emulator picks those the template can run in.
            zones = _zones_for(call.world, template["properties"], location)
    _check_template_zones(call.world, template, zones, location if kind == "regions" else None)
    return zones


def _check_template_zones(world, template, zones, region):
    """A template the group's zones cannot run (TDX outside a TDX zone) is refused at once.

    Compute Engine accepts such a group and its members then fail to be
    created again and again; the emulator refuses it so that a test sees the
    mistake instead of a group that never becomes stable.
    """
    fit = set(_zones_for(world, template["properties"]))
    wrong = [zone for zone in zones if zone not in fit]
    if not zones or wrong:
        raise errors.invalid_field(
            "resource.instanceTemplate", template["selfLink"],
            "The template's machine type or confidential instance type is not offered in zone(s) %s." % (
                ", ".join(wrong) or region))


def groups_insert(call):
    world = call.world
    kind, location = _check_location(call)
    body = call.body or {}

    def act(request_id):
        name = body.get("name")
        resources.check_name(name)
        key = (call.project, "%s/%s" % (kind, location), name)
        if key in world.groups:
            raise errors.already_exists(errors.resource_path(call.project, kind, location, "instanceGroupManagers",
                                                             name))
        base = body.get("baseInstanceName")
        if not base:
            raise errors.required_field("resource.baseInstanceName")
        if not resources.is_valid_name(base) or len(base) > 58:
            raise errors.invalid_field("resource.baseInstanceName", base,
                                       "Must be a match of regex '%s' of at most 58 characters." %
                                       resources.NAME_PATTERN)
        reference = body.get("instanceTemplate") or ((body.get("versions") or [{}])[0]).get("instanceTemplate")
        if len(body.get("versions") or []) > 1:
            raise errors.bad_request("The emulator models groups of one version.", "unsupported")
        if not reference:
            raise errors.required_field("resource.instanceTemplate")
        template = _template(world, call.project, reference, "resource.instanceTemplate")
        target = _int(body.get("targetSize", 0), "resource.targetSize")
        zones = _group_zones(call, kind, location, template, body)
        link = resources.url(call.project, kind, location, "instanceGroupManagers", name)
        stored = {
            "kind": "compute#instanceGroupManager",
            "id": world.ids.resource_id(),
            "creationTimestamp": resources.timestamp(world.clock()),
            "name": name,
            "baseInstanceName": base,
            "instanceTemplate": template["selfLink"],
            "versions": [{"instanceTemplate": template["selfLink"], "targetSize": {"calculated": target}}],
            "instanceGroup": resources.url(call.project, kind, location, "instanceGroups", name),
            "targetSize": target,
            "updatePolicy": _update_policy(body.get("updatePolicy"), target, zones),
            "listManagedInstancesResults": "PAGELESS",
            "selfLink": link,
        }
        if kind == "zones":
            stored["zone"] = resources.url(call.project, "zones", location)
        else:
            stored["region"] = resources.url(call.project, "regions", location)
            stored["distributionPolicy"] = {
                "zones": [{"zone": resources.url(call.project, "zones", zone)} for zone in zones],
                "targetShape": (body.get("distributionPolicy") or {}).get("targetShape", "EVEN")}
            stored["updatePolicy"].setdefault("instanceRedistributionType", "PROACTIVE")
        for passthrough in ("description", "autoHealingPolicies", "namedPorts"):
            if body.get(passthrough):
                stored[passthrough] = copy.deepcopy(body[passthrough])
        group = Group(call.project, kind, location, stored, zones)
        world.groups[key] = group
        _refresh(world, group)
        return _start(call, OPERATION_PREFIX + "insert", link, stored["id"], request_id)

    return _write(call, act)


def groups_get(call):
    group = _group(call)
    _refresh(call.world, group)
    return 200, group.body


def groups_list(call):
    world = call.world
    kind, location = _check_location(call)
    scope = "%s/%s" % (kind, location)
    items = []
    for (project, group_scope, _), group in sorted(world.groups.items()):
        if project == call.project and group_scope == scope:
            _refresh(world, group)
            items.append(group.body)
    list_kind = "compute#instanceGroupManagerList" if kind == "zones" else "compute#regionInstanceGroupManagerList"
    return 200, listing.list_response(
        list_kind, resources.url(call.project, kind, location, "instanceGroupManagers"), items, call.query,
        "projects/%s/%s/%s/instanceGroupManagers" % (call.project, kind, location))


def groups_delete(call):
    world = call.world

    def act(request_id):
        group = _group(call)  # after the requestId replay, as for a template's delete
        group.deleting = True
        for zone, name in list(group.members):
            instance = world.instances.get((group.project, zone, name))
            if instance is not None and not instance.deleting:
                lifecycle.delete(world, instance, call.principal)

        def members_left():
            return any((group.project, zone, name) in world.instances for zone, name in group.members)

        def gone():
            world.groups.pop(group.key(), None)
            return None

        return _start(call, OPERATION_PREFIX + "delete", group.body["selfLink"], group.body["id"], request_id,
                      on_done=gone, hold=members_left)

    return _write(call, act)


def _group_operation(call, group, method, request_id):
    """The operation of a change to ``group`` (done at once; its members follow as the reconciler runs)."""
    _refresh(call.world, group)
    return _start(call, OPERATION_PREFIX + method, group.body["selfLink"], group.body["id"], request_id)


def _refuse_while_deleting(group):
    if group.deleting:
        raise errors.not_ready(errors.resource_path(group.project, group.kind, group.location,
                                                    "instanceGroupManagers", group.name))


def groups_resize(call):
    group = _group(call)
    if "size" not in call.query:
        raise errors.required_field("size")
    size = _int(call.query["size"], "size")

    def act(request_id):
        _refuse_while_deleting(group)
        group.body["targetSize"] = size
        return _group_operation(call, group, "resize", request_id)

    return _write(call, act)


def _set_template(world, call, group, reference, field):
    template = _template(world, call.project, reference, field)
    _check_template_zones(world, template, group.zones, group.location if group.kind == "regions" else None)
    group.body["instanceTemplate"] = template["selfLink"]
    group.body["versions"] = [{"instanceTemplate": template["selfLink"]}]


def groups_set_instance_template(call):
    world = call.world
    group = _group(call)
    body = call.body or {}

    def act(request_id):
        _refuse_while_deleting(group)
        if not body.get("instanceTemplate"):
            raise errors.required_field("resource.instanceTemplate")
        _set_template(world, call, group, body["instanceTemplate"], "resource.instanceTemplate")
        return _group_operation(call, group, "setInstanceTemplate", request_id)

    return _write(call, act)


def groups_patch(call):
    """A JSON merge patch of the fields the emulator models; the fingerprint, when sent, must be current."""
    world = call.world
    group = _group(call)
    body = call.body or {}

    def act(request_id):
        _refuse_while_deleting(group)
        _refresh(world, group)
        if body.get("fingerprint") and body["fingerprint"] != group.body["fingerprint"]:
            raise errors.condition_not_met("Fingerprint of the instance group manager does not match.")
        for fixed in ("name", "baseInstanceName", "zone", "region"):
            if fixed in body and body[fixed] != group.body.get(fixed):
                raise errors.invalid_field("resource." + fixed, body[fixed], "This field cannot be patched.")
        if "distributionPolicy" in body and body["distributionPolicy"] != group.body.get("distributionPolicy"):
            raise errors.invalid_field("resource.distributionPolicy", body["distributionPolicy"],
                                       "The emulator does not move a group to other zones.")
        target = _int(body.get("targetSize", group.body["targetSize"]), "resource.targetSize")
        policy = group.body["updatePolicy"]
        if "updatePolicy" in body:
            merged = {k: v for k, v in policy.items()}
            for key in ("maxSurge", "maxUnavailable"):
                merged[key] = {k: v for k, v in merged[key].items() if k != "calculated"}
            merged.update(body["updatePolicy"] or {})
            policy = _update_policy(merged, target, group.zones)
            if group.kind == "regions":
                policy.setdefault("instanceRedistributionType", "PROACTIVE")
        reference = body.get("instanceTemplate") or ((body.get("versions") or [{}])[0]).get("instanceTemplate")
        if reference:
            _set_template(world, call, group, reference, "resource.instanceTemplate")
        group.body["updatePolicy"] = policy
        group.body["targetSize"] = target
        for passthrough in ("description", "autoHealingPolicies", "namedPorts"):
            if passthrough in body:
                if body[passthrough]:
                    group.body[passthrough] = copy.deepcopy(body[passthrough])
                else:
                    group.body.pop(passthrough, None)
        return _group_operation(call, group, "patch", request_id)

    return _write(call, act)


def _member_of(group, reference, field):
    """(zone, name) of the member a deleteInstances URL names; None when the group has no such member."""
    parts = resources.split_reference(reference)  # [projects/P/]zones/Z/instances/N
    if len(parts) < 4 or parts[-2] != "instances" or parts[-4] != "zones":
        raise errors.invalid_field(field, reference, "Must be the URL of an instance: zones/ZONE/instances/NAME.")
    zone, name = parts[-3], parts[-1]
    if zone not in group.zones:
        raise errors.invalid_field(field, reference, "The instance is not in a zone of the group.")
    return (zone, name) if (zone, name) in group.members else None


def groups_create_instances(call):
    """Named members, made from the group's current template; targetSize grows by as many."""
    world = call.world
    group = _group(call)
    body = call.body or {}

    def act(request_id):
        _refuse_while_deleting(group)
        entries = body.get("instances") or []
        if not entries:
            raise errors.required_field("resource.instances")
        names = []
        for index, entry in enumerate(entries):
            name = entry.get("name")
            field = "resource.instances[%d].name" % index
            if not name:
                raise errors.required_field(field)
            resources.check_name(name)
            taken = name in names or name in group.named or any(
                (group.project, zone, name) in world.instances for zone in group.zones)
            if taken:
                raise errors.already_exists(errors.resource_path(call.project, group.kind, group.location,
                                                                 "instanceGroupManagers", group.name) +
                                            "/instances/" + name)
            names.append(name)
        group.named.extend(names)
        group.configured.update(names)
        group.body["targetSize"] += len(names)
        return _group_operation(call, group, "createInstances", request_id)

    return _write(call, act)


def groups_delete_instances(call):
    """The named members deleted; targetSize shrinks by as many (no other member is made for them)."""
    world = call.world
    group = _group(call)
    body = call.body or {}

    def act(request_id):
        _refuse_while_deleting(group)
        references = body.get("instances") or []
        if not references:
            raise errors.required_field("resource.instances")
        skip = bool(body.get("skipInstancesOnValidationError"))
        chosen = []
        for index, reference in enumerate(references):
            member = _member_of(group, reference, "resource.instances[%d]" % index)
            instance = world.instances.get((group.project,) + member) if member else None
            if instance is None or instance.deleting:
                if skip:
                    continue
                raise errors.invalid_field("resource.instances[%d]" % index, reference,
                                           "The instance is not a member of the group, or is being deleted.")
            if member not in chosen:
                chosen.append(member)
        for zone, name in chosen:
            group.expected_gone.add((zone, name))
            group.configured.discard(name)
            lifecycle.delete(world, world.instances[(group.project, zone, name)], _group_principal(world, group))
        group.body["targetSize"] = max(0, group.body["targetSize"] - len(chosen))
        return _group_operation(call, group, "deleteInstances", request_id)

    return _write(call, act)


def groups_list_managed_instances(call):
    world = call.world
    group = _group(call)
    managed = []
    for (zone, name), template_link in sorted(group.members.items()):
        instance = world.instances.get((group.project, zone, name))
        if instance is None:
            continue
        entry = {
            "instance": instance.body["selfLink"],
            "id": instance.body["id"],
            "name": name,
            "instanceStatus": instance.status,
            "currentAction": _action_of(instance, template_link, group),
            "version": {"instanceTemplate": template_link},
        }
        managed.append(entry)
    return 200, {"managedInstances": managed} if managed else {}


# -- the reconciler --------------------------------------------------------------------------------
def _action_of(instance, template_link, group):
    if instance.deleting:
        return "DELETING"
    if instance.busy or instance.status != "RUNNING":
        return "CREATING" if instance.status in ("PROVISIONING", "STAGING") else "VERIFYING"
    return "NONE"


def _policy_numbers(group):
    policy = group.body["updatePolicy"]
    return (policy["type"] == "PROACTIVE", policy["maxSurge"]["calculated"], policy["maxUnavailable"]["calculated"])


def _refresh(world, group):
    """Recompute what a GET shows: currentActions, status.isStable, the fingerprint, calculated limits."""
    target = group.body["targetSize"]
    policy = group.body["updatePolicy"]
    zones = len(group.zones)
    for key in ("maxSurge", "maxUnavailable"):
        raw = {k: v for k, v in policy[key].items() if k != "calculated"}
        policy[key]["calculated"] = _fixed_or_percent(raw, key, target, zones)
    actions = {name: 0 for name in ("abandoning", "creating", "creatingWithoutRetries", "deleting", "none",
                                    "recreating", "refreshing", "restarting", "resuming", "starting", "stopping",
                                    "suspending", "verifying")}
    current = group.body["instanceTemplate"]
    outdated = 0
    live = 0
    for (zone, name), template_link in group.members.items():
        instance = world.instances.get((group.project, zone, name))
        if instance is None:
            continue
        action = _action_of(instance, template_link, group)
        actions[action.lower() if action != "NONE" else "none"] += 1
        if not instance.deleting:
            live += 1
            outdated += template_link != current
    proactive = policy["type"] == "PROACTIVE"
    version_reached = outdated == 0
    stable = (not group.deleting and actions["none"] == live == target
              and sum(actions.values()) == live and (version_reached or not proactive))
    group.body["currentActions"] = actions
    group.body["status"] = {"isStable": stable, "versionTarget": {"isReached": version_reached}}
    group.body["versions"] = [{"instanceTemplate": current, "targetSize": {"calculated": target}}]
    fingerprinted = {k: v for k, v in group.body.items() if k not in ("fingerprint", "currentActions", "status")}
    group.body["fingerprint"] = resources.fingerprint(fingerprinted)


refresh = _refresh  # what a GET shows, for the admin state too


def reconcile_all(world):
    for group in list(world.groups.values()):
        if not group.deleting:
            _reconcile(world, group)


def _reconcile(world, group):
    now = world.clock()
    members = []
    for (zone, name), template_link in list(group.members.items()):
        instance = world.instances.get((group.project, zone, name))
        if instance is None:
            # Gone without the group deleting it (a failed insert, a delete from outside): made again later.
            del group.members[(zone, name)]
            if (zone, name) not in group.expected_gone:
                group.retry_after = now + world.config.operation_seconds
                if name in group.configured and name not in group.named:
                    group.named.insert(0, name)
            group.expected_gone.discard((zone, name))
            continue
        members.append((zone, name, template_link, instance))
    current = group.body["instanceTemplate"]
    target = group.body["targetSize"]
    proactive, surge, unavailable = _policy_numbers(group)
    live = [m for m in members if not m[3].deleting]
    outdated = [m for m in live if m[2] != current] if proactive else []

    def ready(member):
        return member[3].status == "RUNNING" and not member[3].busy

    victims = []
    if outdated:
        available = sum(1 for m in live if ready(m))
        # Members not available cost nothing to remove; each available one counts against maxUnavailable.
        spare = available - (target - unavailable)
        for member in sorted(outdated, key=lambda m: (ready(m), m[1])):
            if not ready(member):
                victims.append(member)
            elif spare > 0:
                victims.append(member)
                spare -= 1
    remaining = [m for m in live if m not in victims]
    # Members above targetSize are allowed while they replace outdated ones (maxSurge), no more.
    allowed = target + min(surge, sum(1 for m in remaining if m[2] != current) if proactive else 0)
    if len(remaining) > allowed:
        # A smaller group: members of another template first, then those not running, then by name.
        surplus = sorted(remaining, key=lambda m: (m[2] == current, ready(m), m[1]))[:len(remaining) - allowed]
        victims.extend(surplus)
        remaining = [m for m in remaining if m not in surplus]
    for zone, name, _, instance in victims:
        group.expected_gone.add((zone, name))
        lifecycle.delete(world, instance, _group_principal(world, group))
    still_outdated = [m for m in remaining if m[2] != current] if proactive else []
    wanted = target + min(surge, len(still_outdated))
    total = len(members)  # those being deleted count until they are gone, so waves do not overlap
    missing = wanted - total
    if missing <= 0 or now < group.retry_after:
        return
    per_zone = {zone: 0 for zone in group.zones}
    for zone, _, _, instance in members:
        if zone in per_zone and not instance.deleting:
            per_zone[zone] += 1
    template = _template_by_link(world, current)
    if template is None:
        return
    for _ in range(missing):
        zone = min(group.zones, key=lambda z: (per_zone[z], group.zones.index(z)))
        name = group.named[0] if group.named else _member_name(world, group, zone)
        try:
            lifecycle.create(world, group.project, zone, _member_body(world, group, template, name),
                             _group_principal(world, group), prefix="instanceTemplate.properties")
        except errors.ApiError:
            # The real group keeps trying (listErrors shows why); the emulator tries again a little later.
            group.retry_after = now + world.config.operation_seconds
            return
        group.members[(zone, name)] = current
        if group.named and group.named[0] == name:
            group.named.pop(0)
        per_zone[zone] += 1


def _template_by_link(world, link):
    parts = resources.split_reference(link)  # projects/P/global/instanceTemplates/N
    return world.instance_templates.get((parts[1], parts[-1])) if len(parts) == 5 else None


def _group_principal(world, group):
    # Compute Engine's own service agent makes a group's members.
    return "%s@cloudservices.gserviceaccount.com" % world.catalog.project_number


def _member_name(world, group, zone):
    random_source = world.ids._random
    while True:
        suffix = "".join(random_source.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
        name = "%s-%s" % (group.body["baseInstanceName"], suffix)
        if (group.project, zone, name) not in world.instances:
            return name


def _member_body(world, group, template, name):
    body = copy.deepcopy(template["properties"])
    body["name"] = name
    items = [item for item in (body.get("metadata") or {}).get("items") or []
             if item.get("key") not in ("instance-template", "created-by")]
    # As on Compute Engine: each member says which template and which group made it.
    items.append({"key": "instance-template", "value": errors.resource_path(
        world.catalog.project_number, "global", "instanceTemplates", template["name"])})
    items.append({"key": "created-by", "value": errors.resource_path(
        world.catalog.project_number, group.kind, group.location, "instanceGroupManagers", group.name)})
    body["metadata"] = dict(body.get("metadata") or {}, items=items)
    return body


_GROUP = r"/instanceGroupManagers/(?P<instanceGroupManager>[^/]+)"


def routes(project, zone):
    region = project + "/regions/(?P<region>[^/]+)"
    template = project + "/global/instanceTemplates"
    out = [
        ("POST", template, templates_insert),
        ("GET", template, templates_list),
        ("GET", template + "/(?P<instanceTemplate>[^/]+)", templates_get),
        ("DELETE", template + "/(?P<instanceTemplate>[^/]+)", templates_delete),
    ]
    for scope in (zone, region):
        out += [
            ("POST", scope + "/instanceGroupManagers", groups_insert),
            ("GET", scope + "/instanceGroupManagers", groups_list),
            ("GET", scope + _GROUP, groups_get),
            ("DELETE", scope + _GROUP, groups_delete),
            ("PATCH", scope + _GROUP, groups_patch),
            ("POST", scope + _GROUP + "/resize", groups_resize),
            ("POST", scope + _GROUP + "/setInstanceTemplate", groups_set_instance_template),
            ("POST", scope + _GROUP + "/listManagedInstances", groups_list_managed_instances),
            ("POST", scope + _GROUP + "/createInstances", groups_create_instances),
            ("POST", scope + _GROUP + "/deleteInstances", groups_delete_instances),
        ]
    return out
