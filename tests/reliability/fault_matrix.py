"""The fault matrix: every write path of gce_instance, gce_instance_template and the group modules under
every fault the emulator can inject.

Each case is one module run in this process: the module's main() over the
real google-cloud-compute client and HTTP to the emulator
(tests/unit/module_harness.py), as tests/inprocess does. What ansible-playbook
added to each case was start-up, not checks: the module's decisions, the
client's retries and every API call are the same in-process, at a fraction of
the CPU (a module process pays about 3 CPU-seconds, mostly importing the
client). The one thing only a process run shows is kept in one playbook test
(test_fault_matrix.py).

A fault's cases run one after the other (module arguments and stdout are
process-wide while main() runs, so in-process runs cannot overlap); each
fault is its own test, so pytest-xdist can spread the faults (under
``--dist loadscope`` a module's tests share one worker). Each case has its
own instance (template, group), so a fault rule aims at exactly one case's write call.

- mode ``transient``: the fault hits the first call(s) of every path's
  write, then stops; the task must succeed, the write acting exactly once.
  Added latency (once, on the write) outlasts the client's per-call
  timeout, so the client retries while the emulator still holds the first
  attempt, which it serves later: the requestId must make them one write.
- mode ``persistent``: the fault hits every attempt of one path's write (a
  different path for each fault, so every path meets one); the task must
  fail within its wait_timeout, with a message naming the fault.
- mode ``once`` (operation error, stockout of the first zone): the outcome
  per path is in expected_outcome().

A fault that only a few write paths can meet on the real API says which
(``paths``): a stale fingerprint (412) only answers a change that carries one
(labels), and an instance can only be held in a transitional status once it
exists (not by the write that creates it).

Every case: no instance (template, group, member) duplicated or lost, every attempt of the write with
one requestId, the task ended within wait_timeout of its first API call, a
failure in one line naming the fault, and a write that was refused left the
instance as it was. After every case's first run the faults are cleared,
the emulator is left to answer every call still in flight (a slowed call is
served after its client gave up on it), and each failed case runs again:
that run must reach the wanted state.

The stop-for-update paths (machine type, service account, Shielded VM, disk
resize; issue 26) stop a running instance, change it and start it again:
under a fault on the change's call the task either reaches the wanted state
or fails with the instance RUNNING as it was (it sets back what it changed
and starts the instance again); a start the zone refuses for capacity
leaves it stopped with the change made, and says so.

The template and group paths (issue 26): a template created; replaced (a
changed spec makes a new NAME-<hash> template, the old one is kept);
deleted; a group created (zonal, one member; regional, one member in each
of two zones), resized, set to another template (a rolling update the task
waits out), its update policy patched, deleted with its members; a named
member made in a group and one deleted (gce_instance_group_members, the
calls of a rollout's wave). A
template insert's URL is the same for every case, so its fault is aimed by
the name in the body (the emulator's rule ``name``; group inserts too).
Their tasks run on the fake clock shared with the emulator
(tests/fake_clock.py: retries, refills and the polls until a group is
stable take no time). What they leave is read from the emulator's state:
the case's templates (NAME and NAME-<hash>), exactly the old one and, for
a change, one new one; the group with its size, template and update
policy, and the instances it made (by their created-by metadata), exactly
its size, RUNNING, from its template. A write that acted twice or not at
all shows there. A stockout refuses instances, not a template's or a
group's own write: those paths do not meet it.

To add a write path, add a WritePath: its module (a name in
tests/inprocess/gce/harness.py IN_PROCESS_MODULES), its arguments, the
write call a fault aims at, what it starts from and what it should leave.
"""

import importlib
import json
import re
import time
import traceback
import urllib.request

import pytest

from tests.fake_clock import EmulatorClock
from tests.inprocess.gce.harness import GCP_ENVIRONMENT, IN_PROCESS_MODULES

# Each mode has its own pair of zones, so that an insert (whose URL names the
# zone, not the instance) can be aimed at one case. The first zone of each
# pair is the one stocked out in the stockout case.
ZONES = {
    "transient": ["us-central1-a", "us-central1-b"],
    "persistent": ["europe-west4-a", "europe-west4-b"],
    "once": ["asia-southeast1-a", "asia-southeast1-b"],
}
# The fleet's inserts go to a zone of their own, apart from the single create's.
FLEET_ZONES = {
    "transient": ["us-central1-c", "us-central1-b"],
    "persistent": ["europe-west4-b", "europe-west4-a"],
    "once": ["asia-southeast1-c", "asia-southeast1-b"],
}

# wait_timeout of the faulted task: room to survive a burst of faults, or
# the deadline a persistent fault must end the task at.
WAIT_TIMEOUT = {"transient": 30, "persistent": 6, "once": 30}
# The rerun after the faults are gone has time to spare: it shows recovery, not deadlines.
RERUN_WAIT_TIMEOUT = 120
# From the task's first API call (its deadline had started by then) to main()
# returning: the client's floor for a last call started just before the
# deadline (CALL_TIMEOUT_FLOOR, 1 s) and 2 s of scheduling slack on a busy
# machine, as in test_deadlines.py. No Ansible in the way: a process run
# needed 8 s for the module's exit and Ansible's handling.
RETURN_ALLOWANCE_SECONDS = 3

