"""In-place instance changes through the real client, with the API's stopped-only rules."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, reasons, tdx_instance


def _stop(compute, name):
    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance=name))


def _call(compute, method, **arguments):
    return getattr(compute.instances, method)(project=compute.project, zone=ZONE, **arguments)


def _refused_while_running(compute, method, **arguments):
    with pytest.raises(exceptions.BadRequest) as refused:
        _call(compute, method, **arguments)
    assert reasons(refused) == ["invalidResourceUsage"]
    assert "must be stopped" in refused.value.message


def test_the_service_account_changes_only_when_stopped(compute):
    compute.create(tdx_instance("tdx-sa"))
    request = compute_v1.InstancesSetServiceAccountRequest(
        email="runner@tdx-test-project.iam.gserviceaccount.com",
        scopes=["https://www.googleapis.com/auth/cloud-platform"])
    _refused_while_running(compute, "set_service_account_unary", instance="tdx-sa",
                           instances_set_service_account_request_resource=request)
    _stop(compute, "tdx-sa")
    compute.wait(_call(compute, "set_service_account_unary", instance="tdx-sa",
                       instances_set_service_account_request_resource=request))
    [account] = compute.get("tdx-sa").service_accounts
    assert (account.email, list(account.scopes)) == (request.email, list(request.scopes))


def test_shielded_vm_options_change_only_when_stopped(compute):
    compute.create(tdx_instance("tdx-shield"))
    config = compute_v1.ShieldedInstanceConfig(enable_secure_boot=True, enable_vtpm=True,
                                               enable_integrity_monitoring=True)
    _refused_while_running(compute, "update_shielded_instance_config_unary", instance="tdx-shield",
                           shielded_instance_config_resource=config)
    _stop(compute, "tdx-shield")
    compute.wait(_call(compute, "update_shielded_instance_config_unary", instance="tdx-shield",
                       shielded_instance_config_resource=config))
    assert compute.get("tdx-shield").shielded_instance_config.enable_secure_boot is True


def test_an_external_address_is_added_and_removed_while_running(compute):
    compute.create(tdx_instance("tdx-nat"))
    access = compute_v1.AccessConfig(name="External NAT", type_="ONE_TO_ONE_NAT")
    compute.wait(_call(compute, "add_access_config_unary", instance="tdx-nat", network_interface="nic0",
                       access_config_resource=access))
    [config] = compute.get("tdx-nat").network_interfaces[0].access_configs
    assert config.nat_i_p.startswith("203.0.113.")
    with pytest.raises(exceptions.BadRequest) as refused:
        _call(compute, "add_access_config_unary", instance="tdx-nat", network_interface="nic0",
              access_config_resource=access)
    assert "At most one access config" in refused.value.message
    compute.wait(_call(compute, "delete_access_config_unary", instance="tdx-nat", network_interface="nic0",
                       access_config="External NAT"))
    assert not compute.get("tdx-nat").network_interfaces[0].access_configs
    with pytest.raises(exceptions.BadRequest):
        _call(compute, "delete_access_config_unary", instance="tdx-nat", network_interface="nic1",
              access_config="External NAT")


def test_scheduling_keeps_the_tdx_rules_and_moves_to_spot_only_when_stopped(compute):
    compute.create(tdx_instance("tdx-sched"))
    with pytest.raises(exceptions.BadRequest) as refused:
        _call(compute, "set_scheduling_unary", instance="tdx-sched",
              scheduling_resource=compute_v1.Scheduling(on_host_maintenance="MIGRATE"))
    assert "must set onHostMaintenance to TERMINATE" in refused.value.message
    compute.wait(_call(compute, "set_scheduling_unary", instance="tdx-sched",
                       scheduling_resource=compute_v1.Scheduling(on_host_maintenance="TERMINATE",
                                                                 automatic_restart=False)))
    assert compute.get("tdx-sched").scheduling.automatic_restart is False
    spot = compute_v1.Scheduling(on_host_maintenance="TERMINATE", provisioning_model="SPOT",
                                 automatic_restart=False, instance_termination_action="STOP")
    _refused_while_running(compute, "set_scheduling_unary", instance="tdx-sched", scheduling_resource=spot)
    _stop(compute, "tdx-sched")
    compute.wait(_call(compute, "set_scheduling_unary", instance="tdx-sched", scheduling_resource=spot))
    assert compute.get("tdx-sched").scheduling.provisioning_model == "SPOT"


def test_deletion_protection_and_machine_type_as_before(compute):
    compute.create(tdx_instance("tdx-protect"))
    protect = compute_v1.SetDeletionProtectionInstanceRequest(
        project=compute.project, zone=ZONE, resource="tdx-protect", deletion_protection=True)
    compute.wait(compute.instances.set_deletion_protection_unary(request=protect))
    assert compute.get("tdx-protect").deletion_protection is True
    change = compute_v1.InstancesSetMachineTypeRequest(machine_type="zones/%s/machineTypes/c3-standard-8" % ZONE)
    with pytest.raises(exceptions.BadRequest):
        _call(compute, "set_machine_type_unary", instance="tdx-protect",
              instances_set_machine_type_request_resource=change)
    _stop(compute, "tdx-protect")
    compute.wait(_call(compute, "set_machine_type_unary", instance="tdx-protect",
                       instances_set_machine_type_request_resource=change))
    assert compute.get("tdx-protect").machine_type.endswith("/c3-standard-8")


def test_the_machine_type_changes_within_a_third_generation_series_only(compute):
    # Google's "Edit the machine type" page: another series only between first- and
    # second-generation series; a C3 instance stays C3.
    compute.create(tdx_instance("tdx-series"))
    _stop(compute, "tdx-series")
    change = compute_v1.InstancesSetMachineTypeRequest(machine_type="zones/%s/machineTypes/n2-standard-4" % ZONE)
    with pytest.raises(exceptions.BadRequest) as refused:
        _call(compute, "set_machine_type_unary", instance="tdx-series",
              instances_set_machine_type_request_resource=change)
    assert reasons(refused) == ["invalid"]
    assert "cannot change from series c3 to series n2" in refused.value.message
    assert compute.get("tdx-series").machine_type.endswith("/c3-standard-4")


def test_the_machine_type_must_take_the_instance_s_disk_types(compute):
    instance = tdx_instance("tdx-extreme", machine_type="c3-standard-88")
    instance.disks[0].initialize_params.disk_type = "zones/%s/diskTypes/hyperdisk-extreme" % ZONE
    instance.disks[0].initialize_params.disk_size_gb = 64
    compute.create(instance)
    _stop(compute, "tdx-extreme")
    change = compute_v1.InstancesSetMachineTypeRequest(machine_type="zones/%s/machineTypes/c3-standard-8" % ZONE)
    with pytest.raises(exceptions.BadRequest) as refused:
        _call(compute, "set_machine_type_unary", instance="tdx-extreme",
              instances_set_machine_type_request_resource=change)
    assert reasons(refused) == ["invalid"]
    assert "Disk type hyperdisk-extreme cannot be used with machine type c3-standard-8" in refused.value.message
    assert compute.get("tdx-extreme").machine_type.endswith("/c3-standard-88")


def test_a_change_during_a_transition_is_not_ready(compute, gce_emulator):
    compute.create(tdx_instance("tdx-moving"))
    gce_emulator.admin.set_faults([{"path": "/tdx-moving/addAccessConfig", "kind": "transitional",
                                    "status": "REPAIRING", "hold_seconds": 30, "count": 1}])
    with pytest.raises(exceptions.BadRequest) as refused:
        _call(compute, "add_access_config_unary", instance="tdx-moving", network_interface="nic0",
              access_config_resource=compute_v1.AccessConfig(name="External NAT", type_="ONE_TO_ONE_NAT"))
    assert reasons(refused) == ["resourceNotReady"]
