"""What GET returns for an instance: the fields a module reads, shaped as Google shapes them."""

import ipaddress

from google.cloud import compute_v1

from .helpers import ZONE, tdx_instance

API = "https://www.googleapis.com/compute/v1/projects/tdx-test-project/"


def _full_instance(compute):
    instance = tdx_instance(
        "tdx-shape", external_ip=True, labels={"env": "prod"}, deletion_protection=True,
        description="shape check",
        metadata=compute_v1.Metadata(items=[compute_v1.Items(key="enable-oslogin", value="TRUE")]),
        tags=compute_v1.Tags(items=["ssh", "tdx"]),
        shielded_instance_config=compute_v1.ShieldedInstanceConfig(enable_secure_boot=True),
        service_accounts=[compute_v1.ServiceAccount(
            email="default", scopes=["https://www.googleapis.com/auth/cloud-platform"])],
    )
    return compute.create(instance)


def test_instance_fields_through_the_client(compute):
    got = _full_instance(compute)
    assert got.id > 0
    assert got.creation_timestamp
    assert got.zone == API + "zones/" + ZONE
    assert got.machine_type == API + "zones/us-central1-a/machineTypes/c3-standard-4"
    assert got.self_link == API + "zones/us-central1-a/instances/tdx-shape"
    assert got.status == "RUNNING" and got.cpu_platform == "Intel Sapphire Rapids"

    nic = got.network_interfaces[0]
    assert nic.network == API + "global/networks/default"
    assert nic.subnetwork == API + "regions/us-central1/subnetworks/default"
    assert ipaddress.ip_address(nic.network_i_p) in ipaddress.ip_network("10.128.0.0/20")
    assert nic.access_configs[0].nat_i_p and nic.access_configs[0].type_ == "ONE_TO_ONE_NAT"

    boot = got.disks[0]
    assert boot.boot and boot.source == API + "zones/us-central1-a/disks/tdx-shape"
    assert boot.interface == "NVME"  # C3 attaches disks as NVMe
    assert boot.licenses == ["https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/licenses/"
                             "ubuntu-2204-lts"]
    assert "TDX_CAPABLE" in [f.type_ for f in boot.guest_os_features]
    assert "initialize_params" not in boot  # GET does not echo how the disk was made

    assert dict(got.labels) == {"env": "prod"} and got.label_fingerprint
    assert [(i.key, i.value) for i in got.metadata.items] == [("enable-oslogin", "TRUE")]
    assert got.metadata.fingerprint
    assert list(got.tags.items) == ["ssh", "tdx"]
    assert got.scheduling.on_host_maintenance == "TERMINATE" and got.scheduling.automatic_restart
    assert got.confidential_instance_config.confidential_instance_type == "TDX"
    assert got.shielded_instance_config.enable_secure_boot and got.shielded_instance_config.enable_vtpm
    assert got.service_accounts[0].email == "482917305516-compute@developer.gserviceaccount.com"
    assert got.deletion_protection
    assert got.description == "shape check"


def test_raw_json_is_camel_case_with_int64_as_strings(compute, gce_emulator):
    _full_instance(compute)
    raw = gce_emulator.admin.instances()[0]
    assert isinstance(raw["id"], str) and raw["id"].isdigit()
    assert isinstance(raw["disks"][0]["diskSizeGb"], str)
    assert "networkIP" in raw["networkInterfaces"][0]
    assert "natIP" in raw["networkInterfaces"][0]["accessConfigs"][0]
    assert "labelFingerprint" in raw and "confidentialInstanceConfig" in raw


def test_no_external_address_unless_asked(compute):
    got = compute.create(tdx_instance("tdx-private"))
    assert not got.network_interfaces[0].access_configs


def test_addresses_are_not_handed_out_twice(compute):
    first = compute.create(tdx_instance("tdx-ip-1", external_ip=True)).network_interfaces[0]
    second = compute.create(tdx_instance("tdx-ip-2", external_ip=True)).network_interfaces[0]
    assert first.network_i_p != second.network_i_p
    assert first.access_configs[0].nat_i_p != second.access_configs[0].nat_i_p


def test_a_region_uses_its_own_subnetwork(compute):
    got = compute.create(tdx_instance("tdx-eu", zone="europe-west4-a"), zone="europe-west4-a")
    assert ipaddress.ip_address(got.network_interfaces[0].network_i_p) in ipaddress.ip_network("10.164.0.0/20")


def test_the_nic_type_asked_for_is_echoed(compute):
    """gce_instance asks for gVNIC; a GET shows it back, and shows none when none was asked."""
    asked = tdx_instance("tdx-gvnic")
    asked.network_interfaces[0].nic_type = compute_v1.NetworkInterface.NicType.GVNIC.name
    got = compute.create(asked).network_interfaces[0]
    assert got.nic_type == "GVNIC"
    assert not compute.create(tdx_instance("tdx-default-nic")).network_interfaces[0].nic_type