# The environment of an in-process module run: none of a developer's own
# GCP_* or Google client settings, only the token (as the playbook runs got
# it). GOOGLE_API_USE_* and the universe domain steer google-cloud-compute's
# choice of endpoint and client certificate.
GOOGLE_CLIENT_ENVIRONMENT = ("GOOGLE_API_USE_CLIENT_CERTIFICATE", "GOOGLE_API_USE_MTLS_ENDPOINT",
                             "GOOGLE_CLOUD_UNIVERSE_DOMAIN")


def module_environment(monkeypatch, access_token):
    """Clear a developer's GCP_* and Google client variables; credentials come from GCP_ACCESS_TOKEN only."""
    for name in GCP_ENVIRONMENT + GOOGLE_CLIENT_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GCP_ACCESS_TOKEN", access_token)


class WritePath:
    """One way a module writes: its task, its starting point, what it should leave."""

    def __init__(self, name, args, write_call, before, wanted, initial=None, fleet_size=0,
                 module="confidential.tdx.gce_instance", resource="instances", stopped_with_change=None,
                 kind="instance", scope="zone", identity="name"):
        self.name = name
        self.identity = identity      # the task's option that names the resource (the members module's: group)
        # What it writes: "instance", "template" (global; the case's name is NAME, its templates
        # NAME-<8 hex digits>) or "group" (a managed instance group and its members).
        self.kind = kind
        self.scope = scope            # a group's: "zone" or "region" (the mode's region, both its zones)
        # A change the API makes only to a stopped instance (allow_stopping_for_update): the
        # task stops the instance, changes it and starts it again. check(resource) -> problem or
        # None: the instance stopped with the change made, as a start the zone refuses leaves it.
        self.stopped_with_change = stopped_with_change
        self.module = module          # the task's module (a key of IN_PROCESS_MODULES)
        self.resource = resource      # where the emulator's state holds what it writes
        self.fleet_size = fleet_size  # fleet mode: this many instances in one task
        self.args = args              # task arguments besides name, zone(s), wait_timeout
        self.write_call = write_call  # (method, URL path regex with {name} and {zone}) of the write
        self.before = before          # check(resource or None) -> problem or None, untouched state
        self.wanted = wanted          # check(resource or None) -> problem or None, wanted state
        # None (nothing to start from), (status, labels) of an instance, or a
        # callable(run, case) that makes the starting point through the API.
        self.initial = initial

    @property
    def inserts(self):
        """Whether its write is an insert, whose URL names only the collection (its fault is aimed by name)."""
        return "{name}" not in self.write_call[1]

    @property
    def on_fake_clock(self):
        """Template and group tasks run on the fake clock shared with the emulator (tests/fake_clock.py)."""
        return self.kind != "instance"


def _exists_with(status=None, labels=None):
    def check(instance):
        if instance is None:
            return "the instance is missing"
        if status and instance["status"] != status:
            return "status is %s, wanted %s" % (instance["status"], status)
        if labels is not None and (instance.get("labels") or {}) != labels:
            return "labels are %s, wanted %s" % (instance.get("labels"), labels)
        return None
    return check


def _absent(instance):
    return None if instance is None else "the instance still exists (%s)" % instance["status"]


def _instance_is(status, machine_type="c3-standard-4", service_account=None, secure_boot=True, boot_disk_gb=10):
    """A check of an instance's status and of the settings the stop-for-update paths change."""
    def check(instance):
        if instance is None:
            return "the instance is missing"
        accounts = instance.get("serviceAccounts") or [{}]
        have = {
            "status": instance["status"],
            "machine type": instance["machineType"].rsplit("/", 1)[-1],
            "service account": accounts[0].get("email"),
            "Secure Boot": bool((instance.get("shieldedInstanceConfig") or {}).get("enableSecureBoot")),
            "boot disk GB": int(instance["disks"][0]["diskSizeGb"]),
        }
        wanted = {"status": status, "machine type": machine_type, "service account": service_account,
                  "Secure Boot": secure_boot, "boot disk GB": boot_disk_gb}
        wrong = ["%s is %s, wanted %s" % (key, have[key], wanted[key]) for key in wanted if have[key] != wanted[key]]
        return "; ".join(wrong) or None
    return check


def _stop_for_update(name, args, write_call, **changed):
    """A change that needs the running instance stopped: stopped, changed, started again.

    Under every fault the instance ends RUNNING with the change, or (a
    failed run) RUNNING as it was: the task sets back what it changed and
    starts the instance again. A start refused for capacity leaves it
    stopped with the change, which the task's message says.
    """
    return WritePath(name, dict(args, state="present", allow_stopping_for_update=True), write_call,
                     before=_instance_is("RUNNING"), wanted=_instance_is("RUNNING", **changed),
                     initial=("RUNNING", {}), stopped_with_change=_instance_is("TERMINATED", **changed))


ROBOT = "robot@tdx-test-project.iam.gserviceaccount.com"


