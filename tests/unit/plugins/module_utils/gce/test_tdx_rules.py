"""The TDX preflight rules and the problems found on existing instances."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    check_image_features,
    check_machine_type,
    check_name,
    check_on_host_maintenance,
    check_zone,
    confidential_instance_type,
    instance_problems,
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


@pytest.mark.parametrize("machine_type", ["c3-standard-4", "c3-standard-176", "c3-standard-8-lssd", "c4-standard-8"])
def test_tdx_machine_types(machine_type):
    assert check_machine_type(machine_type) is None


@pytest.mark.parametrize("machine_type", ["n2-standard-4", "n2d-standard-4", "c3-highcpu-4", "c3-standard",
                                          "e2-micro", "c3-standard-4x"])
def test_other_machine_types_are_refused_with_what_is_allowed(machine_type):
    message = check_machine_type(machine_type)
    assert message.startswith("machine_type: %s cannot run as a TDX trust domain" % machine_type)
    assert "c3-standard-N (GA)" in message


def test_zones_come_from_the_catalog():
    for zone in tdx_catalog.TDX_ZONES:
        assert check_zone(zone) is None
    message = check_zone("us-east1-b", option="zones")
    assert message.startswith("zones: us-east1-b does not offer TDX machines; use one of us-central1-a") or \
        message.startswith("zones: us-east1-b does not offer TDX machines; use one of asia-southeast1-a")


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
        "machine type n2d-standard-4 is not a TDX machine type",
        "boot disk image is not TDX_CAPABLE",
        "zone europe-west1-b is not a TDX zone",
    ]


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
