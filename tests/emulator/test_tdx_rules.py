"""Each of Google's TDX rules, broken through the real client, is refused with 400."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import TDX_IMAGE, api_errors, reasons, status_name, tdx_instance

CONFIG_FIELD = "Invalid value for field 'resource.confidentialInstanceConfig': '{ \"confidentialInstanceType\": \"TDX\"}'. "


def _refused(compute, gce_emulator, instance, zone="us-central1-a"):
    with pytest.raises(exceptions.BadRequest) as refusal:
        compute.insert(instance, zone=zone)
    assert refusal.value.code == 400
    assert reasons(refusal) == ["invalid"]
    assert gce_emulator.admin.instances() == []  # a refused insert changes nothing
    return api_errors(refusal)[0]["message"]


def test_the_seed_command_is_accepted(compute):
    created = compute.create(tdx_instance("tdx-seed"))
    assert created.confidential_instance_config.confidential_instance_type == "TDX"
    assert created.scheduling.on_host_maintenance == "TERMINATE"


@pytest.mark.parametrize("machine_type", ["n2-standard-4", "n2d-standard-4"])
def test_tdx_only_on_tdx_machine_series(compute, gce_emulator, machine_type):
    message = _refused(compute, gce_emulator, tdx_instance("tdx-wrong-series", machine_type=machine_type))
    assert message == CONFIG_FIELD + (
        "Confidential Instance Config can only be set on supported and compatible Confidential VM machine types.")


@pytest.mark.parametrize("machine_type", ["c3-standard-8", "c3-standard-22", "c3-standard-44", "c3-standard-88",
                                          "c3-standard-176"])
def test_every_c3_standard_size_takes_tdx(compute, machine_type):
    operation = compute.insert(tdx_instance("tdx-" + machine_type, machine_type=machine_type))
    assert not compute.wait(operation).error.errors


def test_tdx_only_in_zones_that_offer_it(compute, gce_emulator):
    """us-east1-b has C3 machines but no TDX."""
    message = _refused(compute, gce_emulator, tdx_instance("tdx-wrong-zone", zone="us-east1-b"), zone="us-east1-b")
    assert message == CONFIG_FIELD + "Confidential instance type TDX is not supported in zone 'us-east1-b'."
    # The same machine without TDX is fine there.
    plain = tdx_instance("c3-plain", zone="us-east1-b", confidential_type=None)
    assert not compute.wait(compute.insert(plain, zone="us-east1-b"), zone="us-east1-b").error.errors


def test_google_adding_a_tdx_zone_is_a_config_change(compute, gce_emulator):
    """configure(tdx_zones_added=...) stands for Google's catalog growing; reset takes it back."""
    gce_emulator.admin.configure(tdx_zones_added=["us-east1-b"])
    operation = compute.insert(tdx_instance("tdx-added-zone", zone="us-east1-b"), zone="us-east1-b")
    assert not compute.wait(operation, zone="us-east1-b").error.errors
    gce_emulator.admin.reset()
    message = _refused(compute, gce_emulator, tdx_instance("tdx-added-zone", zone="us-east1-b"), zone="us-east1-b")
    assert message.endswith("Confidential instance type TDX is not supported in zone 'us-east1-b'.")


def test_a_zone_s_cpu_platforms_can_be_changed_by_config(compute, gce_emulator):
    gce_emulator.admin.configure(zone_cpu_platforms={"us-central1-b": ["Intel Ice Lake"]})
    changed = compute.zones.get(project=compute.project, zone="us-central1-b")
    assert list(changed.available_cpu_platforms) == ["Intel Ice Lake"]
    untouched = compute.zones.get(project=compute.project, zone="us-central1-a")
    assert "Intel Sapphire Rapids" in list(untouched.available_cpu_platforms)
    with pytest.raises(Exception) as refused:
        gce_emulator.admin.configure(zone_cpu_platforms={"us-central1-b": "Intel Ice Lake"})
    assert "zone_cpu_platforms must map zone names to lists" in str(refused.value)


@pytest.mark.parametrize("image", [
    "projects/debian-cloud/global/images/family/debian-12",
    # An Ubuntu image from before Canonical tagged its images TDX_CAPABLE.
    "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20230114",
])
def test_tdx_only_from_tdx_capable_images(compute, gce_emulator, image):
    message = _refused(compute, gce_emulator, tdx_instance("tdx-wrong-image", image=image))
    # Google's own wording (GoogleCloudPlatform/magic-modules PR 11166).
    assert message == CONFIG_FIELD + "Confidential Instance Config can only be set when using a TDX compatible image."


