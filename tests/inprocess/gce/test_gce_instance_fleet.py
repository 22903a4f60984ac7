"""gce_instance in fleet mode (instances: [...]) through ansible-playbook and the real client, against the emulator.

The emulator's request log says which calls were made and its in-flight
gauge how many at once; the module's per-instance reports say what it did.
"""

import collections
import threading

import pytest

from tests.inprocess.gce.harness import warnings_of
from tests.polling import wait_until

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"


def fleet_task(task_name="fleet", **args):
    """A gce_instance task in fleet mode; failures are ignored so that the test reads them."""
    return {"name": task_name, "confidential.tdx.gce_instance": args, "ignore_errors": True}


def entries(*names, **common):
    return [dict(common, name=name) for name in names]


def call_kind(entry):
    """A short name for an API call in the emulator's log."""
    method, path = entry["method"], entry["path"]
    tail = path.rsplit("/", 1)[-1]
    if path.endswith("/aggregated/instances"):
        return "aggregatedList"
    if path.endswith("/operations"):
        return "operations.list"
    if "/operations/" in path:
        return "operations." + ("wait" if tail == "wait" else "get")
    if "/global/images/" in path:
        return "images.get"
    if method == "GET" and "/disks/" in path:
        return "disks.get"
    if method == "GET" and path.endswith("/disks"):
        return "disks.list"
    if "/machineTypes/" in path:
        return "machineTypes.get"
    if method == "GET" and path.rsplit("/", 2)[-2] == "zones":
        return "zones.get"
    if method == "POST" and path.endswith("/instances"):
        return "instances.insert"
    if method == "DELETE":
        return "instances.delete"
    if method == "GET" and "/instances/" in path:
        return "instances.get"
    return "instances." + tail


def call_counts(calls):
    return collections.Counter(call_kind(entry) for entry in calls)


def held(gce):
    """{name: (zone, status)} of the instances the emulator holds."""
    return dict((instance["name"], (instance["zone"].rsplit("/", 1)[-1], instance["status"]))
                for instance in gce.instances())


def by_name(result):
    return dict((report["name"], report) for report in result["instances"])


@pytest.mark.end_to_end  # in-process, and through Ansible as proof
def test_a_fleet_is_created_in_one_task_and_an_unchanged_rerun_only_reads(gce):
    task = fleet_task(
        zone=ZONE, labels={"fleet": "web"},
        instances=[
            {"name": "web-1"},
            {"name": "web-2", "zones": ["us-central1-b", "us-central1-c"]},
            {"name": "web-3", "machine_type": "c3-standard-8", "labels": {"fleet": "web", "tier": "canary"}},
            {"name": "web-4", "zone": "europe-west4-a"},
            {"name": "web-5"},
        ])
    first = gce.run([task])
    assert first.status("fleet") == "changed", first.output
    reports = first.result("fleet")["instances"]
    assert [report["name"] for report in reports] == ["web-1", "web-2", "web-3", "web-4", "web-5"]
    for report in reports:
        assert report["changed"] is True and report["failed"] is False, report
        assert report["instance"]["status"] == "RUNNING"
        assert report["instance"]["confidential_instance_type"] == "TDX"
        assert report["instance"]["internal_ip"], report
    reports = by_name(first.result("fleet"))
    assert reports["web-2"]["zone"] == "us-central1-b"
    assert reports["web-2"]["actions"] == ["create in us-central1-b"]
    assert reports["web-3"]["instance"]["machine_type"] == "c3-standard-8"
    assert reports["web-3"]["instance"]["labels"] == {"fleet": "web", "tier": "canary"}
    assert reports["web-4"]["zone"] == "europe-west4-a"
    assert reports["web-1"]["instance"]["labels"] == {"fleet": "web"}
    assert held(gce) == {"web-1": (ZONE, "RUNNING"), "web-2": ("us-central1-b", "RUNNING"),
                         "web-3": (ZONE, "RUNNING"), "web-4": ("europe-west4-a", "RUNNING"),
                         "web-5": (ZONE, "RUNNING")}
    # One list call finds the fleet, the image is looked up once for all five,
    # each of the 4 zones and each of the 5 (zone, machine type) pairs once
    # (the live TDX checks before any insert; web-2 checks both of its zones),
    # one insert each, one list call reads them
    # back; the operations are followed together (see
    # test_operations_are_waited_for_together).
    counts = call_counts(gce.calls())
    kinds = ("aggregatedList", "images.get", "zones.get", "machineTypes.get", "instances.insert")
    assert {kind: counts.pop(kind, 0) for kind in kinds} == {
        "aggregatedList": 2, "images.get": 1, "zones.get": 4, "machineTypes.get": 5,
        "instances.insert": 5}
    assert set(counts) <= {"operations.wait", "operations.list"}, counts
    listing = gce.calls()[0]
    assert call_kind(listing) == "aggregatedList"
    assert listing["query"]["filter"] == 'name eq "(web-1|web-2|web-3|web-4|web-5)"'

    since = gce.mark()
    rerun = gce.run([task])
    assert rerun.status("fleet") == "ok", rerun.output
    assert all(report["changed"] is False and report["actions"] == [] for report in rerun.result("fleet")["instances"])
    # One list call finds the fleet, one per zone its boot disks (whose sourceImage tells the image),
    # and the family is looked up once.
    assert call_counts(gce.calls(since)) == {"aggregatedList": 1, "disks.list": 3, "images.get": 1}