WRITE_PATHS = [
    WritePath("create", {"state": "present", "labels": {"case": "create"}}, ("POST", r"/zones/{zone}/instances$"),
              before=_absent, wanted=_exists_with("RUNNING", {"case": "create"})),
    WritePath("delete", {"state": "absent"}, ("DELETE", r"/instances/{name}$"),
              before=_exists_with("RUNNING"), wanted=_absent, initial=("RUNNING", {})),
    WritePath("start", {"state": "started"}, ("POST", r"/instances/{name}/start$"),
              before=_exists_with("TERMINATED"), wanted=_exists_with("RUNNING"), initial=("TERMINATED", {})),
    WritePath("stop", {"state": "stopped"}, ("POST", r"/instances/{name}/stop$"),
              before=_exists_with("RUNNING"), wanted=_exists_with("TERMINATED"), initial=("RUNNING", {})),
    WritePath("labels", {"state": "present", "labels": {"env": "after"}}, ("POST", r"/instances/{name}/setLabels$"),
              before=_exists_with(labels={"env": "before"}), wanted=_exists_with(labels={"env": "after"}),
              initial=("RUNNING", {"env": "before"})),
    # gce_instance's fleet mode: two instances created by one task, their
    # inserts made at the same time.
    WritePath("fleet-create", {"state": "present", "labels": {"case": "fleet"}}, ("POST", r"/zones/{zone}/instances$"),
              before=_absent, wanted=_exists_with("RUNNING", {"case": "fleet"}), fleet_size=2),
    # The changes the API makes only to a stopped instance (issue 26), each under the
    # fault on its own call. The disk is grown after a new machine type is set, so that
    # a failed resize has a change before it to set back.
    _stop_for_update("machine-type", {"machine_type": "c3-standard-8"}, ("POST", r"/instances/{name}/setMachineType$"),
                     machine_type="c3-standard-8"),
    _stop_for_update("service-account", {"service_account": ROBOT}, ("POST", r"/instances/{name}/setServiceAccount$"),
                     service_account=ROBOT),
    _stop_for_update("shielded-vm", {"secure_boot": False},
                     ("PATCH", r"/instances/{name}/updateShieldedInstanceConfig$"), secure_boot=False),
    _stop_for_update("disk-resize", {"machine_type": "c3-standard-8", "boot_disk_size_gb": 20},
                     ("POST", r"/disks/{name}/resize$"), machine_type="c3-standard-8", boot_disk_gb=20),
]


# Templates and managed instance groups (issue 26). A template's name is NAME-<8 hex digits of
# its spec's hash> (name_suffix hash); OLD_TEMPLATE is the starting point of replace and delete.
TEMPLATE_SUFFIX = r"(?:-[0-9a-f]{8})?"
OLD_TEMPLATE = "%s-00000000"
# The templates the groups are made from (made in the set-up, through the API), and a group's task.
GROUP_TEMPLATES = ("rel-mig-a", "rel-mig-b")


def _templates_are(*wanted):
    """A check of a case's templates, oldest first: "old" (the set-up's OLD_TEMPLATE, kept as it was), or the
    machine type of one the task made. One more is a duplicated write, one fewer a lost one."""
    def check(family):
        have = [(template["name"], template["properties"]["machineType"]) for template in family]
        if len(have) != len(wanted):
            return "%d templates (%s), wanted %d" % (len(have), ", ".join(name for name, _ in have) or "none",
                                                     len(wanted))
        for (name, machine), want in zip(have, wanted):
            if (want == "old") != name.endswith("-00000000"):
                return "template %s, wanted %s" % (name, "the old one" if want == "old" else "a new one")
            if want != "old" and machine != want:
                return "template %s has machine type %s, wanted %s" % (name, machine, want)
        return None
    return check


def _group_is(size=None, template=GROUP_TEMPLATES[0], max_surge=None, absent=False):
    """A check of a group and its members: none of either, or the group as wanted with ``size`` RUNNING members.

    Members are counted from the instances the group made (their
    ``created-by`` metadata): one too many is a duplicated write, one
    missing a lost one.
    """
    def check(view):
        group, members = view["group"], view["members"]
        if absent:
            if group is not None:
                return "the group still exists"
            return "%d members left: %s" % (len(members), ", ".join(m[0] for m in members)) if members else None
        if group is None:
            return "the group is missing"
        wrong = []
        if group["targetSize"] != size:
            wrong.append("targetSize is %s, wanted %d" % (group["targetSize"], size))
        if not group["instanceTemplate"].endswith("/" + template):
            wrong.append("template is %s, wanted %s" % (group["instanceTemplate"].rsplit("/", 1)[-1], template))
        if max_surge is not None and group["updatePolicy"]["maxSurge"].get("fixed") != max_surge:
            wrong.append("maxSurge is %s, wanted %d" % (group["updatePolicy"]["maxSurge"], max_surge))
        fine = [name for name, status, made_from in members if status == "RUNNING" and made_from == template]
        if len(members) != size or len(fine) != size:
            wrong.append("members %s, wanted %d RUNNING from %s" % (
                ", ".join("%s %s from %s" % member for member in members) or "none", size, template))
        return "; ".join(wrong) or None
    return check


def _group_exists(run, case):
    """The starting group: one member from the first template, PROACTIVE, maxSurge and maxUnavailable 1."""
    run.api("POST", "zones/%s/instanceGroupManagers" % case.zones[0], {
        "name": case.instance, "baseInstanceName": case.instance, "targetSize": 1,
        "instanceTemplate": "projects/%s/global/instanceTemplates/%s" % (run.emulator.project, GROUP_TEMPLATES[0]),
        "updatePolicy": {"type": "PROACTIVE", "minimalAction": "REPLACE"}})


def _group_with_named_member(run, case):
    """The starting group: no member of its own, one named by createInstances (NAMED_MEMBER)."""
    run.api("POST", "zones/%s/instanceGroupManagers" % case.zones[0], {
        "name": case.instance, "baseInstanceName": case.instance, "targetSize": 0,
        "instanceTemplate": "projects/%s/global/instanceTemplates/%s" % (run.emulator.project, GROUP_TEMPLATES[0]),
        "updatePolicy": {"type": "OPPORTUNISTIC", "minimalAction": "REPLACE"}})
    run.api("POST", "zones/%s/instanceGroupManagers/%s/createInstances" % (case.zones[0], case.instance),
            {"instances": [{"name": NAMED_MEMBER % case.instance}]})


