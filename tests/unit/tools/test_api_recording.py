"""The recorded-response comparison (tools/api_recording): what counts as a difference, and the scrubbing."""

from api_recording.compare import compare
from api_recording.recording import fill, scrub
from api_recording.replay import _operation_names, unaccepted

INSTANCE = {"kind": "compute#instance", "id": "123", "name": "web-1", "status": "RUNNING",
            "creationTimestamp": "2026-12-02T10:00:00.000-08:00", "machineType": "zones/z/machineTypes/c3-standard-4",
            "scheduling": {"onHostMaintenance": "TERMINATE", "automaticRestart": True},
            "networkInterfaces": [{"networkIP": "10.128.0.2"}]}


def test_the_same_answer_is_no_difference_and_run_dependent_values_are_held_by_type_only():
    assert compare(INSTANCE, INSTANCE) == []
    other_run = dict(INSTANCE, id="987", status="PROVISIONING", creationTimestamp="2026-12-03T00:00:00Z",
                     networkInterfaces=[{"networkIP": "10.128.0.9"}])
    assert compare(INSTANCE, other_run) == []
    assert compare(INSTANCE, dict(INSTANCE, id=987)) == ["response.id: Google sent string, the emulator number"]


def test_a_missing_field_an_extra_field_and_a_different_value_are_each_named():
    answered = dict(INSTANCE, cpuPlatform="Intel Sapphire Rapids",
                    scheduling={"onHostMaintenance": "MIGRATE"})
    del answered["machineType"]
    assert compare(INSTANCE, answered) == [
        "response.machineType: Google sent it, the emulator did not",
        "response.cpuPlatform: the emulator sent it, Google did not",
        "response.scheduling.automaticRestart: Google sent it, the emulator did not",
        "response.scheduling.onHostMaintenance: Google sent 'TERMINATE', the emulator 'MIGRATE'",
    ]


def test_lists_are_held_item_by_item_and_by_length():
    assert compare({"items": [1, 2]}, {"items": [1]}) == ["response.items: Google sent 2 items, the emulator 1"]
    assert compare({"items": ["a"]}, {"items": ["b"]}) == ["response.items[0]: Google sent 'a', the emulator 'b'"]


def test_an_operation_s_own_names_are_held_by_type_but_its_type_of_work_by_value():
    google = {"kind": "compute#operation", "name": "operation-1-abc", "operationType": "insert",
              "targetLink": "https://x/instances/web-1", "status": "RUNNING"}
    ours = dict(google, name="operation-9", targetLink="https://x/instances/web-1", status="DONE")
    assert compare(google, ours) == []
    assert compare(google, dict(ours, operationType="stop")) == [
        "response.operationType: Google sent 'insert', the emulator 'stop'"]
    assert _operation_names(google, ours) == [("operation-1-abc", "operation-9")]
    assert _operation_names({"items": [google]}, {"items": [ours]}) == [("operation-1-abc", "operation-9")]


def test_the_project_is_scrubbed_wherever_it_is_a_word_and_filled_back():
    text = {"selfLink": "https://www.googleapis.com/compute/v1/projects/acme-tdx/zones/z/instances/acme-tdx-web",
            "user": "robot@acme-tdx.iam.gserviceaccount.com", "list": ["projects/acme-tdx"]}
    scrubbed = scrub(text, "acme-tdx")
    assert scrubbed == {
        "selfLink": "https://www.googleapis.com/compute/v1/projects/{project}/zones/z/instances/acme-tdx-web",
        "user": "robot@{project}.iam.gserviceaccount.com", "list": ["projects/{project}"]}
    assert fill(scrubbed, "other") == {
        "selfLink": "https://www.googleapis.com/compute/v1/projects/other/zones/z/instances/acme-tdx-web",
        "user": "robot@other.iam.gserviceaccount.com", "list": ["projects/other"]}


def test_accepted_differences_are_left_out_and_the_others_kept():
    recording = {"accepted": [{"exchange": 2, "where": "response.cpuPlatform", "why": "not modelled"}]}
    found = [(2, "GET", "/p", ["response.cpuPlatform: Google sent it, the emulator did not",
                               "response.status: Google sent 'RUNNING', the emulator 'DONE'"]),
             (3, "GET", "/q", ["response.cpuPlatform: Google sent it, the emulator did not"])]
    assert unaccepted(recording, found) == [
        (2, "GET", "/p", ["response.status: Google sent 'RUNNING', the emulator 'DONE'"]),
        (3, "GET", "/q", ["response.cpuPlatform: Google sent it, the emulator did not"])]