def test_one_failed_instance_does_not_hide_the_others(gce):
    gce.admin.configure(stocked_out_zones=["us-central1-c"])
    run = gce.run([fleet_task(zone=ZONE, instances=[
        {"name": "ok-1"},
        {"name": "stocked-out", "zone": "us-central1-c"},
        {"name": "Bad_Name"},
        {"name": "ok-2", "zones": ["us-central1-c", "us-central1-b"]},
    ])])
    assert run.status("fleet") == "failed", run.output
    result = run.result("fleet")
    message = result["msg"]
    assert message.startswith("2 of 4 instances failed: stocked-out: create instance stocked-out failed: "), message
    assert "Bad_Name: name: 'Bad_Name' is not a valid instance name" in message
    assert "\n" not in message and "Traceback" not in run.output
    assert result["changed"] is True
    reports = by_name(result)
    assert list(reports) == ["ok-1", "stocked-out", "Bad_Name", "ok-2"]
    assert reports["ok-1"]["failed"] is False and reports["ok-1"]["zone"] == ZONE
    assert reports["ok-2"]["failed"] is False and reports["ok-2"]["zone"] == "us-central1-b"
    assert [skipped["zone"] for skipped in reports["ok-2"]["skipped_zones"]] == ["us-central1-c"]
    assert reports["stocked-out"]["failed"] is True and reports["stocked-out"]["changed"] is False
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in reports["stocked-out"]["msg"]
    assert [skipped["zone"] for skipped in reports["stocked-out"]["skipped_zones"]] == ["us-central1-c"]
    assert reports["Bad_Name"]["failed"] is True and reports["Bad_Name"]["actions"] == []
    assert held(gce) == {"ok-1": (ZONE, "RUNNING"), "ok-2": ("us-central1-b", "RUNNING")}
    # The bad name never reached the API.
    assert not [entry for entry in gce.calls() if "Bad_Name" in entry["path"] + str(entry["query"])]


def test_the_concurrency_bound_holds_for_every_call(gce):
    # Each call is held a while, so that calls made together overlap at the emulator.
    gce.admin.configure(latency_seconds=0.2)
    gce.admin.clear_in_flight_peak()
    run = gce.run([fleet_task(zone=ZONE, concurrency=3, instances=entries(*["bound-%d" % n for n in range(12)]))])
    assert run.status("fleet") == "changed", run.output
    assert len(gce.instances()) == 12
    peak = gce.admin.in_flight()["peak"]
    assert peak <= 3
    assert peak >= 2  # the calls were made at the same time, not one after the other


