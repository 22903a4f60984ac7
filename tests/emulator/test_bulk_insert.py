"""instances.bulkInsert: names from a pattern or per-instance properties, counts, capacity."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import TDX_IMAGE, ZONE, reasons


def _properties(machine_type="c3-standard-4", image=TDX_IMAGE):
    return compute_v1.InstanceProperties(
        machine_type=machine_type,  # bulkInsert takes a bare machine type name
        disks=[compute_v1.AttachedDisk(
            boot=True, auto_delete=True,
            initialize_params=compute_v1.AttachedDiskInitializeParams(source_image=image))],
        network_interfaces=[compute_v1.NetworkInterface(network="global/networks/default")],
        scheduling=compute_v1.Scheduling(on_host_maintenance="TERMINATE"),
        confidential_instance_config=compute_v1.ConfidentialInstanceConfig(confidential_instance_type="TDX"),
        labels={"fleet": "tdx"},
    )


def _bulk(compute, **fields):
    fields.setdefault("instance_properties", _properties())
    return compute.instances.bulk_insert_unary(
        project=compute.project, zone=ZONE,
        bulk_insert_instance_resource_resource=compute_v1.BulkInsertInstanceResource(**fields))


def test_name_pattern_numbers_around_existing_names(compute, gce_emulator):
    gce_emulator.admin.load_state({"instances": [{"name": "tdx-0002", "zone": ZONE}]})
    done = compute.wait(_bulk(compute, count=3, name_pattern="tdx-####"))
    assert done.operation_type == "bulkInsert" and not done.error.errors
    assert compute.list_names() == ["tdx-0001", "tdx-0002", "tdx-0003", "tdx-0004"]
    assert compute.get("tdx-0004").confidential_instance_config.confidential_instance_type == "TDX"


def test_per_instance_properties_name_instances_first(compute):
    compute.wait(_bulk(compute, count=3, name_pattern="w-##", per_instance_properties={
        "alpha": compute_v1.BulkInsertInstanceResourcePerInstanceProperties(),
        "beta": compute_v1.BulkInsertInstanceResourcePerInstanceProperties(),
    }))
    assert compute.list_names() == ["alpha", "beta", "w-01"]


def test_tdx_rules_apply_to_every_bulk_instance(compute, gce_emulator):
    with pytest.raises(exceptions.BadRequest) as refusal:
        _bulk(compute, count=2, name_pattern="n2-##", instance_properties=_properties(machine_type="n2-standard-4"))
    assert reasons(refusal) == ["invalid"]
    assert gce_emulator.admin.instances() == []


def test_min_count_under_the_cpu_quota_creates_what_fits(compute, gce_emulator):
    gce_emulator.admin.configure(cpu_quota={"us-central1": 12})
    done = compute.wait(_bulk(compute, count=5, min_count=2, name_pattern="q-#"))
    assert not done.error.errors
    assert compute.list_names() == ["q-1", "q-2", "q-3"]  # 3 x 4 vCPUs


def test_below_min_count_nothing_is_created(compute, gce_emulator):
    gce_emulator.admin.configure(cpu_quota={"us-central1": 12})
    done = compute.wait(_bulk(compute, count=5, min_count=4, name_pattern="q-#"))
    assert [e.code for e in done.error.errors] == ["QUOTA_EXCEEDED"]
    assert compute.list_names() == []


def test_a_stockout_fails_the_whole_bulk_insert(compute, gce_emulator):
    gce_emulator.admin.configure(stocked_out_zones=[ZONE])
    done = compute.wait(_bulk(compute, count=2, name_pattern="s-#"))
    assert [e.code for e in done.error.errors] == ["ZONE_RESOURCE_POOL_EXHAUSTED"]
    assert compute.list_names() == []


@pytest.mark.parametrize("fields", [
    {"count": 2},  # no names
    {"count": 2, "name_pattern": "no-hashes"},
    {"count": 2, "name_pattern": "a-#-b-#"},
    {"count": 2, "min_count": 3, "name_pattern": "m-#"},
    {"count": 0, "name_pattern": "z-#"},
])
def test_bad_bulk_requests_are_refused(compute, gce_emulator, fields):
    with pytest.raises(exceptions.BadRequest):
        _bulk(compute, **fields)
    assert gce_emulator.admin.instances() == []
