"""What reattest says changed between a host's last archived verify report and this run's
(attestation_changes, plugins/module_utils/attestation/changes.py): each kind of change, a first run, a new host,
a host gone, one not checked, and the text report that leads with the changes."""

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.confidential.tdx.plugins.filter.attestation_changes import attestation_changes
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.changes import (
    FIRST_PROOF,
    fleet_changes,
    host_changes,
)

BOOT = "0f6ae4b5-7c0e-4c5e-8f6b-2d0c7c1b9a55"


def report(host="web-1", **changes):
    """A verify role report as module_utils/attestation/judgement.py makes it, with what the comparison reads."""
    base = {
        "host": host, "verified": True, "attested": True, "verdict": "attested", "tcb_status": "UpToDate",
        "advisory_ids": ["INTEL-SA-00837"], "failures": [],
        "attestation": {
            "verify_at": "2026-12-06T14:00:00Z",
            "decoded": {"mrtd": "11" * 48, "rtmr": ["20" * 48, "21" * 48, "22" * 48, "23" * 48]},
            "event_log_replay": {"replayed": True, "events": [
                {"index": 1, "component": "shim", "digest": "aa" * 48},
                {"index": 2, "component": "grub", "digest": "bb" * 48},
                {"index": 3, "component": "kernel", "digest": "cc" * 48},
                {"index": 4, "component": None, "digest": "dd" * 48},
                {"index": 5, "component": "grub", "digest": "bb" * 48},
            ]}},
        "self_reported": {"boot_id": BOOT, "kernel_release": "6.8.0"},
    }
    for path, value in changes.items():
        target = base
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return base


def kinds(changes):
    return [(change["kind"], change["what"], change["before"], change["after"]) for change in changes]


def test_the_same_report_again_is_no_change():
    assert host_changes(report(), report(attestation__verify_at="2026-12-07T14:00:00Z")) == []


def test_a_tcb_recovery_is_a_tcb_status_change_and_the_advisories_added_and_removed():
    after = report(tcb_status="OutOfDate", advisory_ids=["INTEL-SA-09003", "INTEL-SA-09004"])
    changes = host_changes(report(), after)
    assert kinds(changes) == [
        ("tcb_status", "tcb_status", "UpToDate", "OutOfDate"),
        ("advisories", "advisory_ids", ["INTEL-SA-00837"], ["INTEL-SA-09003", "INTEL-SA-09004"])]
    assert changes[0]["text"] == "TCB status UpToDate → OutOfDate"
    assert (changes[1]["added"], changes[1]["removed"]) == (["INTEL-SA-09003", "INTEL-SA-09004"], ["INTEL-SA-00837"])
    assert changes[1]["text"] == "advisories added INTEL-SA-09003, INTEL-SA-09004; removed INTEL-SA-00837"


def test_a_verdict_change_and_whether_the_host_passes():
    after = report(verdict="refused", verified=False, attested=False, failures=["attestation: mrtd differs"])
    changes = host_changes(report(), after)
    assert kinds(changes) == [("verdict", "verdict", "attested", "refused"), ("passes", "verified", True, False)]
    assert [change["text"] for change in changes] == ["verdict attested → refused", "passes → fails"]


@pytest.mark.parametrize("register,changes", [
    ("mrtd", {"attestation__decoded__mrtd": "12" * 48}),
    ("rtmr0", {"attestation__decoded__rtmr": ["30" * 48, "21" * 48, "22" * 48, "23" * 48]}),
    ("rtmr3", {"attestation__decoded__rtmr": ["20" * 48, "21" * 48, "22" * 48, "33" * 48]}),
])
def test_each_measurement_that_differs_is_named_with_its_values(register, changes):
    after = report(**changes)
    found = host_changes(report(), after)
    assert len(found) == 1 and found[0]["kind"] == "measurement" and found[0]["what"] == register
    assert found[0]["before"] != found[0]["after"] and len(found[0]["after"]) == 96
    assert found[0]["text"].startswith(register.upper() + " ")


def test_boot_components_are_compared_by_name_digest_changed_added_and_removed():
    before = report()
    after = copy.deepcopy(before)
    events = after["attestation"]["event_log_replay"]["events"]
    events[2]["digest"] = "ce" * 48  # a new kernel
    events[0]["component"] = "shim2"  # shim gone, shim2 new (same digest)
    events[3]["digest"] = "ee" * 48  # an unnamed event: the RTMRs say it, no component does
    found = host_changes(before, after)
    assert kinds(found) == [
        ("component", "kernel", ["cc" * 48], ["ce" * 48]),
        ("component", "shim", ["aa" * 48], None),
        ("component", "shim2", None, ["aa" * 48]),
    ]
    assert found[0]["text"] == "boot component kernel cccccccccccc... → cececececece..."
    assert found[1]["text"].startswith("boot component shim removed (was aaaa")
    assert found[2]["text"].startswith("boot component shim2 added (aaaa")


def test_a_new_boot_id_is_a_restart_and_an_unknown_one_is_not():
    found = host_changes(report(), report(self_reported={"boot_id": "1" * 36}))
    assert kinds(found) == [("restarted", "boot_id", BOOT, "1" * 36)]
    assert found[0]["text"].startswith("restarted since 2026-12-06T14:00:00Z (boot ID ")
    # A report of an older collection (no boot ID) says nothing about a restart.
    assert host_changes(report(self_reported={}), report(self_reported={"boot_id": "1" * 36})) == []