def test_a_fleet_is_stopped_started_and_deleted_with_a_state_per_entry(gce):
    names = ["life-1", "life-2", "life-3"]
    assert gce.run([fleet_task(zone=ZONE, instances=entries(*names))]).status("fleet") == "changed"

    stop = gce.run([fleet_task(zone=ZONE, state="stopped",
                               instances=entries("life-1", "life-2") + [{"name": "life-3", "state": "started"}])])
    assert stop.status("fleet") == "changed", stop.output
    reports = by_name(stop.result("fleet"))
    assert reports["life-1"]["actions"] == ["stop"] and reports["life-2"]["actions"] == ["stop"]
    assert reports["life-3"]["changed"] is False
    assert reports["life-1"]["instance"]["status"] == "TERMINATED"
    assert held(gce) == {"life-1": (ZONE, "TERMINATED"), "life-2": (ZONE, "TERMINATED"), "life-3": (ZONE, "RUNNING")}

    since = gce.mark()
    again = gce.run([fleet_task(zone=ZONE, state="stopped",
                                instances=entries("life-1", "life-2") + [{"name": "life-3", "state": "started"}])])
    assert again.status("fleet") == "ok", again.output
    assert call_counts(gce.calls(since)) == {"aggregatedList": 1, "disks.list": 1, "images.get": 1}

    start = gce.run([fleet_task(zone=ZONE, state="started", instances=entries(*names))])
    assert start.status("fleet") == "changed", start.output
    assert [report["actions"] for report in start.result("fleet")["instances"]] == [["start"], ["start"], []]
    assert set(held(gce).values()) == {(ZONE, "RUNNING")}

    since = gce.mark()
    delete = gce.run([fleet_task(zones=[ZONE, "us-central1-b"], state="absent",
                                 instances=entries(*names + ["never-existed"]))])
    assert delete.status("fleet") == "changed", delete.output
    reports = by_name(delete.result("fleet"))
    assert [reports[name]["actions"] for name in names] == [["delete from %s" % ZONE]] * 3
    assert reports["never-existed"]["changed"] is False
    assert gce.instances() == []
    counts = call_counts(gce.calls(since))
    assert (counts.pop("aggregatedList"), counts.pop("instances.delete")) == (1, 3)
    assert set(counts) <= {"operations.wait", "operations.list"}, counts


@pytest.mark.end_to_end  # in-process, and through Ansible for the diff it prints
def test_check_mode_reports_each_instance_and_writes_nothing(gce):
    assert gce.run([fleet_task(zone=ZONE, instances=entries("chk-1"), labels={"env": "a"})]).status("fleet") == "changed"
    since = gce.mark()
    run = gce.run([fleet_task(zone=ZONE, labels={"env": "b"}, instances=entries("chk-1", "chk-2"))],
                  check=True, diff=True)
    assert run.status("fleet") == "changed", run.output
    result = run.result("fleet")
    reports = by_name(result)
    assert reports["chk-1"]["actions"] == ["set labels"]
    assert reports["chk-1"]["diff"]["before"]["labels"] == {"env": "a"}
    assert reports["chk-1"]["diff"]["after"]["labels"] == {"env": "b"}
    assert reports["chk-2"]["actions"] == ["create in %s" % ZONE]
    assert reports["chk-2"]["diff"]["before"] == {}
    assert reports["chk-2"]["instance"]["confidential_instance_type"] == "TDX"
    # One before/after per changed instance, headed by its name, for --diff output.
    assert [(diff["before_header"], diff["after"]["labels"]) for diff in result["diff"]] == [
        ("chk-1", {"env": "b"}), ("chk-2", {"env": "b"})]
    if gce.prints_output:
        assert "chk-1" in run.stdout and '"env": "b"' in run.stdout
    assert [entry for entry in gce.calls(since) if entry["method"] != "GET"] == []
    assert held(gce) == {"chk-1": (ZONE, "RUNNING")}


def test_fleet_mistakes_fail_in_one_line_before_any_call(gce):
    run = gce.run([
        fleet_task("twice", zone=ZONE, instances=entries("dup-1", "dup-2", "dup-1")),
        fleet_task("name and instances", name="solo", zone=ZONE, instances=entries("dup-3")),
        fleet_task("no concurrency", zone=ZONE, concurrency=0, instances=entries("dup-4")),
        fleet_task("empty", zone=ZONE, instances=[]),
        fleet_task("entry with zone and zones", instances=[{"name": "dup-5", "zone": ZONE, "zones": [ZONE]}]),
        fleet_task("unknown entry option", zone=ZONE, instances=[{"name": "dup-6", "machine-type": "c3-standard-8"}]),
    ])
    expected = {
        "twice": "instances: dup-1 listed more than once; list each instance once",
        "name and instances": "mutually exclusive: name|instances",
        "no concurrency": "concurrency: 0 must be at least 1",
        "empty": "instances: an empty list; list at least one instance, or use name",
        "entry with zone and zones": "mutually exclusive: zone|zones found in instances",
        "unknown entry option": "machine-type",
    }
    for task, text in expected.items():
        assert run.status(task) == "failed", (task, run.output)
        assert text in run.result(task)["msg"], run.result(task)["msg"]
        assert "\n" not in run.result(task)["msg"]
    assert gce.calls() == []