def _old_template_exists(run, case):
    run.api("POST", "global/instanceTemplates", run.template_body(OLD_TEMPLATE % case.instance))


def _template_path(name, args, write_call, **kwargs):
    return WritePath(name, args, write_call, module="confidential.tdx.gce_instance_template",
                     resource="instanceTemplates", kind="template", **kwargs)


def _group_path(name, args, write_call, scope="zone", module="confidential.tdx.gce_instance_group", **kwargs):
    return WritePath(name, args, write_call, module=module,
                     resource="instanceGroupManagers", kind="group", scope=scope, **kwargs)


# The member gce_instance_group_members names in its cases (a rollout's new member).
NAMED_MEMBER = "%s-n1"
MEMBERS_MODULE = "confidential.tdx.gce_instance_group_members"


GROUP_ARGS = {"state": "present", "template": GROUP_TEMPLATES[0], "size": 1}

WRITE_PATHS += [
    # A new template; a changed spec (machine type) makes another next to the old one, which
    # stays; delete takes the name's every template.
    _template_path("tpl-create", {"state": "present"}, ("POST", r"/global/instanceTemplates$"),
                   before=_templates_are(), wanted=_templates_are("c3-standard-4")),
    _template_path("tpl-replace", {"state": "present", "machine_type": "c3-standard-8"},
                   ("POST", r"/global/instanceTemplates$"), initial=_old_template_exists,
                   before=_templates_are("old"), wanted=_templates_are("old", "c3-standard-8")),
    _template_path("tpl-delete", {"state": "absent"}, ("DELETE", r"/global/instanceTemplates/{name}$"),
                   initial=_old_template_exists, before=_templates_are("old"),
                   wanted=_templates_are()),
    # Groups: made (zonal, one member; regional, one member in each of two zones), resized,
    # moved to another template (a rolling update, which the task waits out), their update
    # policy patched, deleted with their members.
    _group_path("mig-create", GROUP_ARGS, ("POST", r"/zones/{zone}/instanceGroupManagers$"),
                before=_group_is(absent=True), wanted=_group_is(1)),
    _group_path("mig-create-regional", dict(GROUP_ARGS, size=2),
                ("POST", r"/regions/{region}/instanceGroupManagers$"), scope="region",
                before=_group_is(absent=True), wanted=_group_is(2)),
    _group_path("mig-resize", dict(GROUP_ARGS, size=2), ("POST", r"/instanceGroupManagers/{name}/resize$"),
                initial=_group_exists, before=_group_is(1), wanted=_group_is(2)),
    _group_path("mig-template", dict(GROUP_ARGS, template=GROUP_TEMPLATES[1]),
                ("POST", r"/instanceGroupManagers/{name}/setInstanceTemplate$"), initial=_group_exists,
                before=_group_is(1), wanted=_group_is(1, template=GROUP_TEMPLATES[1])),
    _group_path("mig-policy", dict(GROUP_ARGS, max_surge=0, max_unavailable=1),
                ("PATCH", r"/instanceGroupManagers/{name}$"), initial=_group_exists,
                before=_group_is(1, max_surge=1), wanted=_group_is(1, max_surge=0)),
    _group_path("mig-delete", {"state": "absent"}, ("DELETE", r"/instanceGroupManagers/{name}$"),
                initial=_group_exists, before=_group_is(1), wanted=_group_is(absent=True)),
    # A rollout's wave: a named member made from the group's template, and one deleted
    # (gce_instance_group_members), each by one call whose targetSize change must happen once.
    _group_path("mig-member-add", {"state": "present"}, ("POST", r"/instanceGroupManagers/{name}/createInstances$"),
                module=MEMBERS_MODULE, identity="group", initial=_group_exists, before=_group_is(1),
                wanted=_group_is(2)),
    _group_path("mig-member-remove", {"state": "absent"},
                ("POST", r"/instanceGroupManagers/{name}/deleteInstances$"), module=MEMBERS_MODULE,
                identity="group", initial=_group_with_named_member, before=_group_is(1), wanted=_group_is(0)),
]
INSTANCE_PATHS = tuple(path.name for path in WRITE_PATHS if path.kind == "instance")


class Fault:
    """A fault kind: its emulator rule, how a failure must name it, and the path that meets it persistently."""

    def __init__(self, name, rule=None, names=(), transient=None, persistent_on=None, stockout=False, paths=None,
                 resends=False, seconds_before_refill=None, transient_wait_timeout=None, latency_seconds=None):
        self.name = name
        # A per-minute limit refills at the next minute of the emulator's clock: before each
        # case the clock is moved to this many seconds before a minute ends.
        self.seconds_before_refill = seconds_before_refill
        self.transient_wait_timeout = transient_wait_timeout
        # A latency fault's added seconds by mode: longer than the client's per-call timeout.
        self.latency_seconds = latency_seconds
        self.paths = paths                  # names of the write paths it applies to; None: all
        # Each send after a refusal is a new request (412: the instance is read
        # again and the change resent with the new fingerprint), so each carries
        # its own requestId; at most one of them may be accepted.
        self.resends = resends
        self.rule = rule                    # base emulator rule (kind, latency_seconds ...), None for a stockout
        self.names = names                  # what a failure message must say (any one of them)
        self.transient = transient          # rule fields of a burst (count), None: no transient mode
        # The paths that meet the fault on every attempt (a name or a tuple of names).
        self.persistent_on = (persistent_on,) if isinstance(persistent_on, str) else tuple(persistent_on or ())
        self.stockout = stockout

    def modes(self):
        paths = [path for path in WRITE_PATHS if self.paths is None or path.name in self.paths]
        if self.transient is None:
            return [("once", path) for path in paths]
        cases = [("transient", path) for path in paths]
        return cases + [("persistent", path) for path in paths if path.name in self.persistent_on]


