"""What a failed stop-for-update sets back: the stopped-only options an instance read after the failure has changed,
and the call that gives each its old value."""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.in_place import (
    InPlaceChanges,
    changed_since,
)
from tests.unit.plugins.modules.test_gce_instance import existing, params

OPTIONS = ["machine_type", "provisioning_model", "service_account", "secure_boot", "labels"]


class RecordedCalls:
    """InstanceCalls that record the writes asked for."""

    def __init__(self):
        self.made = []

    def __getattr__(self, method):
        return lambda *args: self.made.append((method,) + args) or {"name": "operation-%d" % len(self.made)}


def test_only_the_stopped_only_options_the_instance_now_has_changed_are_set_back():
    before = existing()
    assert changed_since(before, existing(), OPTIONS) == []
    now = existing(machineType=before["machineType"].replace("c3-standard-4", "c3-standard-8"),
                   serviceAccounts=[{"email": "robot@p.iam.gserviceaccount.com", "scopes": ["s"]}],
                   labels={"env": "test"})
    # Labels change in place on a running instance: they are not what the stop was for.
    assert changed_since(before, now, OPTIONS) == ["machine_type", "service_account"]
    assert changed_since(before, now, ["service_account", "machine_type"]) == ["service_account", "machine_type"]


def test_each_option_is_set_back_to_the_value_the_instance_had():
    calls = RecordedCalls()
    changes = InPlaceChanges(calls, "web-1", params())
    before = existing(serviceAccounts=[], scheduling={"onHostMaintenance": "TERMINATE", "automaticRestart": True,
                                                      "provisioningModel": "STANDARD", "unknownField": 1})
    for option in ("machine_type", "provisioning_model", "service_account", "secure_boot"):
        changes.set_back(before, "us-central1-a", option)
    assert calls.made == [
        ("set_machine_type", "us-central1-a", "web-1", "zones/us-central1-a/machineTypes/c3-standard-4"),
        ("set_scheduling", "us-central1-a", "web-1", {"onHostMaintenance": "TERMINATE", "automaticRestart": True,
                                                      "provisioningModel": "STANDARD"}),
        # An instance without a service account gets none back: an empty email and no scopes.
        ("set_service_account", "us-central1-a", "web-1", "", []),
        ("update_shielded_instance_config", "us-central1-a", "web-1", {
            "enableSecureBoot": True, "enableVtpm": True, "enableIntegrityMonitoring": False}),
    ]
