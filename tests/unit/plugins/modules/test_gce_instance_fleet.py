"""gce_instance fleet mode, pure parts: entries over the task's options, fleet-wide checks, the runner."""

import threading
import time
from types import SimpleNamespace

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.fleet import FLEET_THREADS, run_each
from ansible_collections.confidential.tdx.plugins.modules import gce_instance
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.fleet_task import FleetTask, entry_params
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.options import FLEET_ENTRY_OPTIONS
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.validation import fleet_problems, validate


def task_params(**changes):
    values = dict((name, spec.get("default")) for name, spec in gce_instance.ARGUMENT_SPEC.items())
    values.update(changes)
    return values


def entry(**given):
    """An entry as AnsibleModule hands it over: every suboption present, None when not given."""
    values = dict((name, None) for name in FLEET_ENTRY_OPTIONS)
    values.update(given)
    return values


def test_an_entry_takes_what_it_leaves_out_from_the_task():
    task = task_params(zones=["us-central1-a", "us-central1-b"], labels={"fleet": "web"}, machine_type="c3-standard-8")
    params = entry_params(task, entry(name="web-1"))
    assert params["name"] == "web-1"
    assert params["zones"] == ["us-central1-a", "us-central1-b"] and params["zone"] is None
    assert params["labels"] == {"fleet": "web"}
    assert params["machine_type"] == "c3-standard-8"
    assert params["state"] == "present"
    assert params["instances"] is None
    assert validate(params) == []


def test_what_an_entry_sets_replaces_the_task_option_whole():
    task = task_params(zones=["us-central1-a", "us-central1-b"], labels={"fleet": "web", "tier": "a"})
    params = entry_params(task, entry(name="web-2", zone="europe-west4-a", labels={"fleet": "web"}, state="stopped",
                                      external_ip=False))
    assert params["zone"] == "europe-west4-a" and params["zones"] is None
    assert params["labels"] == {"fleet": "web"}  # replaced, not merged
    assert params["state"] == "stopped"
    assert params["external_ip"] is False


def test_an_entry_with_zones_replaces_the_task_zone():
    params = entry_params(task_params(zone="us-central1-a"), entry(name="web-3", zones=["us-central1-c"]))
    assert params["zone"] is None and params["zones"] == ["us-central1-c"]


def test_an_empty_dict_in_an_entry_is_a_value_not_a_gap():
    params = entry_params(task_params(zone="us-central1-a", labels={"fleet": "web"}), entry(name="web-4", labels={}))
    assert params["labels"] == {}


def test_an_entry_breaking_a_rule_is_named_by_its_own_problem():
    params = entry_params(task_params(zone="us-central1-a"), entry(name="web-5", boot_disk_type="pd-standard"))
    assert validate(params) == ["boot_disk_type: pd-standard cannot be the boot disk of a C3 machine "
                                "(c3-standard-4); use one of pd-balanced, pd-ssd, hyperdisk-balanced, "
                                "hyperdisk-throughput (with boot_disk_size_gb 2048 to 32768)"]
    assert validate(entry_params(task_params(), entry(name="web-6"))) == [
        "zone: not set; give zone, or zones to try in order"]


@pytest.mark.parametrize("changes, expected", [
    (dict(concurrency=0), ["concurrency: 0 must be at least 1 (API calls in flight at once)"]),
    (dict(instances=[]), ["instances: an empty list; list at least one instance, or use name"]),
    (dict(instances=[entry(name="a"), entry(name="b"), entry(name="a"), entry(name="b")]),
     ["instances: a, b listed more than once; list each instance once"]),
    (dict(wait_timeout=-1), ["wait_timeout: -1 must be a positive number of seconds"]),
])
def test_fleet_wide_problems(changes, expected):
    values = dict(instances=[entry(name="a")])
    values.update(changes)
    assert fleet_problems(task_params(**values)) == expected


def test_the_entry_options_are_the_task_options_an_instance_can_differ_in():
    task_only = set(gce_instance.ARGUMENT_SPEC) - set(FLEET_ENTRY_OPTIONS)
    assert task_only == {"instances", "concurrency", "on_host_maintenance", "wait", "wait_timeout"}
    for name, spec in FLEET_ENTRY_OPTIONS.items():
        if name != "name":
            assert "default" not in spec, name  # a default would hide the task's value
            assert spec["type"] == gce_instance.ARGUMENT_SPEC[name]["type"], name


def test_every_item_runs_at_the_same_time_and_a_failure_stays_with_its_item():
    arrived = threading.Barrier(4, timeout=10)  # breaks unless all four run at once

    def work(item):
        arrived.wait()
        if item == "bad":
            raise ValueError("no good")
        return item.upper()

    outcomes = run_each(["a", "bad", "c", "d"], work)
    assert [(outcome.item, outcome.value, outcome.failed) for outcome in outcomes] == [
        ("a", "A", False), ("bad", None, True), ("c", "C", False), ("d", "D", False)]
    assert str(outcomes[1].error) == "no good"


def test_no_more_than_the_thread_bound_run_at_once_and_every_item_is_done_in_order():
    running, peak, lock = [0], [0], threading.Lock()

    def work(item):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return item * 2

    outcomes = run_each(list(range(40)), work, threads=3)
    assert [outcome.value for outcome in outcomes] == [item * 2 for item in range(40)]
    assert peak[0] == 3
    assert run_each([], work) == []


def test_a_fleet_larger_than_the_bound_takes_no_more_threads_than_the_bound(monkeypatch):
    started = []
    real_thread = threading.Thread

    def counting_thread(*args, **kwargs):
        started.append(kwargs.get("name"))
        return real_thread(*args, **kwargs)

    monkeypatch.setattr(threading, "Thread", counting_thread)
    run_each(list(range(FLEET_THREADS + 50)), lambda item: item)
    assert len(started) == FLEET_THREADS


def test_when_the_system_refuses_more_threads_the_started_ones_do_all_the_work(monkeypatch):
    real_start = threading.Thread.start
    started = []

    def start_three_at_most(thread):
        if len(started) == 3:
            raise RuntimeError("can't start new thread")
        started.append(thread)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start_three_at_most)
    outcomes = run_each(list(range(20)), lambda item: item + 1)
    assert len(started) == 3
    assert [outcome.value for outcome in outcomes] == list(range(1, 21))


def _fleet(names):
    gce = SimpleNamespace(params=task_params(zone="us-central1-a", instances=[entry(name=name) for name in names]),
                          check_mode=False, diff_mode=False)
    return FleetTask(gce), [SimpleNamespace(name=name, params=dict(task_params(zone="us-central1-a"), name=name),
                                            actions=[], wrote=False, skipped_zones=[]) for name in names]


def _raise(error):
    try:
        raise error
    except Exception as raised:  # pylint: disable=broad-except
        return raised


def test_a_member_s_bug_keeps_its_traceback_for_vvv_and_an_api_failure_does_not():
    fleet, (buggy, refused) = _fleet(["web-1", "web-2"])
    reports = [fleet.failed_report(buggy, _raise(KeyError("networkInterfaces"))),
               fleet.failed_report(refused, _raise(GceError("create instance web-2 failed: HTTP 403 forbidden")))]
    assert "\n" not in reports[0]["msg"] and "exception" not in reports[0]
    result, failure = fleet.summary(reports)
    assert failure.startswith("2 of 2 instances failed: web-1: ")
    assert result["exception"].startswith("instance web-1:\nTraceback (most recent call last):")
    assert "KeyError: 'networkInterfaces'" in result["exception"]
    assert "web-2" not in result["exception"]
