"""ansible-inventory with confidential.tdx.gce against the emulator: which hosts, named how, grouped how.

A real ansible-inventory run costs seconds of CPU (Python, ansible's
imports and plugin loading, google-cloud-compute's import), so this module
makes three and lets each test read the one it needs:

- ``listing``: ``--list`` of FLEET with compose, keyed_groups and groups,
  made once for five tests;
- ``graph``: ``--graph`` of the same, made once;
- a ``fleet.yml`` the plugin must not read.

The plugin's own decisions on other fleets and options (tdx_only, two
projects, filters, zones, hostnames, skipped instances, pagination,
credentials and project from the environment, strict compose, instances in
the middle of operations, the documented example) are asserted in-process,
on the same emulator, in tests/inprocess/inventory/test_plugin_listing.py.
"""

import pytest

from tests.playbooks.inventory.harness import MIXED_FLEET_DEFAULT_HOSTNAME, instance, mixed_fleet

pytestmark = pytest.mark.integration

# Short for the assertions: the host name of each TDX instance of the listed fleet (mixed_fleet()).
HOST = MIXED_FLEET_DEFAULT_HOSTNAME

# The constructed options of both runs: templated by Ansible, on the plugin's host variable gce.
CONSTRUCTED = {
    "compose": {"ansible_host": "gce.external_ip or gce.internal_ip", "fleet_zone": "gce.zone",
                "startup": "gce.metadata['startup-script']"},
    "keyed_groups": [{"key": "gce.labels", "prefix": "label"},
                     {"key": "gce.machine_type", "prefix": "machine"}],
    "groups": {"stopped_or_stopping": "gce.status in ['TERMINATED', 'STOPPING']"},
}


@pytest.fixture(scope="module")
def rendered_marker(tmp_path_factory):
    """The file web-1's startup-script would create, were instance data ever rendered as a template."""
    return tmp_path_factory.mktemp("template-safety") / "rendered"


@pytest.fixture(scope="module")
def startup_script(rendered_marker):
    """Metadata is written by whoever may edit the instance; it must reach Ansible as plain text."""
    return "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % rendered_marker


@pytest.fixture(scope="module")
def fleet(startup_script):
    """mixed_fleet(), web-1 carrying a template in its metadata."""
    instances = mixed_fleet()
    [web] = [item for item in instances if item["name"] == "web-1"]
    web["metadata"] = {"items": [{"key": "startup-script", "value": startup_script}]}
    return instances


@pytest.fixture(scope="module")
def listing(module_inventory, fleet):
    """One real ``ansible-inventory --list`` of the fleet, read by five tests.

    What no cheaper layer shows: the plugin loaded by Ansible from the
    installed collection, its options and their defaults (hostnames) taken
    from its DOCUMENTATION, compose, keyed_groups and groups templated by
    Ansible itself, the JSON the user gets (untrusted strings marked
    unsafe), no warning printed, and instance data never rendered as a
    template on the way.
    """
    module_inventory.fresh()
    module_inventory.load(fleet)
    run = module_inventory.run(module_inventory.config(**CONSTRUCTED))
    assert run.ok, run.output
    # What the emulator held, read from its own state before a later test resets it.
    run.tdx_names_held = module_inventory.tdx_names([module_inventory.project])
    return run


@pytest.fixture(scope="module")
def graph(module_inventory, fleet):
    """One real ``ansible-inventory --graph`` of the fleet: Ansible's own rendering of the plugin's groups."""
    module_inventory.fresh()
    module_inventory.load(fleet)
    run = module_inventory.run(module_inventory.config(**CONSTRUCTED), args=("--graph",))
    assert run.ok, run.output
    return run