@pytest.mark.parametrize("maintenance", ["MIGRATE", None])
def test_tdx_needs_on_host_maintenance_terminate(compute, gce_emulator, maintenance):
    """Leaving onHostMaintenance out means MIGRATE, which a TDX VM cannot do."""
    message = _refused(compute, gce_emulator, tdx_instance("tdx-migrate", maintenance=maintenance))
    assert message.startswith("Invalid value for field 'resource.scheduling.onHostMaintenance': 'MIGRATE'.")


def test_the_sev_boolean_is_refused_with_tdx(compute, gce_emulator):
    instance = tdx_instance("tdx-and-sev")
    instance.confidential_instance_config.enable_confidential_compute = True
    message = _refused(compute, gce_emulator, instance)
    # The API quotes the submitted config back, fields in the order they came.
    assert message.startswith("Invalid value for field 'resource.confidentialInstanceConfig': '{ ")
    assert '"enableConfidentialCompute": true' in message and '"confidentialInstanceType": "TDX"' in message
    assert "cannot be combined with confidentialInstanceType TDX" in message


def test_the_sev_boolean_alone_on_c3_is_refused(compute, gce_emulator):
    """The boolean means SEV, and C3 is not an SEV machine series."""
    instance = tdx_instance("sev-on-c3", confidential_type=None)
    instance.confidential_instance_config = compute_v1.ConfidentialInstanceConfig(enable_confidential_compute=True)
    message = _refused(compute, gce_emulator, instance)
    assert message.endswith("Confidential Instance Config can only be set on supported and compatible "
                            "Confidential VM machine types.")


def test_a3_highgpu_takes_tdx_only_as_spot(compute, gce_emulator):
    message = _refused(compute, gce_emulator, tdx_instance("tdx-gpu", machine_type="a3-highgpu-1g"))
    assert message.startswith("Invalid value for field 'resource.scheduling.provisioningModel': 'STANDARD'.")

    spot = tdx_instance("tdx-gpu", machine_type="a3-highgpu-1g", maintenance=None)
    spot.scheduling = compute_v1.Scheduling(
        provisioning_model="SPOT", on_host_maintenance="TERMINATE", automatic_restart=False)
    created = compute.create(spot)
    assert created.guest_accelerators[0].accelerator_count == 1


@pytest.mark.parametrize("name", ["Tdx-1", "1tdx", "tdx_1", "tdx-", "t" * 64])
def test_names_must_follow_rfc_1035(compute, gce_emulator, name):
    message = _refused(compute, gce_emulator, tdx_instance(name))
    assert message == ("Invalid value for field 'resource.name': '%s'. "
                       "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'" % name)


def test_a_63_character_name_is_fine(compute):
    assert compute.create(tdx_instance("t" * 63)).name == "t" * 63


def test_a_second_instance_of_the_same_name_gets_409(compute):
    compute.create(tdx_instance("tdx-twice"))
    with pytest.raises(exceptions.Conflict) as conflict:
        compute.insert(tdx_instance("tdx-twice"))
    assert reasons(conflict) == ["alreadyExists"]
    assert api_errors(conflict)[0]["message"] == (
        "The resource 'projects/tdx-test-project/zones/us-central1-a/instances/tdx-twice' already exists")


def test_missing_things_are_404(compute, gce_emulator):
    with pytest.raises(exceptions.NotFound) as missing:
        compute.get("no-such-instance")
    assert reasons(missing) == ["notFound"]
    assert api_errors(missing)[0]["message"] == (
        "The resource 'projects/tdx-test-project/zones/us-central1-a/instances/no-such-instance' was not found")

    with pytest.raises(exceptions.NotFound) as no_image:
        compute.insert(tdx_instance("tdx-no-image", image="projects/ubuntu-os-cloud/global/images/family/ubuntu-1804"))
    assert reasons(no_image) == ["notFound"]
    assert gce_emulator.admin.instances() == []


def test_an_unknown_machine_type_is_refused(compute):
    with pytest.raises(exceptions.BadRequest) as refusal:
        compute.insert(tdx_instance("tdx-huge", machine_type="c3-standard-9000"))
    assert api_errors(refusal)[0]["message"].endswith(
        "Machine type with name 'c3-standard-9000' does not exist in zone 'us-central1-a'.")


def test_the_tdx_image_family_resolves_to_its_newest_image(compute):
    created = compute.create(tdx_instance("tdx-family", image=TDX_IMAGE))
    boot = created.disks[0]
    assert "TDX_CAPABLE" in [feature.type_ for feature in boot.guest_os_features]
    assert status_name(compute.insert(tdx_instance("tdx-family-2"))) in ("PENDING", "RUNNING", "DONE")
