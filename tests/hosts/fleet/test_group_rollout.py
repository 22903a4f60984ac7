"""confidential.tdx.rollout on real test hosts: a regional group of 4 rolled in waves of 2, gated on verify.

The emulator runs in backing mode with the configfs-tsm stand-in on every
host (quotes signed by a test PKI made here, collateral over HTTP from the
PCS stand-in), and each host's event log measures a kernel named after its
instance's boot image (tools/gce_emulator/backing_hooks.py). The fleet's
verify policy pins the kernel of the Ubuntu 24.04 image, the test root is
accepted by the option that says so (verify_accept_test_root), so a host
passes as TEST ROOT only when it booted that image.

The group starts on a 22.04 template (web-a). Rolled to a 24.04 template
(web-b) in waves of 2: each wave's new members pass verify before the old
ones they replace go. Then rolled to another 22.04 template (web-c), whose
kernel the policy does not allow: the first wave is refused, its new
members are deleted, and the group is back on web-b with all four members
it had. The group runs once per module (about three minutes, most of it
booting ten hosts); the tests read what the runs left.
"""

import json
import os
import sys

import pytest
import yaml

from tests.fixtures.testhosts import TEST_HOST_TIMEOUT_SECONDS
from tests.hosts.fleet.harness import FleetHarness, TDX_ZONES
from tests.hosts.standin_pki import standin_pki

pytestmark = [pytest.mark.integration, pytest.mark.timeout(TEST_HOST_TIMEOUT_SECONDS)]

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOOLS = os.path.join(REPO_ROOT, "tools")
UBUNTU_2204 = "ubuntu-os-cloud/ubuntu-2204-lts"
UBUNTU_2404 = "ubuntu-os-cloud/ubuntu-2404-lts-amd64"
IMAGE_2404 = "ubuntu-2404-noble-amd64-v20250115"  # the family's image in the emulator's catalog


def kernel_digest(image):
    """The kernel digest the stand-in's log of a host booted from ``image`` carries (tools/tdx_pki's Ubuntu boot)."""
    if TOOLS not in sys.path:
        sys.path.insert(0, TOOLS)
    from tdx_pki import eventlog as logs

    records = logs.split_log(logs.ubuntu_boot_log(image).to_bytes(64 * 1024))[1]
    return next(record.digest for record in records if record.data == b"/boot/vmlinuz\x00").hex()


def group_calls(fleet, since=0):
    """(method suffix, body) of the writes to the group, in order, from the request log index ``since``."""
    calls = []
    for entry in fleet.admin.requests()[since:]:
        if "/instanceGroupManagers/web" in entry["path"] and entry["method"] != "GET" \
                and not entry["path"].endswith("/listManagedInstances"):
            calls.append((entry["path"].rsplit("/", 1)[-1], entry.get("body") or {}))
    return calls


def members(fleet):
    group = [g for g in fleet.admin.state()["instanceGroupManagers"] if g["name"] == "web"][0]
    names = sorted(name for name, instance in fleet.instances().items()
                   if any(item["key"] == "created-by" and item["value"].endswith("/instanceGroupManagers/web")
                          for item in (instance.get("metadata") or {}).get("items") or ()))
    return group, names