DROPPED = ["Connection aborted", "closed connection without response"]

FAULTS = [
    # A stop-for-update path meeting a fault on every attempt must fail and still leave the
    # instance RUNNING as it was: the change's calls keep back the time to bring it back.
    Fault("429", {"kind": "429"}, ["HTTP 429"], {"count": 2}, persistent_on=("create", "machine-type", "tpl-create")),
    # The per-minute rate limit: 403 rateLimitExceeded, "Quota exceeded for quota metric 'Write requests'".
    # A client waits for the next minute of the server's clock, when the quota refills: the burst
    # is one refusal, each case starts 4 s before a minute of the emulator's clock ends, and the
    # burst's task may take a whole minute (should its write come after the minute turned).
    Fault("403", {"kind": "403"}, ["HTTP 403 rateLimitExceeded"], {"count": 1},
          persistent_on=("stop", "tpl-replace", "mig-delete"),
          seconds_before_refill=4, transient_wait_timeout=75),
    Fault("412", {"kind": "412"}, ["HTTP 412 conditionNotMet"], {"count": 2}, persistent_on="labels",
          paths=("labels",), resends=True),
    # REPAIRING for a second from the write on: a start or stop meanwhile gets 400
    # resourceNotReady; a delete or setLabels is taken as it comes (the API's rules).
    Fault("transitional", {"kind": "transitional", "status": "REPAIRING", "hold_seconds": 1.0},
          ["HTTP 400 resourceNotReady"], {"count": 1}, persistent_on="start",
          paths=("delete", "start", "stop", "labels")),
    Fault("500", {"kind": "500"}, ["HTTP 500"], {"count": 2},
          persistent_on=("delete", "service-account", "tpl-delete")),
    Fault("503", {"kind": "503"}, ["HTTP 503"], {"count": 2},
          persistent_on=("start", "shielded-vm", "mig-create-regional", "mig-member-add")),
    Fault("drop", {"kind": "drop"}, DROPPED, {"count": 2},
          persistent_on=("stop", "disk-resize", "mig-resize", "mig-member-remove")),
    Fault("drop_answer", {"kind": "drop_answer"}, DROPPED, {"count": 1},
          persistent_on=("labels", "mig-create", "mig-template")),
    # The client gives each call half the time left, at least 5 s (CALL_TIMEOUT_MIN): with a
    # wait_timeout of 10 s, 5 s. A write slowed by 6 s times out on the client while the
    # emulator still serves it, and the retry has 4 s or more left; one slowed by the
    # persistent fault's 6 s cannot finish within its 6 s wait_timeout at all. (The
    # emulator's latency is real time; short figures keep the test's wall time short.)
    Fault("latency", {"kind": "latency"}, ["timed out"], {"count": 1}, persistent_on=("fleet-create", "mig-policy"),
          transient_wait_timeout=10, latency_seconds={"transient": 6.0, "persistent": 6.0}),
    Fault("operation_error", {"kind": "operation_error", "code": "INTERNAL_ERROR"},
          ["ended with INTERNAL_ERROR"]),
    # A stockout refuses instances, not a template's or a group's own write (a group's members
    # then fail to be made, which is the group's waiting, not a write path): instances only.
    Fault("stockout", None, ["ZONE_RESOURCE_POOL_EXHAUSTED"], stockout=True, paths=INSTANCE_PATHS),
]

FAULTS_BY_NAME = dict((fault.name, fault) for fault in FAULTS)


def expected_outcome(fault, mode, path):
    """"succeed" or "fail" (see the module's docstring)."""
    if mode == "persistent" or fault.name == "operation_error":
        return "fail"
    if fault.stockout:
        # Create falls back to the next zone; a start cannot move the instance, nor the
        # start after a stop-for-update change.
        return "fail" if path.name == "start" or path.stopped_with_change else "succeed"
    return "succeed"


# Failed first runs that still acted: the emulator served the write, and
# only its answer was lost or came after the client stopped waiting.
ACTED_ALTHOUGH_FAILED = ("drop_answer", "latency")


