"""The TDX preflight rules, the catalog's warnings, the live checks, and the problems found on existing instances."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    catalog_warning_machine_type,
    catalog_warning_zone,
    check_boot_disk_type,
    check_image_features,
    check_name,
    check_on_host_maintenance,
    confidential_instance_type,
    instance_problems,
    live_problems,
    machine_series,
    machine_size,
    machine_type_change_problems,
)


def tdx_instance(**changes):
    instance = {
        "name": "web-1",
        "zone": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a",
        "machineType": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/machineTypes/c3-standard-4",
        "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
        "scheduling": {"onHostMaintenance": "TERMINATE"},
        "disks": [{"boot": True, "guestOsFeatures": [{"type": "UEFI_COMPATIBLE"}, {"type": "TDX_CAPABLE"}]}],
    }
    instance.update(changes)
    return instance


@pytest.mark.parametrize("name", ["a", "web-1", "tdx" + "x" * 60])
def test_valid_names(name):
    assert check_name(name) is None


@pytest.mark.parametrize("name", ["", "1web", "Web", "web_1", "web-", "a" * 64, None])
def test_invalid_names_name_the_option(name):
    assert check_name(name).startswith("name: ")


@pytest.mark.parametrize("machine_type", ["c3-standard-4", "c3-standard-176", "c3-standard-88"])
def test_catalogued_machine_types_get_no_warning(machine_type):
    assert catalog_warning_machine_type(machine_type) is None


@pytest.mark.parametrize("machine_type", ["n2-standard-4", "n2d-standard-4", "c3-highcpu-4", "c3-standard",
                                          "e2-micro", "c3-standard-4x", "c4-standard-8", "c3-standard-8-lssd"])
def test_other_machine_types_are_warned_about_not_refused(machine_type):
    message = catalog_warning_machine_type(machine_type)
    assert message.startswith("machine_type: %s is not among the machine types this collection knows" % machine_type)
    assert "c3-standard-N (GA)" in message
    assert message.endswith("the Compute API decides when the instance is created")


def test_every_catalogued_entry_names_its_source():
    assert all(entry["source"] for entry in tdx_catalog.TDX_MACHINE_TYPES)
    sourced = [zone for zones in tdx_catalog.ZONE_SOURCES.values() for zone in zones]
    assert sorted(sourced) == sorted(tdx_catalog.TDX_ZONES)
    assert len(sourced) == len(set(sourced)), "a zone is listed under two sources"


def test_zones_outside_the_catalog_are_warned_about():
    for zone in tdx_catalog.TDX_ZONES:
        assert catalog_warning_zone(zone) is None
    message = catalog_warning_zone("us-west1-a", option="zones")
    assert message.startswith("zones: us-west1-a is not among the zones this collection knows to offer TDX (")
    assert "the Compute API decides" in message


@pytest.mark.parametrize("machine_type, series", [("c3-standard-4", "c3"), ("C3-standard-4", "c3"),
                                                  ("a3-highgpu-1g", "a3"), ("", ""), (None, "")])
def test_the_series_is_the_first_part_of_the_name(machine_type, series):
    assert machine_series(machine_type) == series


def test_a_boot_disk_type_the_series_cannot_boot_from_is_refused():
    assert check_boot_disk_type("c3-standard-4", "pd-balanced") is None
    assert check_boot_disk_type("c3-standard-4", "hyperdisk-balanced") is None
    message = check_boot_disk_type("c3-standard-4", "pd-standard")
    # Only what the machine takes is suggested: no Hyperdisk Extreme below 88 vCPUs, and Hyperdisk
    # Throughput with its size range while the disk's size is not known.
    assert message == ("boot_disk_type: pd-standard cannot be the boot disk of a C3 machine (c3-standard-4); use one "
                       "of pd-balanced, pd-ssd, hyperdisk-balanced, hyperdisk-throughput (with boot_disk_size_gb "
                       "2048 to 32768)")
    assert check_boot_disk_type("c3-standard-88", "pd-standard", size_gb=100).endswith(
        "use one of pd-balanced, pd-ssd, hyperdisk-balanced, hyperdisk-extreme")
    # A series the catalog does not know is left to the API.
    assert check_boot_disk_type("z9-standard-4", "pd-standard") is None


@pytest.mark.parametrize("machine_type, size_gb, refused", [
    # Google's Hyperdisk Extreme page: C3 needs at least 88 vCPUs; 64 GiB to 64 TiB.
    ("c3-standard-4", None, "boot_disk_type: hyperdisk-extreme needs a C3 machine of at least 88 vCPUs "
                            "(c3-standard-4 has 4); use one of pd-balanced, pd-ssd, hyperdisk-balanced, "
                            "hyperdisk-throughput (with boot_disk_size_gb 2048 to 32768), or a larger machine_type"),
    ("c3-standard-44", 100, "needs a C3 machine of at least 88 vCPUs (c3-standard-44 has 44)"),
    ("c3-standard-88", None, None),
    ("c3-standard-176", 64, None),
    ("c3-standard-88", 63, "boot_disk_type: a hyperdisk-extreme disk is 64 to 65536 GB, the boot disk would be 63 GB; "
                           "set boot_disk_size_gb to at least 64"),
])
def test_hyperdisk_extreme_needs_a_large_enough_machine_and_disk(machine_type, size_gb, refused):
    message = check_boot_disk_type(machine_type, "hyperdisk-extreme", size_gb=size_gb)
    if refused is None:
        assert message is None
    else:
        assert message is not None and refused in message, message


def test_hyperdisk_throughput_sizes_and_additional_disks_name_their_own_options():
    assert check_boot_disk_type("c3-standard-4", "hyperdisk-throughput", size_gb=2048) is None
    assert check_boot_disk_type("c3-standard-4", "hyperdisk-throughput", size_gb=40000) == (
        "boot_disk_type: a hyperdisk-throughput disk is 2048 to 32768 GB, the boot disk would be 40000 GB; set "
        "boot_disk_size_gb to at most 32768")
    assert check_boot_disk_type("c3-standard-4", "hyperdisk-throughput", "additional_disks[1].type", role="a disk",
                                size_gb=100, size_option="additional_disks[1].size_gb") == (
        "additional_disks[1].type: a hyperdisk-throughput disk is 2048 to 32768 GB, a disk would be 100 GB; set "
        "additional_disks[1].size_gb to at least 2048")


@pytest.mark.parametrize("machine_type, size", [
    ("c3-standard-88", (88, None)),
    ("c3-highmem-176-lssd", (176, None)),
    ("n2-custom-4-16384", (4, None)),
    ("a3-highgpu-1g", (None, 1)),
    ("e2-micro", (None, None)),
    ("", (None, None)),
])
def test_the_machine_size_is_read_from_the_name(machine_type, size):
    assert machine_size(machine_type) == size


def test_a_c3_machine_type_changes_within_its_series_and_must_take_the_disks():
    boot = [("boot disk", "web-1", "pd-balanced", 10)]
    assert machine_type_change_problems("c3-standard-4", "c3-standard-8", boot) == []
    assert machine_type_change_problems("c3-standard-4", "n2-standard-4", boot) == [
        "machine_type: n2-standard-4 is of series N2, the instance is a C3 machine (c3-standard-4), and Compute "
        "Engine changes the machine type of a C3 instance within its series only; choose a c3 machine type"]
    extreme = [("boot disk", "web-1", "hyperdisk-extreme", 64), ("disk", "web-1-1", "pd-ssd", 100)]
    assert machine_type_change_problems("c3-standard-88", "c3-standard-176", extreme) == []
    # The API's vCPU count (machineTypes.get) decides over the name's.
    assert machine_type_change_problems("c3-standard-88", "c3-standard-176", extreme, vcpus=8) != []
    assert machine_type_change_problems("c3-standard-88", "c3-standard-8", extreme) == [
        "machine_type: c3-standard-8 cannot take the instance's boot disk web-1 of type hyperdisk-extreme: "
        "hyperdisk-extreme needs a C3 machine of at least 88 vCPUs (c3-standard-8 has 8); keep a machine type "
        "that takes it"]
    # An instance of a series the catalog does not know is the API's to judge.
    assert machine_type_change_problems("n2-standard-4", "n2d-standard-4", boot) == []


SAPPHIRE_ZONE = {"name": "us-central1-a", "availableCpuPlatforms": ["Intel Sapphire Rapids", "AMD Milan"]}
MACHINE = {"name": "c3-standard-4"}


def test_live_answers_that_allow_the_create_give_no_problem():
    assert live_problems("us-central1-a", SAPPHIRE_ZONE, "c3-standard-4", MACHINE) == []
    # An unknown series has no platform to require: the API decides on insert.
    assert live_problems("us-central1-a", {"availableCpuPlatforms": []}, "z9-standard-4", {"name": "z9"}) == []


def test_a_zone_the_api_does_not_have_is_named():
    assert live_problems("us-centrall-a", None, "c3-standard-4", None, option="zones") == [
        "zones: us-centrall-a is not a zone of the Compute API; check the spelling (e.g. us-central1-a)"]


def test_a_machine_type_the_zone_does_not_offer_is_named():
    assert live_problems("asia-southeast1-a", SAPPHIRE_ZONE, "a3-highgpu-1g", None) == [
        "machine_type: a3-highgpu-1g is not offered in zone asia-southeast1-a (machineTypes.get found none); "
        "choose another zone or machine type"]


def test_a_zone_without_the_series_cpu_platform_is_named():
    zone = {"availableCpuPlatforms": ["Intel Ice Lake", "AMD Milan"]}
    assert live_problems("us-east1-b", zone, "c3-standard-4", MACHINE) == [
        "zone: us-east1-b offers no Intel Sapphire Rapids, the CPU platform of C3 machines (it offers Intel Ice "
        "Lake, AMD Milan); choose another zone"]


def test_maintenance_policy():
    assert check_on_host_maintenance("TERMINATE") is None
    assert "cannot be live-migrated" in check_on_host_maintenance("MIGRATE")


def test_image_features():
    assert check_image_features("ubuntu-os-cloud/ubuntu-2204-lts", [{"type": "TDX_CAPABLE"}]) is None
    message = check_image_features("debian-cloud/debian-12", [{"type": "SEV_CAPABLE"}])
    assert message.startswith("image: debian-cloud/debian-12 does not declare guest OS feature TDX_CAPABLE")
    assert check_image_features("x/y", None) is not None


def test_a_sound_tdx_instance_has_no_problems():
    assert instance_problems(tdx_instance()) == []


def test_problems_of_an_instance_that_is_not_tdx():
    instance = tdx_instance(
        confidentialInstanceConfig={"enableConfidentialCompute": True},
        scheduling={"onHostMaintenance": "MIGRATE"},
        machineType="zones/europe-west1-b/machineTypes/n2d-standard-4",
        zone="projects/p/zones/europe-west1-b",
        disks=[{"boot": True, "guestOsFeatures": [{"type": "SEV_CAPABLE"}]}],
    )
    assert instance_problems(instance) == [
        "confidential instance type is SEV, not TDX",
        "on host maintenance is MIGRATE, not TERMINATE",
        "boot disk image is not TDX_CAPABLE",
    ]


def test_a_trust_domain_in_a_zone_or_type_the_catalog_does_not_list_is_sound():
    # The API made it a trust domain there: its answer outranks the list (us-east1-b, c4 are not listed).
    instance = tdx_instance(zone="projects/p/zones/us-east1-b",
                            machineType="zones/us-east1-b/machineTypes/c4-standard-8")
    assert instance_problems(instance) == []


@pytest.mark.parametrize("config, expected", [
    ({}, None),
    ({"confidentialInstanceType": "CONFIDENTIAL_INSTANCE_TYPE_UNSPECIFIED"}, None),
    ({"enableConfidentialCompute": True}, "SEV"),
    ({"confidentialInstanceType": "SEV_SNP"}, "SEV_SNP"),
    ({"confidentialInstanceType": "TDX"}, "TDX"),
    ({"confidentialInstanceType": "SOMETHING_NEWER"}, "SOMETHING_NEWER"),
])
def test_confidential_instance_type_keeps_the_enum_open(config, expected):
    assert confidential_instance_type({"confidentialInstanceConfig": config}) == expected
