"""Backing mode's metadata server reads the emulator's record: setMetadata through the real client wakes a long poll.

Served on loopback here (no test host needed); in backing mode the same
service listens inside each host's network namespace.
"""

import json
import threading
import urllib.request

from google.cloud import compute_v1

from gce_emulator.metadata_view import instance_facts, metadata_service

from .helpers import ZONE, tdx_instance


def _ask(base, path, timeout=30):
    request = urllib.request.Request(base + path, headers={"Metadata-Flavor": "Google"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.headers["ETag"], json.loads(answer.read())


def test_the_instance_facts_come_from_the_emulators_record(gce_emulator, compute):
    created = compute.create(tdx_instance("tdx-facts"))
    facts = instance_facts(gce_emulator.server.world, (compute.project, ZONE, "tdx-facts"))
    assert (facts["id"], facts["name"], facts["zone"], facts["machine_type"]) == \
        (str(created.id), "tdx-facts", ZONE, "c3-standard-4")
    assert facts["ip"] == created.network_interfaces[0].network_i_p
    assert instance_facts(gce_emulator.server.world, (compute.project, ZONE, "tdx-missing")) is None


def test_set_metadata_through_the_compute_api_wakes_the_agents_long_poll(gce_emulator, compute):
    created = compute.create(tdx_instance("tdx-poll"))
    service = metadata_service(gce_emulator.server.world)
    host, port = service.serve((compute.project, ZONE, "tdx-poll"))
    base = "http://%s:%d/computeMetadata/v1" % (host, port)
    try:
        # The guest agent's own request (google_guest_agent/metadata.go, 20211116).
        path = "//?recursive=true&alt=json&wait_for_change=true&timeout_sec=60&last_etag="
        etag, first = _ask(base, path + "NONE")
        assert "ssh-keys" not in first["instance"]["attributes"]
        answers = []
        waiter = threading.Thread(target=lambda: answers.append(_ask(base, path + etag, timeout=70)))
        waiter.start()
        compute.wait(compute.instances.set_metadata_unary(
            project=compute.project, zone=ZONE, instance="tdx-poll",
            metadata_resource=compute_v1.Metadata(
                fingerprint=created.metadata.fingerprint,
                items=[compute_v1.Items(key="ssh-keys", value="alice:ssh-ed25519 AAAAC3 alice")])))
        waiter.join(timeout=30)
        assert answers, "the long poll did not wake up after setMetadata"
        new_etag, document = answers[0]
        assert new_etag != etag
        assert document["instance"]["attributes"]["ssh-keys"] == "alice:ssh-ed25519 AAAAC3 alice"
    finally:
        service.close()


def test_a_maintenance_event_set_by_the_admin_wakes_a_long_poll_on_maintenance_event(gce_emulator, compute):
    compute.create(tdx_instance("tdx-maint"))
    service = metadata_service(gce_emulator.server.world)
    host, port = service.serve((compute.project, ZONE, "tdx-maint"))
    base = "http://%s:%d/computeMetadata/v1" % (host, port)
    try:
        etag, event = _ask(base, "/instance/maintenance-event?alt=json")
        assert event == "NONE"
        answers = []
        poll = threading.Thread(target=lambda: answers.append(_ask(
            base, "/instance/maintenance-event?alt=json&wait_for_change=true&timeout_sec=30&last_etag=" + etag)))
        poll.start()
        gce_emulator.admin.set_maintenance_event(ZONE, "tdx-maint", "TERMINATE_ON_HOST_MAINTENANCE")
        poll.join(30)
        assert answers and answers[0][1] == "TERMINATE_ON_HOST_MAINTENANCE"
    finally:
        service.close()
