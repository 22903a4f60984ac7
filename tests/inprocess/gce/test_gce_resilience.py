"""Capacity shortfalls, throttling, 5xx storms, dropped connections and slow operations."""

import pytest

from tests.inprocess.gce.harness import instance_task, warnings_of

pytestmark = pytest.mark.integration

INSERT_PATH = r"/zones/[^/]+/instances$"


def inserts(gce):
    return [call for call in gce.calls() if call["method"] == "POST" and call["path"].endswith("/instances")]


def test_zone_fallback_skips_a_stocked_out_zone_and_says_why(gce):
    gce.admin.configure(stocked_out_zones=["us-central1-a"])
    run = gce.run([instance_task(name="tdx-fallback", zones=["us-central1-a", "us-central1-b", "europe-west4-a"])])
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["zone"] == "us-central1-b"
    assert result["instance"]["zone"] == "us-central1-b"
    assert [skipped["zone"] for skipped in result["skipped_zones"]] == ["us-central1-a"]
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in result["skipped_zones"][0]["reason"]
    assert result["actions"] == ["create in us-central1-b"]
    assert [call["path"].split("/zones/")[1].split("/")[0] for call in inserts(gce)] == [
        "us-central1-a", "us-central1-b"]
    assert [instance["zone"].rsplit("/", 1)[-1] for instance in gce.instances()] == ["us-central1-b"]

    # The rerun finds it in the fallback zone with one list call, reads its boot disk there and the
    # image family, and changes nothing.
    since = gce.mark()
    rerun = gce.run([instance_task(name="tdx-fallback", zones=["us-central1-a", "us-central1-b", "europe-west4-a"])])
    assert rerun.status("create") == "ok", rerun.output
    project = "/compute/v1/projects/%s" % gce.project
    assert [call["path"] for call in gce.calls(since)] == [
        project + "/aggregated/instances", project + "/zones/us-central1-b/disks/tdx-fallback",
        "/compute/v1/projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"]
    assert gce.writes(since) == []


def test_every_zone_stocked_out_fails_listing_them(gce):
    gce.admin.configure(stocked_out_zones=["us-central1-a", "us-central1-b"])
    run = gce.run([instance_task(name="tdx-nowhere", zones=["us-central1-a", "us-central1-b"])])
    assert run.status("create") == "failed"
    result = run.result("create")
    assert ("no capacity in us-central1-a ZONE_RESOURCE_POOL_EXHAUSTED, us-central1-b ZONE_RESOURCE_POOL_EXHAUSTED"
            in result["msg"])
    assert "\n" not in result["msg"] and "Traceback" not in run.output
    assert [skipped["zone"] for skipped in result["skipped_zones"]] == ["us-central1-a", "us-central1-b"]
    assert gce.instances() == []


def test_a_single_stocked_out_zone_reports_the_operation_error(gce):
    gce.admin.configure(stocked_out_zones=["us-central1-a"])
    run = gce.run([instance_task(name="tdx-stockout")])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "ZONE_RESOURCE_POOL_EXHAUSTED" in message and "zones" in message
    assert "\n" not in message


def test_quota_exceeded_is_reported_with_the_operation_error(gce):
    gce.admin.configure(cpu_quota={"us-central1": 2})
    run = gce.run([instance_task(name="tdx-quota")])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "QUOTA_EXCEEDED" in message
    # The quota and region come from the operation error's errorDetails (quotaInfo).
    assert "fix: request more quota for CPUS-per-project-region in us-central1 (now 2)" in message, message
    assert "\n" not in message and "Traceback" not in run.output


def test_throttled_insert_is_retried_with_the_same_request_id(gce):
    gce.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "429", "count": 3}])
    run = gce.run([instance_task(name="tdx-throttled")])
    assert run.status("create") == "changed", run.output
    attempts = inserts(gce)
    assert [call["status"] for call in attempts] == [429, 429, 429, 200]
    assert len(set(call["query"]["requestId"] for call in attempts)) == 1
    assert len(gce.instances()) == 1


def test_a_storm_of_503s_and_dropped_connections_creates_exactly_one_instance(gce):
    gce.admin.set_faults([
        {"method": "*", "path": "/compute/", "kind": "503", "probability": 0.35, "seed": 11},
        {"method": "*", "path": "/compute/", "kind": "drop", "probability": 0.2, "seed": 12},
    ])
    run = gce.run([instance_task(name="tdx-storm", labels={"env": "storm"})])
    assert run.status("create") == "changed", run.output
    statuses = [call["status"] for call in gce.calls()]
    assert 503 in statuses and "dropped" in statuses  # the storm did hit this run
    attempts = inserts(gce)
    assert len(set(call["query"]["requestId"] for call in attempts)) == 1
    assert [instance["name"] for instance in gce.instances()] == ["tdx-storm"]

    gce.admin.set_faults([])
    since = gce.mark()
    rerun = gce.run([instance_task(name="tdx-storm", labels={"env": "storm"})])
    assert rerun.status("create") == "ok", rerun.output
    assert len(gce.calls(since)) == 3  # the instance, its boot disk, the image family
    assert gce.writes(since) == []