class Case:
    def __init__(self, fault, mode, path):
        self.fault = fault
        self.mode = mode
        self.path = path
        self.zones = FLEET_ZONES[mode] if path.fleet_size else ZONES[mode]
        self.instance = "rel-%s-%s" % (path.name, mode[0])  # e.g. rel-stop-t (a template's or group's name)
        if path.fleet_size:
            self.instances = ["%s-%d" % (self.instance, number) for number in range(1, path.fleet_size + 1)]
        else:
            self.instances = [self.instance]

    @property
    def key(self):
        return (self.fault.name, self.mode, self.path.name)

    @property
    def label(self):
        return "%s x %s (%s)" % (self.path.name, self.fault.name, self.mode)

    @property
    def expected(self):
        return expected_outcome(self.fault, self.mode, self.path)

    @property
    def wait_timeout(self):
        if self.mode == "transient" and self.fault.transient_wait_timeout:
            return self.fault.transient_wait_timeout
        return WAIT_TIMEOUT[self.mode]

    @property
    def region(self):
        return self.zones[0].rsplit("-", 1)[0]

    def task_args(self):
        args = dict(self.path.args, wait_timeout=self.wait_timeout)
        if self.path.kind == "template":  # global
            return dict(args, name=self.instance)
        if self.path.kind == "group" and self.path.scope == "region":
            return dict(args, name=self.instance, region=self.region, zones=list(self.zones))
        if self.path.identity == "group":  # gce_instance_group_members: the case's one named member
            return dict(args, group=self.instance, zone=self.zones[0], members=[NAMED_MEMBER % self.instance])
        if self.path.fleet_size:
            args["instances"] = [{"name": name} for name in self.instances]
        else:
            args["name"] = self.instance
        if self.path.name in ("create", "fleet-create"):
            args["zones"] = list(self.zones)
        else:
            args["zone"] = self.zones[0]
        return args

    def name_pattern(self, name):
        """A regular expression of the resource names ``name`` stands for (a template's: NAME-<hash> too)."""
        return re.escape(name) + (TEMPLATE_SUFFIX if self.path.kind == "template" else "")

    def names_instance(self, entry, name):
        """Whether a logged API call is about the resource ``name`` (in its URL, filter or body)."""
        text = json.dumps([entry["path"], entry.get("query"), entry.get("body")])
        return re.search(r"\b%s\b(?!-)" % self.name_pattern(name), text) is not None

    def mentions(self, entry):
        """Whether a logged API call is about one of this case's instances."""
        return any(self.names_instance(entry, name) for name in self.instances)

    def write_pattern(self):
        method, pattern = self.path.write_call
        return method, pattern.format(name=self.name_pattern(self.instance), zone=re.escape(self.zones[0]),
                                      region=re.escape(self.region))

    def emulator_rule(self):
        if self.fault.rule is None:
            return None
        method, pattern = self.write_pattern()
        rule = dict(self.fault.rule, method=method, path=pattern)
        if self.path.inserts and self.path.kind != "instance":
            # An insert's URL names only the collection (every template insert has the same):
            # the rule is aimed at the case's template or group by the name in the body.
            rule["name"] = self.name_pattern(self.instance)
        if rule["kind"] == "latency":
            rule["latency_seconds"] = self.fault.latency_seconds[self.mode]
        if self.mode == "transient":
            rule.update(self.fault.transient)
        if rule["kind"] == "operation_error":
            rule["count"] = len(self.instances)  # every write of the case fails, a fleet's included
        return rule


def cases_of(fault):
    return [Case(fault, mode, path) for mode, path in fault.modes()]


class ModuleRun:
    """One in-process run of a case's module: its result, and when main() was called and returned."""

    def __init__(self, result, started, ended):
        self.result = result
        self.started = started
        self.ended = ended

    @property
    def failed(self):
        return bool(self.result.get("failed"))

    @property
    def message(self):
        return self.result.get("msg", "")


def run_in_process(module, args):
    """Call the module's main() with ``args`` here, timed; a crash becomes a failure as Ansible would show it.

    Ansible reports a module that raises as a failed task whose message
    holds the traceback: the case's checks (one line, no Traceback) then
    name it like any other wrong answer.
    """
    from tests.unit.module_harness import run_module  # noqa: E402  (needs the collection linked first)
    main = importlib.import_module(IN_PROCESS_MODULES[module]).main
    started = time.time()
    try:
        result = dict(run_module(main, args))
    except Exception:  # pylint: disable=broad-except
        result = {"failed": True, "msg": "MODULE FAILURE (in-process)\n" + traceback.format_exc()}
    ended = time.time()
    result.pop("invocation", None)
    return ModuleRun(result, started, ended)