def test_lists_exactly_the_tdx_instances_the_emulator_holds(listing, module_inventory):
    run = listing
    assert set(run.names().values()) == run.tdx_names_held
    assert run.names() == dict((host, name) for name, host in MIXED_FLEET_DEFAULT_HOSTNAME.items())
    assert not run.warnings(), run.stderr
    web = run.hostvars["203.0.113.10"]["gce"]
    assert (web["project"], web["zone"], web["status"], web["confidential_instance_type"]) == (
        module_inventory.project, "us-central1-a", "RUNNING", "TDX")
    assert web["labels"] == {"role": "web"}
    assert web["internal_ip"] == "10.128.0.10"
    assert run.hostvars["batch-1"]["gce"]["status"] == "PROVISIONING"
    assert run.hostvars["203.0.113.12"]["gce"]["status"] == "STOPPING"


def test_transitional_and_stopped_instances_are_in_their_status_groups(listing):
    run = listing
    assert run.group("gce_status_running") == {"203.0.113.10", "10.128.0.11"}
    assert run.group("gce_status_stopping") == {"203.0.113.12"}
    assert run.group("gce_status_provisioning") == {"batch-1"}
    assert run.group("gce_status_staging") == {"10.128.0.15"}
    assert run.group("gce_status_terminated") == {"10.128.0.14"}
    assert run.group("gce_status_suspending") == {"10.164.0.16"}


def test_automatic_groups_by_project_zone_and_confidential_type(listing):
    run = listing
    every_host = set(MIXED_FLEET_DEFAULT_HOSTNAME.values())
    assert run.group("gce_project_tdx_test_project") == every_host
    assert run.group("gce_confidential_tdx") == every_host
    assert run.group("gce_zone_us_central1_a") == {"203.0.113.10", "10.128.0.15"}
    assert run.group("gce_zone_europe_west4_a") == {"203.0.113.12"}
    assert run.group("gce_zone_asia_southeast1_a") == {"batch-1"}
    assert "gce_confidential_sev" not in run.groups()
    assert "gce_confidential_none" not in run.groups()


def test_graph_shows_the_groups(graph):
    run = graph
    lines = [line.strip() for line in run.stdout.splitlines()]
    assert "|--@gce_zone_europe_west4_a:" in lines
    assert "|--@gce_status_stopping:" in lines
    assert "|--@gce_confidential_tdx:" in lines
    assert "|  |--203.0.113.12" in lines
    assert "|  |--batch-1" in lines
    assert "sev-1" not in run.stdout and "10.128.0.20" not in run.stdout


def test_compose_keyed_groups_and_groups(listing):
    hostvars = listing.hostvars
    assert hostvars[HOST["web-1"]]["ansible_host"] == "203.0.113.10"
    assert hostvars[HOST["db-1"]]["ansible_host"] == "10.128.0.11"
    assert hostvars[HOST["web-2"]]["fleet_zone"] == "europe-west4-a"
    assert "ansible_host" not in hostvars[HOST["batch-1"]] or not hostvars[HOST["batch-1"]]["ansible_host"]
    assert listing.group("label_role_web") == {HOST["web-1"], HOST["web-2"]}
    assert listing.group("label_role_db") == {HOST["db-1"]}
    assert listing.group("machine_c3_standard_4") == set(HOST.values())
    assert listing.group("stopped_or_stopping") == {HOST["web-2"], HOST["archive-1"]}


def test_instance_data_is_never_rendered_as_a_template(listing, startup_script, rendered_marker):
    """Metadata is written by whoever may edit the instance; it must reach Ansible as plain text."""
    web = listing.hostvars[HOST["web-1"]]
    assert web["gce"]["metadata"]["startup-script"] == startup_script
    assert web["startup"] == startup_script
    assert not rendered_marker.exists()


def test_a_yml_file_without_the_gce_suffix_is_not_read_by_the_plugin(inventory):
    """Ansible's auto plugin hands the file to the collection's plugin, which declines it: the user is told so.

    Only a real run shows the message (Ansible's); that the plugin reads
    *.gce.yaml as well is asserted in-process (test_plugin_listing.py).
    """
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    run = inventory.run(inventory.config(), name="fleet.yml")
    assert not run.ok
    assert "could not be verified by inventory plugin 'confidential.tdx.gce'" in run.output
    assert inventory.calls() == []