def test_retries_stop_at_wait_timeout_with_a_clear_message(gce):
    gce.admin.set_faults([{"method": "GET", "path": "/instances/", "kind": "503"}])
    run = gce.run([instance_task(name="tdx-unavailable", wait_timeout=4)])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "HTTP 503" in message and "gave up after" in message and "wait_timeout" in message
    assert "\n" not in message and "Traceback" not in run.output
    assert gce.writes() == []


def test_an_operation_slower_than_wait_timeout_fails_clearly(gce):
    # The emulator answers each zoneOperations.wait after a short hold (the API after about two minutes),
    # so that the module's pauses between them, on the fake clock, carry it to wait_timeout at once.
    gce.admin.configure(operation_seconds=60, wait_limit_seconds=0.02)
    run = gce.run([instance_task(name="tdx-slow", wait_timeout=3)])
    assert run.status("create") == "failed"
    message = run.result("create")["msg"]
    assert "timed out after 3 s (wait_timeout) waiting for operation operation-" in message
    assert "it may still finish" in message
    assert "\n" not in message and "Traceback" not in run.output
    assert len(inserts(gce)) == 1


def test_a_per_minute_rate_limit_on_insert_is_retried_with_the_same_request_id(gce):
    # 403 rateLimitExceeded, "Quota exceeded for quota metric 'Write requests' ... per minute" (faults.py),
    # 55 s into a minute of the emulator's clock: the retry waits for the next minute (errors.py).
    gce.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "403", "count": 1}])
    gce.admin.advance_clock_to_second(55)
    run = gce.run([instance_task(name="tdx-rate-limited", wait_timeout=90)])
    assert run.status("create") == "changed", run.output
    attempts = inserts(gce)
    assert [call["status"] for call in attempts] == [403, 200]
    assert len(set(call["query"]["requestId"] for call in attempts)) == 1
    assert len(gce.instances()) == 1


def test_a_used_up_quota_is_not_retried_and_says_what_to_do(gce):
    gce.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "quota_exceeded", "count": 1}])
    run = gce.run([instance_task(name="tdx-no-quota")])
    assert run.status("create") == "failed", run.output
    message = run.result("create")["msg"]
    assert "HTTP 403 quotaExceeded" in message and "request more quota" in message, message
    assert "grant the credentials" not in message
    assert [call["status"] for call in inserts(gce)] == [403]
    assert gce.instances() == []


def test_a_change_refused_while_the_instance_is_busy_is_retried_until_it_is_not(gce):
    assert gce.run([instance_task(name="tdx-busy")]).status("create") == "changed"
    # The stop finds the instance REPAIRING for two seconds: 400 resourceNotReady until then.
    gce.admin.set_faults([{"method": "POST", "path": "/tdx-busy/stop$", "kind": "transitional",
                           "status": "REPAIRING", "hold_seconds": 2, "count": 1}])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-busy", state="stopped")])
    assert run.status("create") == "changed", run.output
    statuses = [call["status"] for call in gce.calls(since) if call["path"].endswith("/stop")]
    assert statuses[0] == 400 and statuses[-1] == 200, statuses
    assert gce.instances()[0]["status"] == "TERMINATED"


def test_the_fallback_tries_first_the_listed_zones_the_stockout_names_as_having_capacity(gce):
    # The stockout's errorDetails (errorInfo.metadatas.zonesAvailable) name us-central1-c and a zone not listed.
    gce.admin.configure(stocked_out_zones=["us-central1-a"], zones_available=["europe-west4-a", "us-central1-c"])
    run = gce.run([instance_task(name="tdx-told", zones=["us-central1-a", "us-central1-b", "us-central1-c"])])
    assert run.status("create") == "changed", run.output
    assert run.result("create")["zone"] == "us-central1-c"
    assert [call["path"].split("/zones/")[1].split("/")[0] for call in inserts(gce)] == [
        "us-central1-a", "us-central1-c"]


def test_a_failed_read_back_after_a_create_warns_instead_of_failing_or_passing_silently(gce):
    # With two zones the instance is found with an aggregated list; only the read back is instances.get.
    gce.admin.set_faults([{"method": "GET", "path": "/instances/tdx-unread$", "kind": "503"}])
    run = gce.run([instance_task(name="tdx-unread", zones=["us-central1-a", "us-central1-b"], wait_timeout=12)])
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["zone"] == "us-central1-a"
    assert any(text.startswith("instance tdx-unread was changed, but reading it back failed (")
               for text in warnings_of(result)), result
    assert len(gce.instances()) == 1


