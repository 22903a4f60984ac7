"""Per-minute rate limits, quota refusals, fingerprint races, transitional statuses and stockout details.

Each through the real google-cloud-compute client, as a module sees them.
"""

import pytest
import requests
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, reasons, status_name, tdx_instance

INSERT_PATH = r"/zones/us-central1-a/instances$"
WRITE_LIMIT_SENTENCE = ("Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute' "
                        "of service 'compute.googleapis.com' for consumer 'project_number:")


def _set_labels(compute, name, labels, fingerprint):
    return compute.instances.set_labels_unary(
        project=compute.project, zone=ZONE, instance=name,
        instances_set_labels_request_resource=compute_v1.InstancesSetLabelsRequest(
            labels=labels, label_fingerprint=fingerprint))


def test_a_403_rate_limit_fault_answers_as_the_per_minute_quota_does(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "403", "count": 1}])
    with pytest.raises(exceptions.Forbidden) as limited:
        compute.insert(tdx_instance("tdx-limited"))
    assert reasons(limited) == ["rateLimitExceeded"]
    assert WRITE_LIMIT_SENTENCE in limited.value.message
    assert (limited.value.reason, limited.value.domain) == ("RATE_LIMIT_EXCEEDED", "googleapis.com")
    assert gce_emulator.admin.instances() == []
    assert not compute.wait(compute.insert(tdx_instance("tdx-limited"))).error.errors


def test_faults_draw_from_their_own_seed(gce_emulator):
    """The same seed fires on the same calls: a campaign is repeatable."""
    rule = {"method": "GET", "path": "/zones$", "kind": "403", "probability": 0.5, "seed": 11}
    fired = []
    for _ in range(2):
        gce_emulator.admin.set_faults([rule])
        token = gce_emulator.admin.mint_access_token()

        answers = [requests.get(gce_emulator.base_url + "/compute/v1/projects/p/zones",
                                headers={"Authorization": "Bearer " + token}, timeout=10).status_code
                   for _ in range(12)]
        fired.append(answers)
    assert fired[0] == fired[1] and 403 in fired[0] and 200 in fired[0]


def test_the_write_limit_per_minute_refuses_the_writes_past_it(compute, gce_emulator):
    gce_emulator.admin.configure(write_requests_per_minute=2)
    compute.insert(tdx_instance("tdx-w1"))
    compute.insert(tdx_instance("tdx-w2"))
    with pytest.raises(exceptions.Forbidden) as limited:
        compute.insert(tdx_instance("tdx-w3"))
    assert reasons(limited) == ["rateLimitExceeded"]
    assert WRITE_LIMIT_SENTENCE in limited.value.message
    assert compute.get("tdx-w1").name == "tdx-w1"  # reads are not writes
    gce_emulator.admin.advance_clock(61)
    assert compute.insert(tdx_instance("tdx-w3")).name


def test_the_write_limit_refills_at_the_next_full_minute_not_a_minute_after_the_first_write(compute, gce_emulator):
    gce_emulator.admin.configure(write_requests_per_minute=1)
    # Move the clock to 50 s into a minute: the next minute starts 10 s later.
    gce_emulator.admin.advance_clock_to_second(50)
    compute.insert(tdx_instance("tdx-m1"))
    with pytest.raises(exceptions.Forbidden):
        compute.insert(tdx_instance("tdx-m2"))
    gce_emulator.admin.advance_clock(11)  # a sliding window would still refuse until 60 s after the first write
    assert compute.insert(tdx_instance("tdx-m2")).name


def test_a_412_fault_is_a_fingerprint_race_and_changes_nothing(compute, gce_emulator):
    instance = compute.create(tdx_instance("tdx-race", labels={"env": "dev"}))
    gce_emulator.admin.set_faults([{"method": "POST", "path": "/setLabels$", "kind": "412", "count": 1}])
    with pytest.raises(exceptions.PreconditionFailed) as raced:
        _set_labels(compute, "tdx-race", {"env": "prod"}, instance.label_fingerprint)
    assert reasons(raced) == ["conditionNotMet"]
    assert raced.value.message.endswith("Labels fingerprint either invalid or resource labels have changed")
    assert compute.get("tdx-race").labels == {"env": "dev"}
    compute.wait(_set_labels(compute, "tdx-race", {"env": "prod"}, compute.get("tdx-race").label_fingerprint))
    assert compute.get("tdx-race").labels == {"env": "prod"}