def test_an_entry_without_any_zone_fails_alone(gce):
    run = gce.run([fleet_task(instances=[{"name": "zoned", "zone": ZONE}, {"name": "unzoned"}])])
    assert run.status("fleet") == "failed", run.output
    reports = by_name(run.result("fleet"))
    assert reports["zoned"]["failed"] is False
    assert reports["unzoned"]["msg"] == "zone: not set; give zone, or zones to try in order"
    assert set(held(gce)) == {"zoned"}


def test_operations_are_waited_for_together(gce):
    """Operations that never finish on their own until the clock moves: the watcher waits on the oldest
    only and lists the others together, one call for all of them."""
    # The emulator's own wait limit (2 s; the API's is about two minutes): with 0.2 s, under load the held
    # wait on the oldest could end before the list, which then named all six (seen in a full run).
    gce.admin.configure(operation_seconds=600)
    names = ["together-%d" % number for number in range(6)]
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(run=gce.run([fleet_task(zone=ZONE,
                                                                                    instances=entries(*names))])))
    runner.start()
    try:
        def inserted_and_listed():
            calls = gce.calls()
            inserts = [call for call in calls if call_kind(call) == "instances.insert"]
            return len(inserts) == len(names) and any(
                call_kind(call) == "operations.list" and call["time"] > inserts[-1]["time"] for call in calls)
        assert wait_until(inserted_and_listed, 300), [call_kind(call) for call in gce.calls()]
    finally:
        gce.admin.advance_clock(600)
        runner.join(600)
    run = outcome["run"]
    assert run.status("fleet") == "changed", run.output
    calls = gce.calls()
    operation_of = dict((call["body"]["name"], call) for call in calls if call_kind(call) == "instances.insert")
    assert len(operation_of) == len(names)
    waits = [call for call in calls if call_kind(call) == "operations.wait"]
    lists = [call for call in calls if call_kind(call) == "operations.list"]
    assert [call for call in calls if call_kind(call) == "operations.get"] == []
    # Every wait is on one and the same operation, the oldest (the first insert's) ...
    waited = set(call["path"].rsplit("/", 2)[-2] for call in waits)
    assert len(waited) == 1, waited
    # ... and the last list, made once every insert was in, names all the others at once.
    last_filter = lists[-1]["query"]["filter"]
    listed = last_filter[len('name eq "('):-2].split("|")
    assert len(listed) == len(names) - 1 and not waited & set(listed), last_filter
    assert all(status == "RUNNING" for zone, status in held(gce).values())


def test_a_failed_read_back_warns_and_the_reports_say_what_was_asked_for(gce):
    # The first aggregated list finds the (missing) members; the second, the read back, fails every time.
    gce.admin.set_faults([{"method": "GET", "path": "/aggregated/instances$", "kind": "503", "skip": 1}])
    names = ["unread-1", "unread-2"]
    run = gce.run([fleet_task(zone=ZONE, wait_timeout=10, labels={"fleet": "unread"}, instances=entries(*names))])
    assert run.status("fleet") == "changed", run.output
    result = run.result("fleet")
    warnings = [text for text in warnings_of(result) if "not read back" in text]
    assert len(warnings) == 1 and warnings[0].startswith(
        "the changed instances were not read back (read the changed instances back failed: HTTP 503"), warnings
    assert "their results show what was asked for, not what the API holds" in warnings[0]
    reports = by_name(result)
    assert [reports[name]["instance"]["labels"] for name in names] == [{"fleet": "unread"}] * 2
    assert held(gce) == dict((name, (ZONE, "RUNNING")) for name in names)
    lists = [call["status"] for call in gce.calls() if call["path"].endswith("/aggregated/instances")]
    assert lists[0] == 200 and len(lists) > 1 and set(lists[1:]) == {503}, lists