def reattest_the_group(fleet, work, names):
    """reattest over the group's members as the inventory plugin groups them (gce_group_web), twice.

    Before the first run one member's metadata server announces host
    maintenance; between the runs another member is deleted from outside the
    group, which makes it again under its name (a new instance, a new ID).
    """
    config = fleet.plugin_config()
    config["filters"] = []  # every instance of the project: the group's members are found by their group
    fleet._write("fleet.gce.yml", config)
    with open(os.path.join(fleet.inventory_dir, "group_vars", "tdx_fleet.yml")) as handle:
        fleet._write("group_vars/gce_group_web.yml", yaml.safe_load(handle))
    announced, remade = names[0], names[1]
    instances = fleet.instances()
    zone_of = dict((name, instances[name]["zone"].rsplit("/", 1)[-1]) for name in names)
    fleet.admin.set_maintenance_event(zone_of[announced], announced, "TERMINATE_ON_HOST_MAINTENANCE")
    reattest_dir = str(work / "reattest")
    settings = {"tdx_group": "gce_group_web", "tdx_reattest_dir": reattest_dir}
    first = fleet.playbook("reattest", extra_vars=settings)
    first_changes = read_json(os.path.join(reattest_dir, "last", "changes.json"))
    first_reports = dict((name, read_json(os.path.join(reattest_dir, "last", name + ".json"))) for name in names)
    old_id = instances[remade]["id"]
    remake = fleet.plays([{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "module_defaults": {"group/confidential.tdx.gce": gcp_of(fleet)},
        "tasks": [
            {"name": "delete from outside the group", "confidential.tdx.gce_instance": {
                "name": remade, "zone": zone_of[remade], "state": "absent"}},
            {"name": "the group makes it again", "confidential.tdx.gce_instance_group": {
                "name": "web", "region": "us-central1", "template": members(fleet)[0]["instanceTemplate"],
                "size": 4, "wait": True}},
        ]}])
    assert remake.ok, remake.output[-3000:]
    new_id = fleet.instances()[remade]["id"]
    fleet.admin.set_maintenance_event(zone_of[announced], announced, "NONE")
    second = fleet.playbook("reattest", extra_vars=settings)
    return {"first": first, "first_changes": first_changes, "first_reports": first_reports,
            "second": second, "second_changes": read_json(os.path.join(reattest_dir, "last", "changes.json")),
            "announced": announced, "remade": remade, "ids": (old_id, new_id)}


def read_json(path):
    with open(path) as handle:
        return json.load(handle)


def rollout_dir(fleet, template):
    return os.path.join(fleet.report_dir, "rollout", template)


def rollout_report(fleet, template):
    with open(os.path.join(rollout_dir(fleet, template), "rollout.json")) as handle:
        return json.load(handle)


def gcp_of(fleet):
    """What the playbooks' tdx_gcp gives the gce modules, as module_defaults."""
    return {"project": fleet.project, "api_endpoint": fleet.base_url, "service_account_file": fleet.service_account_file}


def make_group(fleet, templates, **group):
    """Templates ((name, options) each) and a group "web" of the first, through the modules; the templates' names.

    A template's name gets the hash of its spec (NAME-<hash>), so the names are read back from the run.
    """
    tasks = [{"name": name, "confidential.tdx.gce_instance_template": dict(options, name=name),
              "register": "template_%d" % index} for index, (name, options) in enumerate(templates)]
    tasks.append({"name": "group", "confidential.tdx.gce_instance_group": dict(
        group, name="web", template="{{ template_0.template.name }}")})
    tasks.append({"name": "names", "ansible.builtin.debug": {"msg": "{{ [%s] | map(attribute='template') "
                                                                    "| map(attribute='name') }}" % ", ".join(
        "template_%d" % index for index in range(len(templates)))}})
    setup = fleet.plays([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                          "module_defaults": {"group/confidential.tdx.gce": gcp_of(fleet)}, "tasks": tasks}])
    assert setup.ok, setup.output[-3000:]
    return setup.result("names", host="localhost")["msg"]


