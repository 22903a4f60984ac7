"""``provision`` reaches a host that only its own instance metadata lets in.

The fleet's host is a google-variant test host (the real guest agent, no
test key): the ``ssh-keys`` entry of its ``tdx_instance`` metadata is the
only way in, so provision's wait for SSH, and a play after it that uses
sudo, succeed only if the agent made the account from that key.
"""

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.integration.fleet.harness import FLEET_GROUP, FleetHarness

from gce_emulator.service_account import write_service_account_file  # tools/ is on sys.path (tests.fixtures)

pytestmark = marks_for_test_hosts()

USER = "fleetadmin"


def test_provision_logs_in_with_the_key_it_put_in_the_metadata(google_emulator, client_keys, tmp_path):
    key_file = tmp_path / "service-account.json"
    write_service_account_file(google_emulator.admin, google_emulator.base_url, str(key_file),
                               google_emulator.project, name="tdx-login")
    fleet = FleetHarness(google_emulator, str(key_file), tmp_path, google_emulator.project)
    private_key, public_key = client_keys["alice"]
    fleet.write_inventory(
        {"agent-fleet-1": {"zone": "us-central1-a", "metadata": {"ssh-keys": "%s:%s" % (USER, public_key)}}},
        group_vars={"ansible_user": USER, "ansible_ssh_private_key_file": private_key})
    run = fleet.playbook("provision")
    assert run.ok, run.output
    after = fleet.plays([{
        "name": "log in as the metadata user", "hosts": FLEET_GROUP, "gather_facts": False,
        "tasks": [
            {"name": "who", "ansible.builtin.command": "id -nG", "changed_when": False},
            {"name": "sudo", "ansible.builtin.command": "id -u", "become": True, "changed_when": False},
        ],
    }])
    assert after.ok, after.output
    assert "google-sudoers" in after.result("who", "agent-fleet-1")["stdout"].split()
    assert after.result("sudo", "agent-fleet-1")["stdout"] == "0"