def test_a_maintenance_event_the_report_records_is_a_change_and_none_is_not():
    event = "TERMINATE_ON_HOST_MAINTENANCE"
    found = host_changes(report(), report(self_reported={"boot_id": BOOT, "maintenance_event": event}))
    assert kinds(found) == [("maintenance", "maintenance_event", None, event)]
    assert host_changes(report(), report(self_reported={"boot_id": BOOT, "maintenance_event": "NONE"})) == []


def test_a_new_instance_id_is_a_re_created_instance_not_a_restart():
    before = report(self_reported={"boot_id": BOOT, "instance_id": "111"})
    found = host_changes(before, report(self_reported={"boot_id": "1" * 36, "instance_id": "222"}))
    assert kinds(found) == [("re-created", "instance_id", "111", "222")]
    assert found[0]["text"] == "re-created since 2026-12-06T14:00:00Z (instance ID 111 → 222)"
    # The same instance with a new boot ID: a restart.
    restarted = host_changes(before, report(self_reported={"boot_id": "1" * 36, "instance_id": "111"}))
    assert kinds(restarted) == [("restarted", "boot_id", BOOT, "1" * 36)]


def test_a_maintenance_event_is_reported_in_the_first_run_too():
    event = "TERMINATE_ON_HOST_MAINTENANCE"
    result = fleet_changes({}, {"web-1": report(self_reported={"boot_id": BOOT, "maintenance_event": event}),
                                "web-2": report("web-2")}, run="20261207T140000Z")
    assert result["changed"] == ["web-1"] and result["hosts"]["web-1"]["state"] == "first proof"
    assert result["headline"] == "first proof of 2 hosts, nothing to compare; 1 with a maintenance event"
    assert result["lines"][1] == ("web-1: Compute Engine maintenance event TERMINATE_ON_HOST_MAINTENANCE (a TDX VM "
                                  "is terminated for it, not migrated)")


def test_the_first_run_is_first_proof_with_nothing_to_compare_and_no_change():
    result = fleet_changes({}, {"web-1": report(), "web-2": report("web-2")}, run="20261207T140000Z")
    assert result["first_run"] is True and result["changed"] == [] and result["failing"] == []
    assert [entry["state"] for entry in result["hosts"].values()] == ["first proof", "first proof"]
    assert result["headline"] == "first proof of 2 hosts, nothing to compare"
    assert result["lines"] == ["reattest 20261207T140000Z: first proof of 2 hosts, nothing to compare",
                               "%s: web-1, web-2" % FIRST_PROOF]


def test_a_host_new_since_the_last_run_and_a_host_gone_are_changes():
    result = fleet_changes({"web-1": report(), "old-1": report("old-1")},
                           {"web-1": report(), "web-9": report("web-9")})
    hosts = result["hosts"]
    assert (hosts["web-1"]["state"], hosts["web-9"]["state"], hosts["old-1"]["state"]) == ("unchanged", "new", "gone")
    assert result["changed"] == ["old-1", "web-9"] and result["failing"] == []
    assert hosts["web-9"]["changes"][0]["text"] == "new host: first proof, nothing to compare"
    assert hosts["old-1"]["changes"][0]["text"] == "gone: in the last run, not in this one"
    assert result["headline"] == "2 of 3 hosts changed since the last run"


def test_a_host_of_the_play_without_a_report_was_not_checked_and_fails():
    result = fleet_changes({"web-1": report(), "web-2": report("web-2")}, {"web-1": report()},
                           hosts=["web-1", "web-2"])
    assert result["hosts"]["web-2"]["state"] == "not checked"
    assert result["failing"] == ["web-2"] and result["changed"] == []
    assert result["headline"] == "no change in 2 hosts since the last run; 1 not passing"


def test_the_text_report_leads_with_the_changes_then_the_hosts_that_do_not_pass():
    failing = report("web-3", verified=False, verdict="refused", failures=["attestation: freshness: stale"])
    result = fleet_changes(
        {"web-1": report(), "web-2": report("web-2"), "web-3": failing},
        {"web-1": report(tcb_status="OutOfDate"), "web-2": report("web-2"), "web-3": failing},
        run="20261207T140000Z")
    assert result["changed"] == ["web-1"] and result["failing"] == ["web-3"]
    assert result["lines"] == [
        "reattest 20261207T140000Z: 1 of 3 hosts changed since the last run; 1 not passing",
        "web-1: TCB status UpToDate → OutOfDate",
        "web-3: NOT PASSING (refused): attestation: freshness: stale",
        "unchanged: web-2",
    ]


def test_the_filter_takes_lists_of_reports_and_refuses_one_without_a_host():
    result = attestation_changes([report(tcb_status="OutOfDate")], [report()], hosts=["web-1"], run="r")
    assert result["changed"] == ["web-1"] and result["run"] == "r"
    with pytest.raises(AnsibleFilterError, match="every report must be a verify role report with a host"):
        attestation_changes([{"headline": "a summary"}], [])
