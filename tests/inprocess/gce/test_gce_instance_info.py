"""gce_instance_info through ansible-playbook against the emulator."""

import pytest

from tests.inprocess.gce.harness import instance_task

pytestmark = pytest.mark.integration


def sev_instance(name, zone, labels=None):
    return {
        "name": name, "zone": zone, "machineType": "n2d-standard-4", "status": "RUNNING",
        "labels": labels or {},
        "scheduling": {"onHostMaintenance": "MIGRATE", "automaticRestart": True},
        "confidentialInstanceConfig": {"enableConfidentialCompute": True},
        "disks": [{"boot": True, "guestOsFeatures": [{"type": "SEV_CAPABLE"}, {"type": "UEFI_COMPATIBLE"}]}],
    }


def info_task(task_name, **args):
    return {"name": task_name, "confidential.tdx.gce_instance_info": args}


@pytest.fixture
def fleet(gce):
    """Two instances that are not TDX, then two TDX instances made by gce_instance."""
    gce.admin.load_state({"instances": [
        sev_instance("legacy-a", "us-central1-a", {"env": "prod"}),
        sev_instance("legacy-b", "europe-west1-b"),
    ]})
    made = gce.run([
        instance_task("tdx one", name="tdx-one", labels={"env": "prod"}),
        instance_task("tdx two", name="tdx-two", zone="europe-west4-a", labels={"env": "dev"}),
    ])
    assert made.status("tdx one") == "changed" and made.status("tdx two") == "changed", made.output
    return gce


def test_every_zone_with_one_aggregated_call_and_tdx_verdicts(fleet):
    since = fleet.mark()
    run = fleet.run([info_task("all")], check=True)
    assert run.status("all") == "ok", run.output
    instances = run.result("all")["instances"]
    assert [(i["zone"], i["name"]) for i in instances] == [
        ("europe-west1-b", "legacy-b"), ("europe-west4-a", "tdx-two"),
        ("us-central1-a", "legacy-a"), ("us-central1-a", "tdx-one")]
    by_name = dict((i["name"], i) for i in instances)
    assert by_name["tdx-one"]["tdx"] is True and by_name["tdx-one"]["tdx_problems"] == []
    assert by_name["tdx-one"]["confidential_instance_type"] == "TDX"
    legacy = by_name["legacy-a"]
    assert legacy["tdx"] is False
    assert "confidential instance type is SEV, not TDX" in legacy["tdx_problems"]
    assert "on host maintenance is MIGRATE, not TERMINATE" in legacy["tdx_problems"]
    assert "boot disk image is not TDX_CAPABLE" in legacy["tdx_problems"]
    # Its zone is not judged against the catalog (the API's answer outranks a list); what it is, is.
    assert by_name["legacy-b"]["tdx_problems"] == [
        "confidential instance type is SEV, not TDX", "on host maintenance is MIGRATE, not TERMINATE",
        "boot disk image is not TDX_CAPABLE"]
    calls = fleet.calls(since)
    assert [(c["method"], c["path"].rsplit("/", 2)[-2:]) for c in calls] == [("GET", ["aggregated", "instances"])]


def test_names_labels_zones_and_raw_filters(fleet):
    run = fleet.run([
        info_task("by name", names=["tdx-one", "legacy-b"]),
        info_task("by label", labels={"env": "prod"}),
        info_task("by zone", zones=["europe-west4-a", "europe-west1-b"]),
        info_task("by filter", filters=['machineType:c3-standard', 'labels.env = "dev"']),
    ])
    names = dict((task, sorted(i["name"] for i in run.result(task)["instances"]))
                 for task in ("by name", "by label", "by zone", "by filter"))
    assert names == {
        "by name": ["legacy-b", "tdx-one"],
        "by label": ["legacy-a", "tdx-one"],
        "by zone": ["legacy-b", "tdx-two"],
        "by filter": ["tdx-two"],
    }
    zone_lists = [c for c in fleet.calls() if c["method"] == "GET" and "/zones/" in c["path"]
                  and c["path"].endswith("/instances")]
    assert sorted(c["path"].split("/zones/")[1].split("/")[0] for c in zone_lists) == [
        "europe-west1-b", "europe-west4-a"]


def test_bad_filter_and_bad_zone_are_one_line_errors(gce):
    run = gce.run([
        dict(info_task("bad filter", filters=["name = = x"]), ignore_errors=True),
        dict(info_task("bad zone", zones=["US-CENTRAL1"]), ignore_errors=True),
    ])
    assert run.status("bad filter") == "failed"
    assert "list instances failed: HTTP 400" in run.result("bad filter")["msg"]
    assert run.status("bad zone") == "failed"
    assert run.result("bad zone")["msg"].startswith("zones: 'US-CENTRAL1' is not a zone name")
    assert "Traceback" not in run.output
