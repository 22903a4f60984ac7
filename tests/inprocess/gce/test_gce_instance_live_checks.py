"""Before a create, gce_instance asks the API what it can tell; its own list of TDX zones and types only warns.

The emulator's config moves Google's catalog on, as the real one moves:
a zone that starts offering TDX (``tdx_zones_added``) and a zone whose CPU
platforms differ (``zone_cpu_platforms``). The collection's catalog
(tdx_catalog) does not follow; the API's answer decides.
"""

import pytest

from tests.inprocess.gce.harness import instance_task, warnings_of

pytestmark = pytest.mark.integration



def inserts(gce):
    return [call for call in gce.writes() if call["method"] == "POST" and call["path"].endswith("/instances")]


def test_a_zone_google_added_is_warned_about_and_the_instance_made_there(gce):
    gce.admin.configure(tdx_zones_added=["us-east1-b"])
    run = gce.run([instance_task("create", name="tdx-new-zone", zone="us-east1-b")])
    assert run.status("create") == "changed", run.output
    result = run.result("create")
    assert result["instance"]["zone"] == "us-east1-b"
    assert [text for text in warnings_of(result) if "is not among the zones this collection knows" in text] == [
        "zone: us-east1-b is not among the zones this collection knows to offer TDX (asia-southeast1-a, "
        "asia-southeast1-b, asia-southeast1-c, europe-west4-a, europe-west4-b, europe-west4-c, us-central1-a, "
        "us-central1-b, us-central1-c, us-east1-c, us-east1-d); the Compute API decides when the instance is "
        "created"], result
    since = gce.mark()
    again = gce.run([instance_task("create", name="tdx-new-zone", zone="us-east1-b")])
    assert again.status("create") == "ok", again.output
    # The instance exists: nothing is created, so nothing is warned about or looked up for a create.
    assert warnings_of(again.result("create")) == []
    assert not [call for call in gce.calls(since) if "/machineTypes/" in call["path"]]


def test_a_zone_without_tdx_is_warned_about_and_refused_by_the_api(gce):
    run = gce.run([instance_task("create", name="tdx-old-zone", zone="us-east1-b")])
    assert run.status("create") == "failed", run.output
    result = run.result("create")
    assert "Confidential instance type TDX is not supported in zone 'us-east1-b'" in result["msg"], result
    assert any(text.startswith("zone: us-east1-b is not among the zones") for text in warnings_of(result)), result
    assert len(inserts(gce)) == 1
    assert gce.instances() == []


def test_a_machine_type_outside_the_catalog_is_warned_about_and_judged_by_the_api(gce):
    run = gce.run([instance_task("create", name="tdx-n2", machine_type="n2-standard-4")])
    assert run.status("create") == "failed", run.output
    result = run.result("create")
    assert "Confidential Instance Config can only be set on supported and compatible Confidential VM machine " \
           "types" in result["msg"], result
    assert any(text.startswith("machine_type: n2-standard-4 is not among the machine types") and
               "c3-standard-N (GA)" in text for text in warnings_of(result)), result
    assert gce.instances() == []


def test_a_zone_that_no_longer_offers_the_cpu_platform_is_refused_before_any_write(gce):
    gce.admin.configure(zone_cpu_platforms={"us-central1-b": ["Intel Ice Lake", "AMD Milan"]})
    run = gce.run([instance_task("create", name="tdx-platform", zones=["us-central1-a", "us-central1-b"])])
    assert run.status("create") == "failed", run.output
    assert run.result("create")["msg"] == (
        "zones: us-central1-b offers no Intel Sapphire Rapids, the CPU platform of C3 machines (it offers Intel Ice "
        "Lake, AMD Milan); choose another zone")
    assert gce.writes() == []


def test_check_mode_asks_the_api_too(gce):
    run = gce.run([instance_task("create", name="tdx-check", zone="asia-southeast1-a",
                                 machine_type="a3-highgpu-1g")], check=True)
    assert run.status("create") == "failed", run.output
    assert run.result("create")["msg"].startswith("machine_type: a3-highgpu-1g is not offered in zone asia-southeast1-a")
    assert gce.writes() == []


def test_a_fleet_warns_once_and_reads_each_zone_once(gce):
    task = {"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": "us-east1-b", "machine_type": "c4-standard-4", "boot_disk_type": "hyperdisk-balanced",
        "instances": [{"name": "c4-%d" % index} for index in range(4)]}, "ignore_errors": True}
    since = gce.mark()
    run = gce.run([task], check=True)
    result = run.result("fleet")
    catalog_warnings = [text for text in warnings_of(result) if "this collection knows" in text]
    assert len(catalog_warnings) == 2, catalog_warnings
    zone_reads = [call for call in gce.calls(since) if call["path"].endswith("/zones/us-east1-b")]
    machine_type_reads = [call for call in gce.calls(since) if "/machineTypes/" in call["path"]]
    assert (len(zone_reads), len(machine_type_reads)) == (1, 1)
