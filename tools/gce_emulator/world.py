"""Everything the emulator holds: configuration, instances, operations, time.

Time is modelled with a timeline of due events instead of background
threads: every request first runs the events whose time has come
(:meth:`World.advance`), so an operation is PENDING, then RUNNING, then DONE
exactly when its clock says so, whichever thread looks at it first.
"""

import heapq
import ipaddress
import itertools
import threading
import time

from . import errors, resources

# Where in an operation's duration it turns from PENDING to RUNNING.
RUNNING_AT = 0.2
# The real zoneOperations.wait returns after at most two minutes.
WAIT_LIMIT_SECONDS = 120.0
# Instances in these states hold no vCPUs (a suspended one keeps only its memory, on disk).
IDLE_STATUSES = ("TERMINATED", "SUSPENDED")
# How often an operation held open by a backing host looks again (backing mode).
HOLD_POLL_SECONDS = 0.25


class Config:
    DEFAULTS = {
        "operation_seconds": 1.0,
        "stocked_out_zones": [],
        "cpu_quota": {},
        "latency_seconds": 0.0,
        "wait_limit_seconds": WAIT_LIMIT_SECONDS,
        # Per-project API requests per minute (each minute of the emulator clock); 0 = no limit.
        # Over it: 403 rateLimitExceeded, as Compute Engine's per-minute quotas answer.
        "write_requests_per_minute": 0,
        "read_requests_per_minute": 0,
        # Zones a stockout's errorDetails name as having capacity (errorInfo.metadatas.zonesAvailable).
        "zones_available": [],
        # Statuses a stop passes through, spread over its operation (STOPPING alone by default).
        "stop_statuses": ["STOPPING"],
        # Google's catalog moving on: zones now offering TDX beyond catalog.json's list, and
        # zones whose availableCpuPlatforms differ from it ({zone: [platform, ...]}).
        "tdx_zones_added": [],
        "zone_cpu_platforms": {},
    }

    def __init__(self, **overrides):
        self.values = {}
        self.update(dict(self.DEFAULTS))
        self.update(overrides)

    def update(self, settings):
        unknown = set(settings) - set(self.DEFAULTS)
        if unknown:
            raise ValueError("unknown settings: %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(self.DEFAULTS))))
        for key, value in settings.items():
            if key in ("operation_seconds", "latency_seconds", "wait_limit_seconds"):
                value = float(value)
                if value < 0:
                    raise ValueError("%s must not be negative" % key)
            elif key in ("stocked_out_zones", "zones_available", "tdx_zones_added"):
                if not isinstance(value, (list, tuple)):
                    raise ValueError("%s must be a list of zone names" % key)
                value = [str(zone) for zone in value]
            elif key == "stop_statuses":
                allowed = ("PENDING_STOP", "STOPPING", "DEPROVISIONING")
                if not isinstance(value, (list, tuple)) or not value or any(v not in allowed for v in value):
                    raise ValueError("stop_statuses must be a non-empty list of %s" % ", ".join(allowed))
                value = [str(status) for status in value]
            elif key in ("write_requests_per_minute", "read_requests_per_minute"):
                value = int(value)
                if value < 0:
                    raise ValueError("%s must not be negative" % key)
            elif key == "zone_cpu_platforms":
                if not isinstance(value, dict) or any(not isinstance(v, (list, tuple)) for v in value.values()):
                    raise ValueError("zone_cpu_platforms must map zone names to lists of CPU platforms")
                value = {str(zone): [str(p) for p in platforms] for zone, platforms in value.items()}
            elif key == "cpu_quota":
                if not isinstance(value, dict):
                    raise ValueError("cpu_quota must map region names to vCPU counts")
                value = {str(region): int(cpus) for region, cpus in value.items()}
            self.values[key] = value

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name)

    def as_dict(self):
        return {key: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v) for key, v in self.values.items()}


class OperationFailure:
    """How an operation ends when it fails: Operation.error plus the HTTP status Google reports."""

    HTTP_MESSAGES = {400: "BAD REQUEST", 403: "FORBIDDEN", 409: "CONFLICT", 500: "INTERNAL SERVER ERROR",
                     503: "SERVICE UNAVAILABLE"}

    def __init__(self, code, message, http_status, details=None):
        self.code = code
        self.message = message
        self.http_status = http_status
        self.details = details or []  # Operation.error.errors[].errorDetails


