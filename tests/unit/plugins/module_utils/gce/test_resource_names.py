"""Parsing image references and resource URLs."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    ImageRef,
    image_label,
    disk_location,
    image_path,
    parse_image,
    region_of,
    short_name,
    subnetwork_path,
)


@pytest.mark.parametrize("spec, expected", [
    ("ubuntu-os-cloud/ubuntu-2204-lts", ImageRef("ubuntu-os-cloud", "ubuntu-2204-lts", None)),
    ("ubuntu-os-cloud/family/ubuntu-2204-lts", ImageRef("ubuntu-os-cloud", "ubuntu-2204-lts", True)),
    ("projects/cos-cloud/global/images/family/cos-tdx-113-lts", ImageRef("cos-cloud", "cos-tdx-113-lts", True)),
    ("projects/p/global/images/my-image", ImageRef("p", "my-image", False)),
    ("https://www.googleapis.com/compute/v1/projects/p/global/images/my-image", ImageRef("p", "my-image", False)),
    ("https://compute.googleapis.com/compute/v1/projects/p/global/images/family/f", ImageRef("p", "f", True)),
])
def test_image_forms(spec, expected):
    assert parse_image(spec) == expected


@pytest.mark.parametrize("spec", ["", "ubuntu-2204-lts", "ubuntu 22.04", "a/b/c", "projects/p/images/x", None])
def test_unparsable_images(spec):
    assert parse_image(spec) is None


def test_labels_and_names():
    assert image_label(ImageRef("p", "f", True)) == "p/family/f"
    assert image_label(ImageRef("p", "i", None)) == "p/i"
    assert short_name("https://x/compute/v1/projects/p/zones/us-central1-a") == "us-central1-a"
    assert short_name(None) is None
    assert region_of("europe-west4-b") == "europe-west4"
    assert subnetwork_path("p", "us-central1", "sub") == "projects/p/regions/us-central1/subnetworks/sub"
    assert subnetwork_path("p", "us-central1", "projects/q/regions/r/subnetworks/s") == "projects/q/regions/r/subnetworks/s"


@pytest.mark.parametrize("reference, expected", [
    ("https://www.googleapis.com/compute/v1/projects/p/global/images/my-image", "projects/p/global/images/my-image"),
    ("https://compute.googleapis.com/compute/beta/projects/p/global/images/my-image",
     "projects/p/global/images/my-image"),
    ("projects/p/global/images/my-image", "projects/p/global/images/my-image"),
    ("projects/p/global/images/family/f", None),  # a family names no one image
    ("global/images/my-image", None),
    ("p/my-image", None),
    (None, None),
])
def test_image_paths_are_normalised_from_any_url_form(reference, expected):
    assert image_path(reference) == expected


def test_disk_location_of_an_attached_disk_source():
    source = "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/disks/web-1"
    assert disk_location(source) == ("p", "us-central1-a", "web-1")
    assert disk_location("projects/p/regions/us-central1/disks/shared") is None  # regional: not a boot disk here
    assert disk_location(None) is None