@pytest.fixture(scope="module")
def rollouts(backed_emulator, backed_key, tmp_path_factory):
    from pcs_standin import PcsStandin

    work = tmp_path_factory.mktemp("group-rollout")
    pki_dir, served = standin_pki(work)
    backed_emulator.admin.reset()
    # The backing's `testhosts up` reads it: every member gets a stand-in signing with this PKI.
    previous = os.environ.get("TESTHOSTS_TSM_STANDIN")
    os.environ["TESTHOSTS_TSM_STANDIN"] = pki_dir
    try:
        with PcsStandin.from_directory(str(served)) as pcs:
            fleet = FleetHarness(backed_emulator, backed_key, work, backed_emulator.project)
            fleet.write_inventory({}, group_vars={
                "verify_testing_root_ca": os.path.join(pki_dir, "root.der"),
                "verify_accept_test_root": True,
                "verify_pccs_url": pcs.url,
                "verify_endorsement_url": pcs.url,
                "verify_collateral_dir": str(work / "collateral"),
                "verify_policy": {"events": {"kernel": kernel_digest(IMAGE_2404)}},
            })
            names = dict(zip(("a", "b", "c"), make_group(
                fleet, [("web-a", {"image": UBUNTU_2204}), ("web-b", {"image": UBUNTU_2404}),
                        ("web-c", {"image": UBUNTU_2204, "machine_type": "c3-standard-8"})],
                region="us-central1", zones=TDX_ZONES, size=4)))
            first = members(fleet)[1]
            settings = {"tdx_rollout_group": "web", "tdx_rollout_region": "us-central1", "tdx_rollout_wave_size": 2}
            mark = len(fleet.admin.requests())
            checked = fleet.playbook("rollout", extra_vars=dict(settings, tdx_rollout_template=names["b"]),
                                     check=True)
            check_writes = group_calls(fleet, mark)
            mark = len(fleet.admin.requests())
            rolled = fleet.playbook("rollout", extra_vars=dict(settings, tdx_rollout_template=names["b"]))
            rolled_calls = group_calls(fleet, mark)
            rolled_report = rollout_report(fleet, names["b"])
            second = members(fleet)
            mark = len(fleet.admin.requests())
            refused = fleet.playbook("rollout", extra_vars=dict(settings, tdx_rollout_template=names["c"]))
            outcome = {"fleet": fleet, "names": names, "first": first, "checked": checked,
                       "check_writes": check_writes, "rolled": rolled, "rolled_calls": rolled_calls,
                       "rolled_report": rolled_report, "second": second, "refused": refused,
                       "refused_calls": group_calls(fleet, mark), "refused_report": rollout_report(fleet, names["c"]),
                       "third": members(fleet)}
            outcome["reattest"] = reattest_the_group(fleet, work, outcome["third"][1])
            yield outcome

    finally:
        if previous is None:
            os.environ.pop("TESTHOSTS_TSM_STANDIN", None)
        else:
            os.environ["TESTHOSTS_TSM_STANDIN"] = previous


def test_check_mode_shows_the_waves_and_changes_nothing(rollouts):
    checked = rollouts["checked"]
    assert checked.ok, checked.output[-3000:]
    assert rollouts["check_writes"] == []
    assert "group web: 2 wave(s) from template %s to %s" % (rollouts["names"]["a"], rollouts["names"]["b"]) \
        in checked.output