def stockout(project, zone, machine_type=None, zones_available=()):
    """ZONE_RESOURCE_POOL_EXHAUSTED with errorDetails as Compute Engine sends them.

    The shape (errorInfo reason resource_availability, domain
    compute.googleapis.com, metadatas zone/vmType/zonesAvailable; help;
    localizedMessage) is the one gcloud prints (docs/emulator.md cites it).
    """
    metadatas = {"zone": zone}
    if machine_type:
        metadatas["vmType"] = machine_type
    others = [z for z in zones_available if z != zone]
    if others:
        metadatas["zonesAvailable"] = ",".join(others)
    sentence = "A %s VM instance is currently unavailable in the %s zone." % (machine_type or "requested", zone)
    if others:
        sentence += " Consider trying your request in the %s zone(s), which currently has capacity to " \
                    "accommodate your request." % ", ".join(others)
    sentence += " Alternatively, you can try your request again with a different VM hardware configuration " \
                "or at a later time. For more information, see the troubleshooting documentation."
    details = [
        {"errorInfo": {"reason": "resource_availability", "domain": "compute.googleapis.com",
                       "metadatas": metadatas}},
        {"help": {"links": [{"description": "Troubleshooting documentation",
                             "url": "https://cloud.google.com/compute/docs/resource-error"}]}},
        {"localizedMessage": {"locale": "en-US", "message": sentence}},
    ]
    return OperationFailure(
        "ZONE_RESOURCE_POOL_EXHAUSTED",
        "The zone '%s' does not have enough resources available to fulfill the request.  "
        "Try a different zone, or try again later." % errors.resource_path(project, "zones", zone),
        503, details)


def quota_exceeded(limit, region, metric="CPUS"):
    details = [{"quotaInfo": {"metricName": "compute.googleapis.com/cpus", "limitName": "CPUS-per-project-region",
                              "dimensions": {"region": region}, "limit": float(limit)}}]
    return OperationFailure("QUOTA_EXCEEDED", "Quota '%s' exceeded.  Limit: %.1f in region %s." % (
        metric, limit, region), 403, details)


class Operation:
    def __init__(self, world, project, zone, operation_type, target_link, target_id, user, region=None):
        now = world.clock()
        self.project = project
        self.zone = zone
        self.region = region  # a regional operation (regionInstanceGroupManagers); zone is None then
        self.name = world.ids.operation_name(now)
        self.id = world.ids.resource_id()
        self.operation_type = operation_type
        self.target_link = target_link
        self.target_id = target_id
        self.user = user
        self.insert_time = now
        self.start_time = None
        self.end_time = None
        self.status = "PENDING"
        self.failure = None
        self.extra = {}

    def to_json(self):
        body = {
            "kind": "compute#operation",
            "id": self.id,
            "name": self.name,
            "operationType": self.operation_type,
            "targetLink": self.target_link,
            "status": self.status,
            "user": self.user,
            "progress": 100 if self.status == "DONE" else 0,
            "insertTime": resources.timestamp(self.insert_time),
            "selfLink": (resources.url(self.project, "zones", self.zone, "operations", self.name) if self.zone
                         else resources.url(self.project, "regions", self.region, "operations", self.name)
                         if self.region
                         else resources.url(self.project, "global", "operations", self.name)),
        }
        if self.zone:  # None: a global operation (images.insert, instanceTemplates) or a regional one
            body["zone"] = resources.url(self.project, "zones", self.zone)
        if self.region:
            body["region"] = resources.url(self.project, "regions", self.region)
        if self.target_id:
            body["targetId"] = self.target_id
        if self.start_time is not None:
            body["startTime"] = resources.timestamp(self.start_time)
        if self.end_time is not None:
            body["endTime"] = resources.timestamp(self.end_time)
        if self.failure is not None:
            item = {"code": self.failure.code, "message": self.failure.message}
            if self.failure.details:
                item["errorDetails"] = self.failure.details
            body["error"] = {"errors": [item]}
            body["httpErrorStatusCode"] = self.failure.http_status
            body["httpErrorMessage"] = OperationFailure.HTTP_MESSAGES.get(self.failure.http_status, "ERROR")
        body.update(self.extra)
        return body


def operation_scope(zone, region):
    """The key part of an operation's scope: the zone's name (as before), None (global) or "regions/R"."""
    return "regions/" + region if region else zone