def test_a_stale_fingerprint_is_read_again_and_the_change_sent_again(gce):
    assert gce.run([instance_task(name="tdx-race", labels={"env": "a"})]).status("create") == "changed"
    # Another writer changed the labels first: 412 conditionNotMet, nothing changed (faults.py).
    gce.admin.set_faults([{"method": "POST", "path": "/tdx-race/setLabels$", "kind": "412", "count": 1}])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-race", labels={"env": "b"})])
    assert run.status("create") == "changed", run.output
    calls = [(call["method"], call["path"].rsplit("/", 1)[-1], call["status"]) for call in gce.calls(since)
             if "/instances/tdx-race" in call["path"]]
    # Read, setLabels refused, the instance read again for its new fingerprint, setLabels sent again, read back.
    assert calls == [("GET", "tdx-race", 200), ("POST", "setLabels", 412), ("GET", "tdx-race", 200),
                     ("POST", "setLabels", 200), ("GET", "tdx-race", 200)], calls
    assert gce.instances()[0]["labels"] == {"env": "b"}


def test_a_fingerprint_that_stays_stale_fails_after_a_few_sends(gce):
    assert gce.run([instance_task(name="tdx-race2", labels={"env": "a"})]).status("create") == "changed"
    gce.admin.set_faults([{"method": "POST", "path": "/tdx-race2/setLabels$", "kind": "412"}])
    since = gce.mark()
    run = gce.run([instance_task(name="tdx-race2", labels={"env": "b"})])
    assert run.status("create") == "failed", run.output
    assert "HTTP 412" in run.result("create")["msg"]
    assert len([call for call in gce.calls(since) if call["path"].endswith("/setLabels")]) == 3


def test_an_instance_on_its_way_to_stopped_is_waited_out_not_stopped_again(gce):
    assert gce.run([instance_task(name="tdx-stopping")]).status("create") == "changed"
    # A stop already under way shows PENDING_STOP, then STOPPING, then DEPROVISIONING (discovery document enum).
    gce.admin.configure(operation_seconds=30, stop_statuses=["PENDING_STOP", "STOPPING", "DEPROVISIONING"])
    started = gce.run([instance_task(name="tdx-stopping", state="stopped", wait=False)])
    assert started.status("create") == "changed", started.output
    assert gce.instances()[0]["status"] == "PENDING_STOP"
    since = gce.mark()
    again = gce.run([instance_task(name="tdx-stopping", state="stopped")])
    assert again.status("create") == "ok", again.output
    assert [call for call in gce.calls(since) if call["path"].endswith("/stop")] == []
    gce.admin.advance_clock(20)
    assert gce.instances()[0]["status"] == "DEPROVISIONING"
    assert gce.run([instance_task(name="tdx-stopping", state="stopped")]).status("create") == "ok"


def test_a_per_minute_rate_limit_is_waited_out_until_the_next_minute_not_hammered(gce):
    # One write a minute; the clock 57 s into a minute, so the quota refills 3 s on.
    gce.admin.configure(write_requests_per_minute=1)
    gce.admin.advance_clock_to_second(57)
    run = gce.run([{"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": "us-central1-a", "wait_timeout": 120, "instances": [{"name": "tdx-minute-1"},
                                                                    {"name": "tdx-minute-2"}]}}])
    assert run.status("fleet") == "changed", run.output
    statuses = [call["status"] for call in inserts(gce)]
    # One refusal, then the insert again once the minute has turned: no string of 403s
    # (a doubling backoff from 0.5 s would ask several times in those seconds).
    assert statuses.count(403) == 1 and statuses.count(200) == 2, statuses
    assert len(gce.instances()) == 2


def test_once_the_write_quota_is_used_up_the_fleet_s_other_writes_wait_for_the_refill_instead_of_each_refused(gce):
    # Two writes a minute, one call at a time, 56 s into a minute: two inserts pass, the third is
    # refused, and the fourth waits with it for the next minute rather than being refused too.
    gce.admin.configure(write_requests_per_minute=2)
    gce.admin.advance_clock_to_second(56)
    run = gce.run([{"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": "us-central1-a", "wait_timeout": 120, "concurrency": 1,
        "instances": [{"name": "tdx-gate-%d" % number} for number in range(4)]}}])
    assert run.status("fleet") == "changed", run.output
    statuses = [call["status"] for call in inserts(gce)]
    assert statuses.count(403) == 1 and statuses.count(200) == 4, statuses
