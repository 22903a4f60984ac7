"""setLabels / setMetadata fingerprints, deletion protection, reset, and busy instances."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, api_errors, reasons, status_name, tdx_instance


def _set_labels(compute, name, labels, fingerprint):
    return compute.instances.set_labels_unary(
        project=compute.project, zone=ZONE, instance=name,
        instances_set_labels_request_resource=compute_v1.InstancesSetLabelsRequest(
            labels=labels, label_fingerprint=fingerprint))


def _set_metadata(compute, name, items, fingerprint):
    return compute.instances.set_metadata_unary(
        project=compute.project, zone=ZONE, instance=name,
        metadata_resource=compute_v1.Metadata(
            fingerprint=fingerprint, items=[compute_v1.Items(key=k, value=v) for k, v in items.items()]))


def test_set_labels_with_the_current_fingerprint(compute):
    before = compute.create(tdx_instance("tdx-labels", labels={"env": "dev"}))
    compute.wait(_set_labels(compute, "tdx-labels", {"env": "prod", "team": "sec"}, before.label_fingerprint))
    after = compute.get("tdx-labels")
    assert dict(after.labels) == {"env": "prod", "team": "sec"}
    assert after.label_fingerprint and after.label_fingerprint != before.label_fingerprint


def test_set_labels_with_a_stale_fingerprint_is_412(compute):
    before = compute.create(tdx_instance("tdx-stale-labels", labels={"env": "dev"}))
    compute.wait(_set_labels(compute, "tdx-stale-labels", {"env": "prod"}, before.label_fingerprint))
    with pytest.raises(exceptions.PreconditionFailed) as refusal:
        _set_labels(compute, "tdx-stale-labels", {"env": "test"}, before.label_fingerprint)
    assert reasons(refusal) == ["conditionNotMet"]
    assert api_errors(refusal)[0]["message"] == "Labels fingerprint either invalid or resource labels have changed"
    assert dict(compute.get("tdx-stale-labels").labels) == {"env": "prod"}


def test_set_labels_without_a_fingerprint_is_412(compute):
    compute.create(tdx_instance("tdx-no-fp"))
    with pytest.raises(exceptions.PreconditionFailed):
        _set_labels(compute, "tdx-no-fp", {"env": "prod"}, None)


def test_bad_label_keys_are_refused(compute):
    before = compute.create(tdx_instance("tdx-bad-label"))
    with pytest.raises(exceptions.BadRequest) as refusal:
        _set_labels(compute, "tdx-bad-label", {"Env": "prod"}, before.label_fingerprint)
    assert reasons(refusal) == ["invalid"]


def test_set_metadata_with_the_current_fingerprint(compute):
    before = compute.create(tdx_instance("tdx-meta"))
    compute.wait(_set_metadata(compute, "tdx-meta", {"enable-oslogin": "TRUE"}, before.metadata.fingerprint))
    after = compute.get("tdx-meta")
    assert [(i.key, i.value) for i in after.metadata.items] == [("enable-oslogin", "TRUE")]
    assert after.metadata.fingerprint != before.metadata.fingerprint


def test_set_metadata_with_a_stale_fingerprint_is_412(compute):
    before = compute.create(tdx_instance("tdx-stale-meta"))
    compute.wait(_set_metadata(compute, "tdx-stale-meta", {"a": "1"}, before.metadata.fingerprint))
    with pytest.raises(exceptions.PreconditionFailed) as refusal:
        _set_metadata(compute, "tdx-stale-meta", {"a": "2"}, before.metadata.fingerprint)
    assert reasons(refusal) == ["conditionNotMet"]
    assert api_errors(refusal)[0]["message"] == "Supplied fingerprint does not match current metadata fingerprint."


def test_delete_is_refused_while_deletion_protection_is_on(compute, gce_emulator):
    compute.create(tdx_instance("tdx-protected", deletion_protection=True))
    with pytest.raises(exceptions.BadRequest) as refusal:
        compute.instances.delete_unary(project=compute.project, zone=ZONE, instance="tdx-protected")
    assert reasons(refusal) == ["invalidResourceUsage"]
    assert "protected against deletion" in api_errors(refusal)[0]["message"]
    assert compute.get("tdx-protected").status == "RUNNING"

    compute.wait(compute.instances.set_deletion_protection_unary(
        request=compute_v1.SetDeletionProtectionInstanceRequest(
            project=compute.project, zone=ZONE, resource="tdx-protected", deletion_protection=False)))
    compute.wait(compute.instances.delete_unary(project=compute.project, zone=ZONE, instance="tdx-protected"))
    assert gce_emulator.admin.instances() == []


def test_reset_a_running_instance(compute):
    before = compute.create(tdx_instance("tdx-reset"))
    done = compute.wait(compute.instances.reset_unary(project=compute.project, zone=ZONE, instance="tdx-reset"))
    assert done.operation_type == "reset" and not done.error.errors
    after = compute.get("tdx-reset")
    assert after.status == "RUNNING"
    assert after.last_start_timestamp >= before.last_start_timestamp


def test_an_instance_in_transition_is_not_ready_for_start_stop_or_reset(compute, gce_emulator):
    gce_emulator.admin.configure(operation_seconds=60)
    compute.insert(tdx_instance("tdx-busy"))
    for method in (compute.instances.stop_unary, compute.instances.start_unary, compute.instances.reset_unary):
        with pytest.raises(exceptions.BadRequest) as refusal:
            method(project=compute.project, zone=ZONE, instance="tdx-busy")
        assert reasons(refusal) == ["resourceNotReady"]


def test_delete_during_provisioning_wins(compute, gce_emulator):
    gce_emulator.admin.configure(operation_seconds=60)
    insert = compute.insert(tdx_instance("tdx-short-lived"))
    delete = compute.instances.delete_unary(project=compute.project, zone=ZONE, instance="tdx-short-lived")
    assert compute.get("tdx-short-lived").status == "STOPPING"
    gce_emulator.admin.advance_clock(61)
    for operation in (insert, delete):
        assert status_name(compute.operations.get(project=compute.project, zone=ZONE, operation=operation.name)) == "DONE"
    assert gce_emulator.admin.instances() == []


def test_stopping_a_stopped_instance_is_a_quiet_success(compute):
    compute.create(tdx_instance("tdx-idle"))
    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-idle"))
    again = compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-idle"))
    assert not again.error.errors
    assert compute.get("tdx-idle").status == "TERMINATED"


def _set_tags(compute, name, items, fingerprint):
    return compute.instances.set_tags_unary(
        project=compute.project, zone=ZONE, instance=name,
        tags_resource=compute_v1.Tags(items=items, fingerprint=fingerprint))


def test_set_tags_with_the_current_fingerprint_and_412_when_stale(compute):
    before = compute.create(tdx_instance("tdx-tags", tags=compute_v1.Tags(items=["ssh"])))
    compute.wait(_set_tags(compute, "tdx-tags", ["ssh", "https"], before.tags.fingerprint))
    assert list(compute.get("tdx-tags").tags.items) == ["ssh", "https"]
    with pytest.raises(exceptions.PreconditionFailed) as refusal:
        _set_tags(compute, "tdx-tags", ["ssh"], before.tags.fingerprint)
    assert reasons(refusal) == ["conditionNotMet"]


def _set_machine_type(compute, name, machine_type):
    return compute.instances.set_machine_type_unary(
        project=compute.project, zone=ZONE, instance=name,
        instances_set_machine_type_request_resource=compute_v1.InstancesSetMachineTypeRequest(
            machine_type="zones/%s/machineTypes/%s" % (ZONE, machine_type)))


def test_set_machine_type_only_while_stopped_within_the_series_and_the_confidential_vm_rules(compute):
    compute.create(tdx_instance("tdx-resize"))
    with pytest.raises(exceptions.BadRequest) as running:
        _set_machine_type(compute, "tdx-resize", "c3-standard-8")
    assert reasons(running) == ["invalidResourceUsage"]

    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-resize"))
    with pytest.raises(exceptions.BadRequest) as other_series:
        _set_machine_type(compute, "tdx-resize", "n2-standard-4")  # C3 stays C3, before any Confidential VM rule
    assert api_errors(other_series)[0]["message"].endswith("cannot change from series c3 to series n2.")

    compute.wait(_set_machine_type(compute, "tdx-resize", "c3-standard-8"))
    assert compute.get("tdx-resize").machine_type.endswith("/machineTypes/c3-standard-8")

    # Between second-generation series the machine type may move; the Confidential VM rules still hold.
    compute.create(tdx_instance("sev-resize", machine_type="n2d-standard-4", confidential_type="SEV"))
    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="sev-resize"))
    with pytest.raises(exceptions.BadRequest) as not_sev:
        _set_machine_type(compute, "sev-resize", "n2-standard-4")
    assert api_errors(not_sev)[0]["message"].endswith("supported and compatible Confidential VM machine types.")