class MatrixRun:
    """One fault's cases, each run in-process, and what the emulator saw."""

    def __init__(self, emulator, access_token, fault, cases=None):
        self.emulator = emulator
        self.admin = emulator.admin
        self.access_token = access_token
        self.fault = fault
        self.cases = cases if cases is not None else cases_of(fault)
        self.first = {}   # case.key -> ModuleRun under the fault
        self.rerun = {}   # case.key -> ModuleRun without it (failed first runs only)

    # -- set-up, through the API itself (not the module under test) ------------------
    def api(self, method, path, body=None):
        url = "%s/compute/v1/projects/%s/%s" % (self.emulator.base_url, self.emulator.project, path)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": "Bearer " + self.access_token, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def instance_body(self, name, zone, labels):
        """An instance as gce_instance's defaults ask for it (c3-standard-4, TDX, Ubuntu 22.04, external IP)."""
        return {
            "name": name,
            "machineType": "zones/%s/machineTypes/c3-standard-4" % zone,
            "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
            "scheduling": {"onHostMaintenance": "TERMINATE", "automaticRestart": True},
            "shieldedInstanceConfig": {"enableSecureBoot": True, "enableVtpm": True,
                                       "enableIntegrityMonitoring": True},
            "disks": [{"boot": True, "autoDelete": True, "initializeParams": {
                "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"}}],
            "networkInterfaces": [{"network": "global/networks/default", "nicType": "GVNIC",
                                   "accessConfigs": [{"name": "External NAT", "type": "ONE_TO_ONE_NAT"}]}],
            "labels": labels,
        }

    def template_body(self, name):
        """A TDX template of the instance body's properties (what gce_instance_template makes of its defaults)."""
        properties = self.instance_body(name, "us-central1-a", {})
        for key in ("name", "labels"):
            properties.pop(key)
        properties["machineType"] = "c3-standard-4"
        return {"name": name, "properties": properties}

    def set_up(self):
        if any(case.path.kind == "group" for case in self.cases):
            for name in GROUP_TEMPLATES:
                self.api("POST", "global/instanceTemplates", self.template_body(name))
        starting = [case for case in self.cases if case.path.initial and not callable(case.path.initial)]
        for case in starting:
            labels = case.path.initial[1]
            self.api("POST", "zones/%s/instances" % case.zones[0],
                     self.instance_body(case.instance, case.zones[0], labels))
        for case in self.cases:
            if callable(case.path.initial):
                case.path.initial(self, case)
        self.admin.advance_clock(5)
        for case in starting:
            if case.path.initial[0] == "TERMINATED":
                self.api("POST", "zones/%s/instances/%s/stop" % (case.zones[0], case.instance), {})
        self.admin.advance_clock(5)
        state = self.admin.state()
        for case in self.cases:
            for name in case.instances:
                problem = case.path.before(self.held(state, case, name))
                assert problem is None, "set-up of %s: %s" % (case.label, problem)
        self.admin.clear_requests()
        rules = [case.emulator_rule() for case in self.cases if case.emulator_rule()]
        self.admin.set_faults(rules)
        if self.fault.stockout:
            self.admin.configure(stocked_out_zones=[case.zones[0] for case in self.cases])

    # -- the runs ---------------------------------------------------------------------
    def run_case(self, case, **overrides):
        """The case's module run in-process; a template's or group's on the fake clock shared with the emulator.

        On that clock (tests/fake_clock.py) the task's pauses (retries, a
        per-minute limit's refill, the polls of a group until it is stable)
        take no time and move the emulator's clock on; calls, the emulator's
        latency and its operations still take real time. Its deadline runs
        on the fake clock, which is never behind the real one: a task that
        keeps its wait_timeout there keeps it in real time too.
        """
        args = self.module_args(case, **overrides)
        if not case.path.on_fake_clock:
            return run_in_process(case.path.module, args)
        with pytest.MonkeyPatch.context() as patch:
            EmulatorClock(self.admin).install_in_gce_modules(patch)
            return run_in_process(case.path.module, args)

    def module_args(self, case, **overrides):
        """The task's arguments, with project and endpoint as the playbooks' module_defaults gave them."""
        args = dict(case.task_args(), project=self.emulator.project, api_endpoint=self.emulator.base_url)
        args.update(overrides)
        return args

    def run(self):
        """Every case under the fault, one after the other; then, without it, every case that failed."""
        # The client library is loaded before any clock matters (the per-minute limit's case
        # starts a few seconds before the minute ends); a module process loads it before its
        # first call as well.
        importlib.import_module("google.cloud.compute_v1")
        self.set_up()
        for case in self.cases:
            if self.fault.seconds_before_refill is not None:
                self.admin.advance_clock_to_second(60 - self.fault.seconds_before_refill)
            self.first[case.key] = self.run_case(case)
        self.first_runs_ended = time.time()
        self.fired = self.admin.faults()
        self.admin.set_faults([])
        self.admin.configure(stocked_out_zones=[])
        # A slowed call is served after its client gave up on it: wait until the emulator
        # has answered every call, so that the state between the runs is final.
        assert wait_for_emulator_quiet(self.admin), "the emulator still serves calls 30 s after the faulted runs"
        # Then time passes on the emulator's clock, as it did between the runs of a playbook:
        # an operation a failed run left running ends (what it changed shows), and a
        # transitional status held by the fault's last hit is over.
        self.admin.advance_clock(5)
        self.between = self.admin.state()
        for case in self.cases:
            if self.first[case.key].failed:
                self.rerun[case.key] = self.run_case(case, wait_timeout=RERUN_WAIT_TIMEOUT)
        self.admin.advance_clock(5)  # operations still running end now
        self.log = [entry for entry in self.admin.requests() if entry["path"].startswith("/compute/")]
        self.state = self.admin.state()
        return self

    # -- reading it back ----------------------------------------------------------------
    @staticmethod
    def found(state, case, name):
        """What the checks of ``case`` read, one per copy of ``name`` in ``state``.

        An instance: each instance of the name. A template: the case's
        templates (NAME and NAME-<hash>), oldest first, as one. A group:
        {"group": each group of the name in the case's zone or region (or
        None), "members": (name, status, template) of each instance it
        made, by their created-by metadata}.
        """
        if case.path.kind == "template":
            family = [t for t in state.get("instanceTemplates", ())
                      if re.fullmatch(case.name_pattern(name), t["name"])]
            return [sorted(family, key=lambda t: (t["creationTimestamp"], t["name"]))]
        if case.path.kind == "group":
            where = ("regions/%s" % case.region) if case.path.scope == "region" else ("zones/%s" % case.zones[0])
            maker = "/%s/instanceGroupManagers/%s" % (where, name)
            members = []
            for instance in state.get("instances", ()):
                items = dict((item["key"], item.get("value")) for item in
                             (instance.get("metadata") or {}).get("items") or ())
                if (items.get("created-by") or "").endswith(maker):
                    members.append((instance["name"], instance["status"],
                                    (items.get("instance-template") or "").rsplit("/", 1)[-1]))
            groups = [g for g in state.get("instanceGroupManagers", ())
                      if g["name"] == name and g["selfLink"].endswith(maker)]
            return [{"group": group, "members": sorted(members)} for group in groups or [None]]
        return [i for i in state.get(case.path.resource, ()) if i["name"] == name]

    @classmethod
    def held(cls, state, case, name):
        found = cls.found(state, case, name)
        return found[0] if found else None

    def between_runs(self, case, name):
        return self.held(self.between, case, name)

    def copies(self, case, name):
        return self.found(self.state, case, name)

    def first_call(self, case):
        times = [entry["time"] for entry in self.log if entry["time"] < self.first_runs_ended and case.mentions(entry)]
        return min(times) if times else None

    def write_attempts(self, case, first_run=True):
        method, pattern = case.write_pattern()
        return [entry for entry in self.log
                if entry["method"] == method and re.search(pattern, entry["path"])
                and (entry["time"] < self.first_runs_ended) == first_run
                and case.mentions(entry)]

    def fired_on(self, case):
        method, pattern = case.write_pattern()
        aim = case.emulator_rule() or {}
        return sum(rule.get("fired", 0) for rule in self.fired
                   if rule.get("path") == pattern and rule.get("method") == method
                   and rule.get("name") == aim.get("name"))