def test_each_wave_of_two_passes_verify_before_the_members_it_replaces_go(rollouts):
    run, report, names = rollouts["rolled"], rollouts["rolled_report"], rollouts["names"]
    assert run.ok, run.output[-4000:]
    assert report["passed"] is True and report["rolled_back"] is False and report["template_now"] == names["b"]
    assert [len(wave["add"]) for wave in report["waves"]] == [2, 2]
    for wave in report["waves"]:
        # Each new member passed verify as TEST ROOT (accepted by verify_accept_test_root), never attested.
        assert [(m["verdict"], m["verified"]) for m in wave["members"]] == [("test root", True)] * 2, wave
    assert sorted(report["replaced"]) == rollouts["first"]
    assert "TEST ROOT" in report["headline"] and "2 of 2 waves, 4 members replaced" in report["headline"]
    # The gate, in the order the group was asked: a wave's members made, then its old ones deleted, then the next.
    kinds = [kind for kind, _ in rollouts["rolled_calls"]]
    assert kinds == ["web", "setInstanceTemplate", "createInstances", "deleteInstances", "createInstances",
                     "deleteInstances", "web"], kinds  # "web": the PATCHes of the update policy, there and back
    waves = [wave["add"] for wave in report["waves"]]
    created = [[entry["name"] for entry in body["instances"]] for kind, body in rollouts["rolled_calls"]
               if kind == "createInstances"]
    assert created == waves
    # Each new member's own verify report, in its wave's folder: its quote's event log replayed, kernel as pinned.
    for number, wave in enumerate(waves, 1):
        for name in wave:
            with open(os.path.join(rollout_dir(rollouts["fleet"], names["b"]), "wave-%d" % number, name + ".json")) as handle:
                host = json.load(handle)
            assert host["verdict"] == "test root" and host["verified"] is True
    # The fleet report of the rollout: a row per new member, TEST ROOT named (never green: test_report_page.py).
    with open(os.path.join(rollout_dir(rollouts["fleet"], names["b"]), "fleet-report.json")) as handle:
        fleet_report = json.load(handle)
    assert fleet_report["rollout"] == "finished" and fleet_report["verified"] == 4
    assert sorted(row["host"] for row in fleet_report["rows"]) == sorted(name for wave in waves for name in wave)
    assert {row["verdict"] for row in fleet_report["rows"]} == {"test root"}
    with open(os.path.join(rollout_dir(rollouts["fleet"], names["b"]), "fleet-report.txt")) as handle:
        assert "TEST ROOT" in handle.read()
    group, now = rollouts["second"]
    assert now == sorted(name for wave in waves for name in wave) and group["targetSize"] == 4
    assert group["instanceTemplate"].endswith("/" + names["b"])
    assert group["updatePolicy"]["type"] == "PROACTIVE"  # given back after the rollout


def test_a_new_image_that_fails_attestation_stops_after_the_first_wave_with_the_group_back_as_it_was(rollouts):
    run, report, names = rollouts["refused"], rollouts["refused_report"], rollouts["names"]
    assert not run.ok
    assert report["passed"] is False and report["rolled_back"] is True and report["template_now"] == names["b"]
    assert len(report["waves"]) == 1 and report["waves_planned"] == 2 and report["replaced"] == []
    refused = report["waves"][0]["members"]
    assert [m["verdict"] for m in refused] == ["refused", "refused"], refused
    assert all(any("kernel" in why for why in m["why"]) for m in refused), refused
    assert "stopped at wave 1 of 2" in report["headline"] and report["headline"] in run.output
    with open(os.path.join(rollout_dir(rollouts["fleet"], names["c"]), "fleet-report.json")) as handle:
        fleet_report = json.load(handle)
    assert fleet_report["rollout"] == "stopped at wave 1 of 2" and fleet_report["verified"] == 0
    assert all(row["why"].endswith("deleted: wave 1 did not pass") and "kernel" in row["why"]
               for row in fleet_report["rows"]), fleet_report["rows"]
    # One wave made, then its new members deleted; no old member was ever deleted.
    kinds = [kind for kind, _ in rollouts["refused_calls"]]
    assert kinds.count("createInstances") == 1 and kinds.count("deleteInstances") == 1, kinds
    deleted = [body["instances"] for kind, body in rollouts["refused_calls"] if kind == "deleteInstances"][0]
    assert sorted(url.rsplit("/", 1)[-1] for url in deleted) == sorted(report["waves"][0]["add"])
    group, now = rollouts["third"]
    assert now == rollouts["second"][1] and group["targetSize"] == 4
    assert group["instanceTemplate"].endswith("/" + names["b"]) and group["updatePolicy"]["type"] == "PROACTIVE"