def test_a_quota_exceeded_fault_is_a_403_quota_refusal(compute, gce_emulator):
    gce_emulator.admin.set_faults([{"method": "POST", "path": INSERT_PATH, "kind": "quota_exceeded", "count": 1}])
    with pytest.raises(exceptions.Forbidden) as refused:
        compute.insert(tdx_instance("tdx-quota"))
    assert reasons(refused) == ["quotaExceeded"]
    assert refused.value.message.endswith(": Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1.")


def test_the_quota_exceeded_operation_error_carries_quota_info(compute, gce_emulator):
    gce_emulator.admin.configure(cpu_quota={"us-central1": 2})
    operation = compute.wait(compute.insert(tdx_instance("tdx-over")))
    [error] = operation.error.errors
    assert error.code == "QUOTA_EXCEEDED"
    assert error.error_details[0].quota_info.dimensions == {"region": "us-central1"}
    assert error.error_details[0].quota_info.limit == 2.0


@pytest.mark.parametrize("status", ["REPAIRING", "PENDING_STOP", "DEPROVISIONING", "PENDING"])
def test_a_transitional_status_is_seen_and_refuses_changes_while_it_lasts(compute, gce_emulator, status):
    compute.create(tdx_instance("tdx-busy"))
    gce_emulator.admin.set_faults([{"method": "POST", "path": "/tdx-busy/stop$", "kind": "transitional",
                                    "status": status, "hold_seconds": 30, "count": 1}])
    with pytest.raises(exceptions.BadRequest) as refused:
        compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-busy")
    assert reasons(refused) == ["resourceNotReady"]
    assert compute.get("tdx-busy").status == status
    gce_emulator.admin.advance_clock(31)
    assert compute.get("tdx-busy").status == "RUNNING"
    compute.wait(compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-busy"))
    assert compute.get("tdx-busy").status == "TERMINATED"


def test_a_stop_can_pass_through_pending_stop_and_deprovisioning(compute, gce_emulator):
    compute.create(tdx_instance("tdx-stops"))
    gce_emulator.admin.configure(operation_seconds=30, stop_statuses=["PENDING_STOP", "STOPPING", "DEPROVISIONING"])
    operation = compute.instances.stop_unary(project=compute.project, zone=ZONE, instance="tdx-stops")
    seen = [compute.get("tdx-stops").status]
    for _ in range(3):
        gce_emulator.admin.advance_clock(10.5)
        seen.append(compute.get("tdx-stops").status)
    assert seen == ["PENDING_STOP", "STOPPING", "DEPROVISIONING", "TERMINATED"]
    assert status_name(compute.operations.get(project=compute.project, zone=ZONE, operation=operation.name)) == "DONE"


def test_a_stockout_carries_error_details_with_the_zones_that_have_capacity(compute, gce_emulator):
    gce_emulator.admin.configure(stocked_out_zones=[ZONE], zones_available=["us-central1-b", ZONE, "us-central1-c"])
    operation = compute.wait(compute.insert(tdx_instance("tdx-stockout")))
    [error] = operation.error.errors
    assert error.code == "ZONE_RESOURCE_POOL_EXHAUSTED"
    info, help_, localized = error.error_details
    assert info.error_info.reason == "resource_availability"
    assert info.error_info.domain == "compute.googleapis.com"
    assert dict(info.error_info.metadatas) == {"zone": ZONE, "vmType": "c3-standard-4",
                                               "zonesAvailable": "us-central1-b,us-central1-c"}
    assert help_.help.links[0].url == "https://cloud.google.com/compute/docs/resource-error"
    assert "us-central1-b, us-central1-c zone(s)" in localized.localized_message.message


def test_a_stockout_without_known_capacity_names_no_zones(compute, gce_emulator):
    gce_emulator.admin.configure(stocked_out_zones=[ZONE])
    [error] = compute.wait(compute.insert(tdx_instance("tdx-stockout"))).error.errors
    assert "zonesAvailable" not in dict(error.error_details[0].error_info.metadatas)


def test_bad_fault_and_setting_specs_are_refused(gce_emulator):
    from gce_emulator.admin import AdminCallError
    with pytest.raises(AdminCallError, match="status must be one of"):
        gce_emulator.admin.set_faults([{"kind": "transitional", "status": "RUNNING"}])
    with pytest.raises(AdminCallError, match="belong to transitional faults only"):
        gce_emulator.admin.set_faults([{"kind": "403", "hold_seconds": 3}])
    with pytest.raises(AdminCallError, match="stop_statuses must be"):
        gce_emulator.admin.configure(stop_statuses=["RUNNING"])