def judge(run, case):
    """Every way this case went wrong (empty: it held), and what happened, for the ledger."""
    problems = []
    first = run.first[case.key]
    failed = first.failed
    message = first.message if failed else ""

    if failed != (case.expected == "fail"):
        problems.append("the task %s, expected it to %s: %s" % (
            "failed" if failed else "succeeded", case.expected, message))
    if failed:
        if not any(name in message for name in case.fault.names):
            problems.append("the message does not name the fault (%s): %r" % (" or ".join(case.fault.names), message))
        if "\n" in message or "Traceback" in message:
            problems.append("the message is not one line: %r" % message)
    first_call = run.first_call(case)
    if first_call is None:
        problems.append("the task made no API call about its instance")
        seconds = None
    else:
        seconds = first.ended - first_call
        if seconds > case.wait_timeout + RETURN_ALLOWANCE_SECONDS:
            problems.append("the task ended %.1f s after its first API call, over its wait_timeout of %d s" % (
                seconds, case.wait_timeout))

    # The write acted at most once: one requestId across the first run's attempts
    # (or, for a fault answered by resending, at most one send accepted).
    attempts = run.write_attempts(case)
    for name in case.instances:
        own = [entry for entry in attempts if case.names_instance(entry, name)]
        request_ids = set((entry.get("query") or {}).get("requestId") for entry in own)
        if case.fault.resends:
            accepted = [entry for entry in own if entry.get("status") == 200]
            if len(accepted) > 1:
                problems.append("%d sends of %s's write were accepted" % (len(accepted), name))
        elif len(request_ids) > 1:
            problems.append("the attempts of %s's write carried %d different requestIds" % (name, len(request_ids)))
        if None in request_ids:
            problems.append("a write attempt for %s carried no requestId" % name)
    fired = run.fired_on(case)
    if case.fault.rule is not None and fired == 0:
        problems.append("the fault never fired on the write (the case tested nothing)")
    if case.fault.stockout and case.path.name in ("create", "fleet-create", "start") and not attempts:
        problems.append("the write never went to the stocked-out zone (the case tested nothing)")
    if case.fault.stockout and case.path.stopped_with_change and not any(
            entry["path"].endswith("/start") and case.mentions(entry) for entry in run.log):
        problems.append("the instance was never started in the stocked-out zone (the case tested nothing)")

    for name in case.instances:
        # A refused write changes nothing: between the runs the instance was as before.
        # A stop-for-update change whose start the zone refused for capacity is made, the
        # instance left stopped, and the message says so.
        if failed and case.fault.stockout and case.path.stopped_with_change:
            problem = case.path.stopped_with_change(run.between_runs(case, name))
            if problem or "it is left TERMINATED" not in message:
                problems.append("%s: after the start the zone refused, %s (message: %s)" % (
                    name, problem or "the message does not say it is left TERMINATED", message))
        elif failed and case.fault.name not in ACTED_ALTHOUGH_FAILED:
            problem = case.path.before(run.between_runs(case, name))
            if problem:
                problems.append("%s: the failed run left a change behind: %s" % (name, problem))
        # End state, from the emulator: nothing duplicated or lost, the wanted state (after a rerun of a failure).
        copies = run.copies(case, name)
        if len(copies) > 1:
            problems.append("%d %s named %s" % (len(copies), case.path.resource, name))
        final = copies[0] if copies else None
        problem = case.path.wanted(final)
        if problem:
            problems.append("%s at the end: %s" % (name, problem))
        if case.path.name in ("create", "fleet-create") and final is not None:
            zone = final["zone"].rsplit("/", 1)[-1]
            wanted_zone = case.zones[1] if case.fault.stockout else case.zones[0]
            if zone != wanted_zone:
                problems.append("%s created in %s, expected %s" % (name, zone, wanted_zone))
    rerun = run.rerun.get(case.key)
    if failed and (rerun is None or rerun.failed):
        problems.append("the rerun without the fault failed: %s" % (rerun.message if rerun else "it did not run"))

    return problems, {"outcome": "failed" if failed else "succeeded", "expected": case.expected,
                      "message": message, "seconds_after_first_call": round(seconds, 1) if seconds else None,
                      "write_attempts": len(attempts), "fired": fired, "wait_timeout": case.wait_timeout}


def wait_for_emulator_quiet(admin, seconds=30):
    """Wait until the emulator has answered every call it received (slowed calls finish late); False if it never did."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if all(entry.get("status") is not None for entry in admin.requests()):
            return True
        time.sleep(0.2)
    return False