def test_a_template_that_cannot_be_set_leaves_the_group_with_its_own_policy_and_no_member_made(fleet):
    """On the plain emulator: the group's policy is patched, then setInstanceTemplate fails; the policy goes back."""
    fleet.write_inventory({})
    old, new = make_group(fleet, [("web-a", {"image": UBUNTU_2204}), ("web-b", {"image": UBUNTU_2404})],
                          region="us-central1", zones=TDX_ZONES, size=2)
    before = members(fleet)[1]
    fleet.admin.set_faults([{"method": "POST", "path": r"/instanceGroupManagers/web/setInstanceTemplate$",
                             "kind": "operation_error", "count": 1}])
    mark = len(fleet.admin.requests())
    run = fleet.playbook("rollout", extra_vars={"tdx_rollout_group": "web", "tdx_rollout_region": "us-central1",
                                                "tdx_rollout_template": new, "tdx_rollout_wave_size": 2})
    assert not run.ok
    assert "rollout: the group could not be set to template %s" % new in run.output
    kinds = [kind for kind, _ in group_calls(fleet, mark)]
    assert "createInstances" not in kinds and "deleteInstances" not in kinds, kinds
    group, now = members(fleet)
    assert now == before and group["instanceTemplate"].endswith("/" + old)
    assert group["updatePolicy"]["type"] == "PROACTIVE"


def test_reattest_finds_the_members_by_their_group_and_says_which_was_announced_for_maintenance_or_re_created(
        rollouts):
    found = rollouts["reattest"]
    announced, remade = found["announced"], found["remade"]
    # First run: every member proven for the first time, one announced for maintenance (a change: the run fails).
    assert not found["first"].ok
    hosts = found["first_changes"]["hosts"]
    assert sorted(hosts) == rollouts["third"][1]  # the inventory plugin's gce_group_web: the group's members
    assert [change["kind"] for change in hosts[announced]["changes"]] == ["maintenance"]
    assert hosts[announced]["changes"][0]["after"] == "TERMINATE_ON_HOST_MAINTENANCE"
    assert all(entry["changes"] == [] for name, entry in hosts.items() if name != announced)
    assert found["first_changes"]["headline"].endswith("1 with a maintenance event")
    instances = dict((name, report["self_reported"]["instance_id"]) for name, report in found["first_reports"].items())
    assert instances[remade] == found["ids"][0]
    # Second run: the member made again is a new instance (its ID), not merely restarted; the event is over.
    assert found["ids"][0] != found["ids"][1]
    assert not found["second"].ok
    hosts = found["second_changes"]["hosts"]
    assert [change["kind"] for change in hosts[remade]["changes"]] == ["re-created"], hosts[remade]
    assert hosts[remade]["changes"][0]["before"] == found["ids"][0]
    assert hosts[remade]["changes"][0]["after"] == found["ids"][1]
    assert found["second_changes"]["changed"] == [remade]


def test_a_new_member_that_cannot_be_reached_stops_the_wave_and_the_group_is_put_back(fleet):
    """On the plain emulator its instances are records: a new member's address answers nothing, so SSH fails."""
    fleet.write_inventory({})
    old, new = make_group(fleet, [("web-a", {"image": UBUNTU_2204}), ("web-b", {"image": UBUNTU_2404})],
                          zone="us-central1-a", size=2)
    before = members(fleet)[1]
    run = fleet.playbook("rollout", extra_vars={"tdx_rollout_group": "web", "tdx_rollout_zone": "us-central1-a",
                                                "tdx_rollout_template": new, "tdx_rollout_wave_size": 1,
                                                "tdx_rollout_ssh_timeout": 3})
    assert not run.ok
    report = rollout_report(fleet, new)
    assert report["rolled_back"] is True and len(report["waves"]) == 1
    member = report["waves"][0]["members"][0]
    assert member["verdict"] is None and member["verified"] is False and member["why"], member
    group, now = members(fleet)
    assert now == before and group["instanceTemplate"].endswith("/" + old) and group["targetSize"] == 2
    assert group["updatePolicy"]["type"] == "PROACTIVE"
