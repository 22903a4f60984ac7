"""guest_info's reader of the metadata server (module_utils/tdx/gce_metadata.py), against the stand-in over HTTP.

The stand-in (tools/metadata_server) is held to the real guest agent's
requests in test_metadata_server.py; here it is the server the reader asks.
"""

import http.server
import threading

import pytest

from metadata_server import MetadataService

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import gce_metadata

KEY = ("tdx-project", "us-central1-a", "vm-1")


@pytest.fixture
def served():
    state = {"facts": {"id": 4832015720384619, "name": "vm-1", "zone": "us-central1-a",
                       "machine_type": "c3-standard-4", "project_id": "tdx-project",
                       "numeric_project_id": "987654321", "ip": "169.254.7.2", "attributes": {}}}
    metadata = MetadataService(lambda key: state["facts"] if key == KEY else None)
    host, port = metadata.serve(KEY)
    state["base"] = "http://%s:%d/computeMetadata/v1/instance/" % (host, port)
    yield state
    metadata.close()


def test_the_instance_id_and_maintenance_event_are_read(served):
    assert gce_metadata.read(served["base"]) == {"available": True, "instance_id": "4832015720384619",
                                                 "maintenance_event": "NONE", "error": None}
    served["facts"]["maintenance_event"] = "TERMINATE_ON_HOST_MAINTENANCE"
    assert gce_metadata.read(served["base"])["maintenance_event"] == "TERMINATE_ON_HOST_MAINTENANCE"


def test_a_proxy_in_the_environment_is_not_used(served, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    assert gce_metadata.read(served["base"])["available"] is True


def test_nothing_listening_is_said_in_one_line_and_quickly():
    found = gce_metadata.read("http://127.0.0.1:9/computeMetadata/v1/instance/", timeout=1.0)
    assert found["available"] is False and found["instance_id"] is None
    assert found["error"].startswith("http://127.0.0.1:9/computeMetadata/v1/instance/id: ") and "\n" not in found["error"]


def test_a_server_that_is_not_a_metadata_server_is_not_believed():
    class Impostor(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (the standard library's name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"99")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Impostor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        found = gce_metadata.read("http://127.0.0.1:%d/computeMetadata/v1/instance/" % server.server_port)
    finally:
        server.shutdown()
        server.server_close()
    assert found["available"] is False and found["instance_id"] is None
    assert "without Metadata-Flavor: Google" in found["error"]
