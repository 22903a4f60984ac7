"""Disks, custom images made from them, and disk types per machine series, through the real client."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, reasons, tdx_instance

UBUNTU_LICENSE = "https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/licenses/ubuntu-2204-lts"
JAMMY = "https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250112"


@pytest.fixture
def disks(compute):
    return compute_v1.DisksClient(credentials=compute.credentials,
                                  client_options={"api_endpoint": compute.emulator.base_url})


@pytest.fixture
def global_operations(compute):
    return compute_v1.GlobalOperationsClient(credentials=compute.credentials,
                                             client_options={"api_endpoint": compute.emulator.base_url})


def _make_image(compute, global_operations, name, source_disk, features=(), family=None):
    image = compute_v1.Image(name=name, source_disk=source_disk,
                             guest_os_features=[compute_v1.GuestOsFeature(type_=f) for f in features])
    if family:
        image.family = family
    operation = compute.images.insert_unary(project=compute.project, image_resource=image)
    done = global_operations.wait(project=compute.project, operation=operation.name)
    assert compute_v1.Operation.Status(done.status).name == "DONE" and not done.error.errors, done
    return compute.images.get(project=compute.project, image=name)


def test_the_boot_disk_keeps_the_image_it_was_made_from(compute, disks):
    compute.create(tdx_instance("tdx-disk"))
    disk = disks.get(project=compute.project, zone=ZONE, disk="tdx-disk")
    assert disk.source_image == JAMMY  # the family resolved to its image
    assert disk.licenses == [UBUNTU_LICENSE]
    assert "TDX_CAPABLE" in [feature.type_ for feature in disk.guest_os_features]
    assert disk.type_.endswith("/zones/us-central1-a/diskTypes/pd-balanced")
    assert disk.users == ["https://www.googleapis.com/compute/v1/projects/tdx-test-project/zones/us-central1-a/"
                          "instances/tdx-disk"]


def test_the_disks_of_a_zone_are_listed_by_a_names_filter(compute, disks):
    for name in ("tdx-list-1", "tdx-list-2", "tdx-other"):
        compute.create(tdx_instance(name))
    listed = list(disks.list(request=compute_v1.ListDisksRequest(
        project=compute.project, zone=ZONE, filter='name eq "(tdx-list-1|tdx-list-2)"')))
    assert sorted(disk.name for disk in listed) == ["tdx-list-1", "tdx-list-2"]
    assert all(disk.source_image == JAMMY for disk in listed)
    assert [disk.name for disk in disks.list(project=compute.project, zone="us-central1-b")] == []


def test_an_auto_delete_disk_goes_with_its_instance(compute, disks):
    compute.create(tdx_instance("tdx-gone"))
    compute.wait(compute.instances.delete_unary(project=compute.project, zone=ZONE, instance="tdx-gone"))
    with pytest.raises(exceptions.NotFound):
        disks.get(project=compute.project, zone=ZONE, disk="tdx-gone")


def test_a_custom_image_from_an_ubuntu_disk_carries_ubuntus_licenses(compute, disks, global_operations):
    compute.create(tdx_instance("tdx-golden"))
    image = _make_image(compute, global_operations, "my-tdx-image", "zones/%s/disks/tdx-golden" % ZONE,
                        features=["TDX_CAPABLE"], family="my-tdx")
    assert image.licenses == [UBUNTU_LICENSE]  # not the image's own project
    assert image.source_disk.endswith("/zones/us-central1-a/disks/tdx-golden")
    assert compute.images.get_from_family(project=compute.project, family="my-tdx").name == "my-tdx-image"
    # An instance from the custom image: same licenses, but its disk's sourceImage tells the truth.
    compute.create(tdx_instance("tdx-from-custom", image="projects/tdx-test-project/global/images/my-tdx-image"))
    instance = compute.get("tdx-from-custom")
    assert instance.disks[0].licenses == [UBUNTU_LICENSE]
    disk = disks.get(project=compute.project, zone=ZONE, disk="tdx-from-custom")
    assert disk.source_image == "https://www.googleapis.com/compute/v1/projects/tdx-test-project/global/images/" \
                                "my-tdx-image"


def test_a_custom_image_is_tdx_capable_only_with_the_feature(compute, global_operations):
    debian = "projects/debian-cloud/global/images/family/debian-12"
    compute.create(tdx_instance("plain-debian", image=debian, confidential_type=None, maintenance=None))
    without = _make_image(compute, global_operations, "debian-plain", "zones/%s/disks/plain-debian" % ZONE)
    assert "TDX_CAPABLE" not in [feature.type_ for feature in without.guest_os_features]
    with pytest.raises(exceptions.BadRequest) as refused:
        compute.insert(tdx_instance("tdx-no", image="global/images/debian-plain"))
    assert "TDX compatible image" in refused.value.message
    with_tdx = _make_image(compute, global_operations, "debian-tdx", "zones/%s/disks/plain-debian" % ZONE,
                           features=["TDX_CAPABLE"])
    assert "TDX_CAPABLE" in [feature.type_ for feature in with_tdx.guest_os_features]
    compute.create(tdx_instance("tdx-yes", image="global/images/debian-tdx"))


def test_an_image_name_is_taken_once(compute, global_operations):
    compute.create(tdx_instance("tdx-src"))
    _make_image(compute, global_operations, "once", "zones/%s/disks/tdx-src" % ZONE)
    with pytest.raises(exceptions.Conflict):
        compute.images.insert_unary(project=compute.project, image_resource=compute_v1.Image(
            name="once", source_disk="zones/%s/disks/tdx-src" % ZONE))


def test_a_disk_only_grows(compute, disks):
    compute.create(tdx_instance("tdx-grow"))
    for size in (10, 5):
        with pytest.raises(exceptions.BadRequest) as refused:
            disks.resize_unary(project=compute.project, zone=ZONE, disk="tdx-grow",
                               disks_resize_request_resource=compute_v1.DisksResizeRequest(size_gb=size))
        assert "must be larger than existing size '10 GB'" in refused.value.message
    compute.wait(disks.resize_unary(project=compute.project, zone=ZONE, disk="tdx-grow",
                                    disks_resize_request_resource=compute_v1.DisksResizeRequest(size_gb=50)))
    assert disks.get(project=compute.project, zone=ZONE, disk="tdx-grow").size_gb == 50
    assert compute.get("tdx-grow").disks[0].disk_size_gb == 50


@pytest.mark.parametrize("machine_type, disk_type, accepted", [
    ("c3-standard-4", "pd-balanced", True),
    ("c3-standard-4", "hyperdisk-balanced", True),
    ("c3-standard-4", "pd-standard", False),
    ("c4-standard-4", "hyperdisk-balanced", True),
    ("c4-standard-4", "pd-balanced", False),
    ("n2-standard-4", "pd-standard", True),
    # Hyperdisk Extreme: C3 from 88 vCPUs, A3 from 4 GPUs (Google's Hyperdisk Extreme page).
    ("c3-standard-88", "hyperdisk-extreme", True),
    ("c3-standard-4", "hyperdisk-extreme", False),
    ("a3-highgpu-1g", "hyperdisk-extreme", False),
])
def test_disk_types_follow_the_machine_series(compute, disks, machine_type, disk_type, accepted):
    instance = tdx_instance("disk-typed", machine_type=machine_type, confidential_type=None, maintenance=None)
    instance.disks[0].initialize_params.disk_type = "zones/%s/diskTypes/%s" % (ZONE, disk_type)
    instance.disks[0].initialize_params.disk_size_gb = 64  # within every type's range but Hyperdisk Throughput's
    if accepted:
        compute.create(instance)
        assert disks.get(project=compute.project, zone=ZONE, disk="disk-typed").type_.endswith("/" + disk_type)
        return
    with pytest.raises(exceptions.BadRequest) as refused:
        compute.insert(instance)
    assert reasons(refused) == ["invalid"]
    assert "Disk type %s cannot be used with machine type %s" % (disk_type, machine_type) in refused.value.message


@pytest.mark.parametrize("disk_type, size_gb, accepted", [
    ("hyperdisk-extreme", 63, False),
    ("hyperdisk-extreme", 64, True),
    ("hyperdisk-throughput", 64, False),
    ("hyperdisk-throughput", 2048, True),
])
def test_hyperdisk_sizes_follow_google_s_limits(compute, disk_type, size_gb, accepted):
    instance = tdx_instance("disk-sized", machine_type="c3-standard-88")
    instance.disks[0].initialize_params.disk_type = "zones/%s/diskTypes/%s" % (ZONE, disk_type)
    instance.disks[0].initialize_params.disk_size_gb = size_gb
    if accepted:
        compute.create(instance)
        return
    with pytest.raises(exceptions.BadRequest) as refused:
        compute.insert(instance)
    assert reasons(refused) == ["invalid"]
    assert "Disk size %d GB is outside the range of disk type %s" % (size_gb, disk_type) in refused.value.message


def test_an_unknown_disk_type_is_not_found(compute):
    instance = tdx_instance("disk-odd")
    instance.disks[0].initialize_params.disk_type = "zones/%s/diskTypes/pd-imaginary" % ZONE
    with pytest.raises(exceptions.BadRequest) as refused:
        compute.insert(instance)
    assert "The referenced diskType resource cannot be found." in refused.value.message


def test_a_failed_insert_leaves_no_disk(compute, disks, gce_emulator):
    gce_emulator.admin.configure(stocked_out_zones=[ZONE])
    instance = tdx_instance("tdx-doomed")
    instance.disks[0].auto_delete = False
    assert compute.wait(compute.insert(instance)).error.errors
    with pytest.raises(exceptions.NotFound):
        disks.get(project=compute.project, zone=ZONE, disk="tdx-doomed")


def test_a_loaded_instance_without_disk_resources_can_be_deleted(compute, gce_emulator):
    gce_emulator.admin.load_state({"instances": [{"name": "loaded", "zone": ZONE, "disks": [{"boot": True}]}]})
    compute.wait(compute.instances.delete_unary(project=compute.project, zone=ZONE, instance="loaded"))
    assert gce_emulator.admin.instances() == []


KMS_KEY = "projects/tdx-test-project/locations/global/keyRings/tdx/cryptoKeys/boot"


def test_a_cloud_kms_key_is_kept_with_the_key_version_appended(compute, disks):
    instance = tdx_instance("tdx-cmek")
    instance.disks[0].disk_encryption_key = compute_v1.CustomerEncryptionKey(kms_key_name=KMS_KEY)
    compute.create(instance)
    disk = disks.get(project=compute.project, zone=ZONE, disk="tdx-cmek")
    assert disk.disk_encryption_key.kms_key_name == KMS_KEY + "/cryptoKeyVersions/1"
    attached = compute.get("tdx-cmek").disks[0]
    assert attached.disk_encryption_key.kms_key_name == KMS_KEY + "/cryptoKeyVersions/1"


def test_a_malformed_kms_key_or_a_raw_key_is_refused(compute):
    instance = tdx_instance("tdx-badkey")
    instance.disks[0].disk_encryption_key = compute_v1.CustomerEncryptionKey(kms_key_name="boot")
    with pytest.raises(exceptions.BadRequest) as refused:
        compute.insert(instance)
    assert "diskEncryptionKey.kmsKeyName" in refused.value.message
    instance.disks[0].disk_encryption_key = compute_v1.CustomerEncryptionKey(raw_key="c2VjcmV0")
    with pytest.raises(exceptions.BadRequest) as unsupported:
        compute.insert(instance)
    assert reasons(unsupported) == ["unsupported"]
