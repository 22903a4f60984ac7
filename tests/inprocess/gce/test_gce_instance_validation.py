"""Bad input to gce_instance fails before any write, in one line naming the option and the fix."""

import pytest

from tests.inprocess.gce.harness import instance_task

pytestmark = pytest.mark.integration

# (task name, module arguments, text the message must contain). None of these
# needs the API: the module must fail before its first call.
REFUSED_WITHOUT_A_CALL = [
    ("a machine type that is no name", dict(name="v1", machine_type="c3-standard-"),
     "machine_type: c3-standard- is not a machine type name; give SERIES-KIND-SIZE, e.g. c3-standard-4"),
    ("a region, not a zone", dict(name="v2", zone="us-central1"),
     "zone: us-central1 is not a zone name; give REGION-LETTER, e.g. us-central1-a"),
    ("a boot disk type C3 cannot boot from", dict(name="v3", boot_disk_type="pd-standard"),
     "boot_disk_type: pd-standard cannot be the boot disk of a C3 machine (c3-standard-4); use one of pd-balanced"),
    ("live migration", dict(name="v4", on_host_maintenance="MIGRATE"),
     "on_host_maintenance: MIGRATE is not allowed, a TDX trust domain cannot be live-migrated; use TERMINATE"),
    ("invalid name", dict(name="Web_1"), "name: 'Web_1' is not a valid instance name"),
    ("name too long", dict(name="a" * 64), "is not a valid instance name"),
    ("unparsable image", dict(name="v5", image="ubuntu 22.04"), "image: ubuntu 22.04 is not an image reference"),
    ("invalid label", dict(name="v6", labels={"Env": "prod"}), "labels: Env=prod is not a valid label"),
    ("non-positive wait_timeout", dict(name="v7", wait_timeout=0), "wait_timeout: 0 must be a positive number"),
    ("zone and zones", dict(name="v8", zones=["us-central1-a"], zone="us-central1-b"),
     "mutually exclusive: zone|zones"),
    ("service account without a key", dict(name="v9", auth_kind="serviceaccount"),
     "service_account_file: required when auth_kind is serviceaccount"),
    ("missing key file", dict(name="v10", service_account_file="/nonexistent/key.json"),
     "service_account_file: /nonexistent/key.json does not exist"),
    ("endpoint without a scheme", dict(name="v11", api_endpoint="localhost:1234"),
     "api_endpoint: localhost:1234 must be a URL"),
]

# Refused after reading the image, the zone or the machine type through the API: reads, no write.
REFUSED_AFTER_A_READ = [
    # Reading the instance there already tells (the API's own words); in a fallback list, zones.get does.
    ("a zone the API does not have", dict(name="v23", zone="mars-north1-a"),
     "Invalid value for field 'zone': 'mars-north1-a'. Unknown zone."),
    ("a fallback zone the API does not have", dict(name="v24", zones=["us-central1-a", "mars-north1-a"]),
     "zones: mars-north1-a is not a zone of the Compute API"),
    ("a machine type the zone does not offer", dict(name="v25", zone="asia-southeast1-a",
                                                    machine_type="a3-highgpu-1g"),
     "machine_type: a3-highgpu-1g is not offered in zone asia-southeast1-a (machineTypes.get found none)"),
    ("image family without TDX_CAPABLE", dict(name="v20", image="debian-cloud/debian-12"),
     "image: debian-cloud/debian-12 does not declare guest OS feature TDX_CAPABLE"),
    ("image without TDX_CAPABLE", dict(name="v21", image="ubuntu-os-cloud/ubuntu-2204-jammy-v20230114"),
     "image: ubuntu-os-cloud/ubuntu-2204-jammy-v20230114 does not declare guest OS feature TDX_CAPABLE"),
    ("image that does not exist", dict(name="v22", image="ubuntu-os-cloud/ubuntu-1004-lts"),
     "image: ubuntu-os-cloud/ubuntu-1004-lts is neither an image nor an image family"),
]


def assert_one_line_failure(run, task, expected):
    assert run.status(task) == "failed", run.output
    message = run.result(task)["msg"]
    assert expected in message, message
    assert "\n" not in message
    assert "Traceback" not in run.output


@pytest.mark.playbook  # some tasks set the environment keyword
def test_bad_input_fails_before_any_api_call(gce):
    tasks = []
    for task, args, dummy in REFUSED_WITHOUT_A_CALL:
        args = dict(args)
        if "service_account_file" in args or "auth_kind" in args:
            tasks.append({"name": task, "confidential.tdx.gce_instance": dict(args, zone="us-central1-a"),
                          "ignore_errors": True, "environment": {"GCP_ACCESS_TOKEN": ""}})
        else:
            tasks.append(instance_task(task, **args))
    run = gce.run(tasks)
    for task, dummy, expected in REFUSED_WITHOUT_A_CALL:
        assert_one_line_failure(run, task, expected)
    assert gce.calls() == []


def test_image_problems_are_found_through_the_api_before_any_write(gce):
    run = gce.run([instance_task(task, **args) for task, args, dummy in REFUSED_AFTER_A_READ])
    for task, dummy, expected in REFUSED_AFTER_A_READ:
        assert_one_line_failure(run, task, expected)
    assert gce.writes() == []
    assert any("/global/images/" in call["path"] for call in gce.calls())
    assert any("/machineTypes/" in call["path"] for call in gce.calls())
    assert gce.instances() == []


def test_a_boot_disk_type_the_machine_is_too_small_for_is_refused_before_any_call(gce):
    # Google's Hyperdisk Extreme page: C3 machine types need at least 88 vCPUs.
    run = gce.run([instance_task("extreme on c3-standard-4", name="v30", boot_disk_type="hyperdisk-extreme"),
                   instance_task("pd-standard", name="v31", boot_disk_type="pd-standard")])
    assert_one_line_failure(run, "extreme on c3-standard-4", "boot_disk_type: hyperdisk-extreme needs a C3 machine of "
                                                              "at least 88 vCPUs (c3-standard-4 has 4)")
    refusal = run.result("pd-standard")["msg"]
    assert refusal.startswith("boot_disk_type: pd-standard cannot be the boot disk of a C3 machine"), refusal
    assert "hyperdisk-extreme" not in refusal
    assert gce.calls() == []


def test_a_boot_disk_smaller_than_its_type_allows_is_refused_after_reading_the_image(gce):
    run = gce.run([instance_task("extreme of 10 GB", name="v32", machine_type="c3-standard-88",
                                 boot_disk_type="hyperdisk-extreme")])
    assert_one_line_failure(run, "extreme of 10 GB", "boot_disk_type: a hyperdisk-extreme disk is 64 to 65536 GB, the "
                                                      "boot disk would be 10 GB (the image's size); set "
                                                      "boot_disk_size_gb to at least 64")
    assert gce.writes() == []