class Instance:
    """One instance: its API JSON plus what the API does not show."""

    def __init__(self, project, zone, body, cpus):
        self.project = project
        self.zone = zone
        self.body = body
        self.cpus = cpus
        self.busy = False  # an operation that changes its status is in flight
        self.doomed = False  # its insert will fail (stockout, quota): does not count for quota
        self.deleting = False
        # What the metadata server's instance/maintenance-event says (admin set_maintenance_event).
        self.maintenance_event = "NONE"

    @property
    def name(self):
        return self.body["name"]

    @property
    def status(self):
        return self.body["status"]

    def path(self):
        return errors.resource_path(self.project, "zones", self.zone, "instances", self.name)


class World:
    def __init__(self, catalog, config, clock=time.time, seed=None):
        self.catalog = catalog
        self.config = config
        # The catalog answers with the changes the config makes to it (catalog.changes).
        catalog.changes = lambda: {"tdx_zones_added": self.config.tdx_zones_added,
                                   "zone_cpu_platforms": self.config.zone_cpu_platforms}
        self._base_clock = clock
        # Tests move operations along without sleeping (admin "clock").
        self.clock_offset = 0.0
        self.lock = threading.RLock()
        self.ids = resources.IdSource(seed)
        # Backing mode (backing.py): a real test host per instance; None = instances are only records.
        self.backing = None
        self._sequence = itertools.count()
        # Called after every advance (groups.py: managed instance groups converge on their target).
        from . import groups  # late: groups builds on this module
        self.reconcilers = [lambda: groups.reconcile_all(self)]
        self._reconciling = False
        self.clear()

    def clear(self):
        self.instances = {}  # (project, zone, name) -> Instance
        self.operations = {}  # (project, zone, name) -> Operation
        self.request_ids = {}  # (project, requestId) -> Operation
        self.requests_this_minute = {}  # (project, write) -> (minute of the clock, requests counted in it)
        self.disks = {}  # (project, zone, name) -> Disk JSON
        self.custom_images = {}  # (project, name) -> image entry, shaped as the catalog's
        self.instance_templates = {}  # (project, name) -> InstanceTemplate JSON
        self.groups = {}  # (project, scope, name) -> groups.Group; scope "zones/Z" or "regions/R"
        self._timeline = []

    # -- time ---------------------------------------------------------------------
    def clock(self):
        return self._base_clock() + self.clock_offset

    def schedule(self, at, action):
        heapq.heappush(self._timeline, (at, next(self._sequence), action))

    def advance(self):
        now = self.clock()
        while self._timeline and self._timeline[0][0] <= now:
            _, _, action = heapq.heappop(self._timeline)
            action()
        if self._reconciling:
            return
        # A group's work starts operations, which advance again: one pass at a time.
        self._reconciling = True
        try:
            for reconcile in self.reconcilers:
                reconcile()
        finally:
            self._reconciling = False

    def next_event_time(self):
        return self._timeline[0][0] if self._timeline else None

    # -- operations -------------------------------------------------------------------
    def start_operation(self, project, zone, operation_type, target_link, target_id, user,
                        on_running=None, on_done=None, request_id=None, hold=None, region=None):
        """A new Operation that runs PENDING -> RUNNING -> DONE over operation_seconds.

        ``on_done`` returns None on success or an OperationFailure. ``hold``,
        when given, keeps the operation RUNNING past its duration for as long
        as it returns True (backing mode: until the test host has booted or
        halted).
        """
        operation = Operation(self, project, zone, operation_type, target_link, target_id, user, region=region)
        self.operations[(project, operation_scope(zone, region), operation.name)] = operation
        if request_id:
            self.request_ids[(project, request_id)] = operation
        duration = self.config.operation_seconds
        begun = operation.insert_time

        def run():
            operation.status = "RUNNING"
            operation.start_time = self.clock()
            if on_running:
                on_running()

        def finish():
            if hold is not None and hold():
                self.schedule(self.clock() + HOLD_POLL_SECONDS, finish)
                return
            operation.failure = on_done() if on_done else None
            operation.status = "DONE"
            operation.end_time = self.clock()

        self.schedule(begun + duration * RUNNING_AT, run)
        self.schedule(begun + duration, finish)
        self.advance()
        return operation

    def operation(self, project, zone, name, region=None):
        operation = self.operations.get((project, operation_scope(zone, region), name))
        if operation is None:
            if region:
                raise errors.not_found(errors.resource_path(project, "regions", region, "operations", name))
            if zone is None:
                raise errors.not_found(errors.resource_path(project, "global", "operations", name))
            raise errors.not_found(errors.resource_path(project, "zones", zone, "operations", name))
        return operation

    # -- images (the catalog's public ones and the projects' own) --------------------------------
    def image(self, project, name):
        return self.custom_images.get((project, name)) or self.catalog.image(project, name)

    def image_from_family(self, project, family):
        """The newest non-deprecated image of the family, custom images included."""
        own = [entry for (p, _), entry in self.custom_images.items() if p == project and entry.get("family") == family]
        if own:
            return max(own, key=lambda entry: entry["creationTimestamp"])
        return self.catalog.image_from_family(project, family)

    # -- instances ------------------------------------------------------------------
    def instance(self, project, zone, name):
        instance = self.instances.get((project, zone, name))
        if instance is None:
            raise errors.not_found(errors.resource_path(project, "zones", zone, "instances", name))
        return instance

    def instances_in(self, project, zone=None):
        return [i for (p, z, _), i in self.instances.items() if p == project and (zone is None or z == zone)]

    def over_rate_limit(self, project, write):
        """The 403 for a call over the per-minute limit of its kind, or None (and the call counted)."""
        limit = self.config.write_requests_per_minute if write else self.config.read_requests_per_minute
        if not limit:
            return None
        # Compute Engine refills a rate quota at the start of the next synchronized
        # minute, not a minute after each call (cloud.google.com/compute/api-quota:
        # reached at 10:00:15, it refills at 10:01:00).
        minute = int(self.clock() // 60)
        counted_minute, counted = self.requests_this_minute.get((project, write), (minute, 0))
        if counted_minute != minute:
            counted = 0
        if counted >= limit:
            return errors.per_minute_limit(project, write, limit)
        self.requests_this_minute[(project, write)] = (minute, counted + 1)
        return None

    def hold_status(self, instance, status, seconds):
        """Show ``status`` for ``seconds`` (changes get resourceNotReady meanwhile), then the status before."""
        if instance.busy or instance.deleting:
            return
        before = instance.body["status"]
        instance.busy = True
        instance.body["status"] = status

        def back():
            instance.busy = False
            if not instance.deleting and instance.body["status"] == status:
                instance.body["status"] = before

        self.schedule(self.clock() + seconds, back)

    # -- capacity ---------------------------------------------------------------------
    def cpu_limit(self, region):
        return self.config.cpu_quota.get(region, self.catalog.default_cpu_quota)

    def cpus_in_use(self, project, region):
        return sum(
            i.cpus for i in self.instances_in(project)
            if self.catalog.region_of(i.zone) == region and i.status not in IDLE_STATUSES and not i.doomed
        )

    def capacity_failure(self, project, zone, cpus, machine_type=None):
        """Why ``cpus`` more vCPUs cannot run in ``zone`` now, or None."""
        if zone in self.config.stocked_out_zones:
            return stockout(project, zone, machine_type, self.config.zones_available)
        region = self.catalog.region_of(zone)
        limit = self.cpu_limit(region)
        if self.cpus_in_use(project, region) + cpus > limit:
            return quota_exceeded(limit, region)
        return None

    # -- addresses --------------------------------------------------------------------
    def _addresses_in_use(self, project, key):
        used = set()
        for instance in self.instances_in(project):
            for nic in instance.body.get("networkInterfaces", []):
                if key == "networkIP":
                    used.add(nic.get("networkIP"))
                else:
                    used.update(ac.get("natIP") for ac in nic.get("accessConfigs", []))
        return used

    def allocate_internal_ip(self, project, region, taken=()):
        network = self.catalog.subnet_range(region)
        used = self._addresses_in_use(project, "networkIP") | set(taken)
        # .0 is the network, .1 the gateway; Google hands out from .2.
        for offset in range(2, network.num_addresses - 1):
            candidate = str(network.network_address + offset)
            if candidate not in used:
                return candidate
        raise errors.ApiError(400, "ipSpaceExhausted", "IP space of '%s' is exhausted" % network)

    def allocate_external_ip(self, project, taken=()):
        pool = self.catalog.public_address_pool
        used = self._addresses_in_use(project, "natIP") | set(taken)
        for offset in range(1, pool.num_addresses - 1):
            candidate = str(pool.network_address + offset)
            if candidate not in used:
                return candidate
        raise errors.ApiError(403, "quotaExceeded", "Quota 'IN_USE_ADDRESSES' exceeded.")

    @staticmethod
    def internal_ip_valid(network, address):
        try:
            return ipaddress.ip_address(address) in network
        except ValueError:
            return False
