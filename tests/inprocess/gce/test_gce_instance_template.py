"""gce_instance_template against the emulator: create, no change on a rerun, a changed spec makes a new
template, check mode and diff, bad input in one line before any write, delete (and what a group's use leaves)."""

import json
import time
import urllib.request

import pytest

pytestmark = pytest.mark.integration

MODULE = "confidential.tdx.gce_instance_template"


def template_task(task_name="template", **args):
    args.setdefault("name", "web-tdx")
    return {"name": task_name, MODULE: args, "ignore_errors": True}


def api_call(gce, method, url, body=None):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None, headers={
        "Authorization": "Bearer " + gce.access_token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def held_templates(gce):
    """The emulator's templates, by name (read over the API with the harness's token)."""
    return sorted(t["name"] for t in gce.emulator.server.world.instance_templates.values())


def test_create_then_no_change_then_a_changed_spec_is_a_new_template(gce):
    run = gce.run([template_task("create", labels={"app": "web"})])
    first = run.result("create")
    assert first["changed"] is True and first["created"] is True, run.output
    name = first["template"]["name"]
    assert name.startswith("web-tdx-") and len(name) == len("web-tdx-") + 8
    properties = first["template"]["properties"]
    assert properties["confidentialInstanceConfig"] == {"confidentialInstanceType": "TDX"}
    assert properties["scheduling"]["onHostMaintenance"] == "TERMINATE"
    # The family is pinned to the image it names now.
    assert "/global/images/family/" not in first["template"]["image"]
    assert first["previous"] is None and first["actions"] == ["create template %s" % name]

    mark = gce.mark()
    again = gce.run([template_task("again", labels={"app": "web"})]).result("again")
    assert again["changed"] is False and again["template"]["name"] == name and again["actions"] == []
    assert gce.writes(mark) == []

    changed = gce.run([template_task("changed", labels={"app": "web"}, machine_type="c3-standard-8")])
    result = changed.result("changed")
    assert result["changed"] is True and result["previous"] == name
    assert result["template"]["name"] != name and result["template"]["machine_type"] == "c3-standard-8"
    assert held_templates(gce) == sorted([name, result["template"]["name"]])
    assert result["templates"][-1] == result["template"]["name"]


def test_check_mode_writes_nothing_and_diff_shows_the_template_replaced(gce):
    gce.run([template_task("create")])
    before = held_templates(gce)
    mark = gce.mark()
    run = gce.run([template_task("check", boot_disk_size_gb=40)], check=True, diff=True)
    result = run.result("check")
    assert result["changed"] is True and result["actions"][0].startswith("create template web-tdx-")
    assert gce.writes(mark) == [] and held_templates(gce) == before
    assert result["diff"]["before"]["name"] == before[0]
    assert result["diff"]["after"]["properties"]["disks"][0]["initializeParams"]["diskSizeGb"] == "40"


def test_a_name_of_ones_own_with_another_spec_is_refused_and_nothing_changes(gce):
    gce.run([template_task("create", name="web-v1", name_suffix="none")])
    mark = gce.mark()
    run = gce.run([template_task("other spec", name="web-v1", name_suffix="none", secure_boot=False)])
    message = run.result("other spec")["msg"]
    assert run.status("other spec") == "failed"
    assert message.startswith("name: template web-v1 exists with other properties") and "\n" not in message
    assert "name_suffix: hash" in message
    assert gce.writes(mark) == [] and held_templates(gce) == ["web-v1"]


@pytest.mark.parametrize("args, expected", [
    (dict(on_host_maintenance="MIGRATE"), "on_host_maintenance: MIGRATE is not allowed"),
    (dict(boot_disk_type="pd-standard"), "boot_disk_type: pd-standard cannot be the boot disk of a C3 machine"),
    (dict(boot_disk_type="hyperdisk-extreme"), "boot_disk_type: hyperdisk-extreme needs a C3 machine of at least 88"),
    (dict(machine_type="c3-standard-"), "machine_type: c3-standard- is not a machine type name"),
    (dict(name="Web_Tdx"), "name: 'Web_Tdx' is not a valid template name"),
    (dict(name="a" * 60), "is not a valid template name; use 1-54"),
    (dict(subnetwork="web"), "subnetwork: web is a name, and a template has no zone"),
    (dict(additional_disks=[{"name": "data", "size_gb": 10}]), "additional_disks[0].name: a template's disks"),
    (dict(region="us-central1-a"), "region: us-central1-a is not a region name"),
])
def test_bad_input_is_one_line_naming_the_option_before_any_call(gce, args, expected):
    run = gce.run([template_task("bad", **args)])
    message = run.result("bad")["msg"]
    assert run.status("bad") == "failed" and expected in message and "\n" not in message, message
    assert gce.calls() == []


@pytest.mark.parametrize("image, expected", [
    ("debian-cloud/debian-12", "image: debian-cloud/debian-12 does not declare guest OS feature TDX_CAPABLE"),
    ("ubuntu-os-cloud/ubuntu-1004-lts", "image: ubuntu-os-cloud/ubuntu-1004-lts is neither an image"),
])
def test_an_image_that_cannot_boot_tdx_is_refused_after_reading_it(gce, image, expected):
    run = gce.run([template_task("bad image", image=image)])
    assert run.status("bad image") == "failed" and expected in run.result("bad image")["msg"]
    assert gce.writes() == [] and held_templates(gce) == []


def test_absent_deletes_the_templates_of_the_name_and_says_what_a_group_keeps(gce):
    first = gce.run([template_task("one")]).result("one")["template"]
    second = gce.run([template_task("two", machine_type="c3-standard-8")]).result("two")["template"]
    gce.run([template_task("other", name="db-tdx")])
    # A group uses the second: its delete is refused, the first is gone, and the task says so.
    group = "%s/compute/v1/projects/%s/zones/us-central1-a/instanceGroupManagers" % (gce.emulator.base_url,
                                                                                      gce.project)
    api_call(gce, "POST", group, {"name": "g", "baseInstanceName": "g", "instanceTemplate": second["self_link"],
                                  "targetSize": 0})
    run = gce.run([template_task("absent", state="absent")])
    result = run.result("absent")
    assert run.status("absent") == "failed" and result["deleted"] == [first["name"]], run.output
    assert "deleted: %s; left: %s" % (first["name"], second["name"]) in result["msg"]
    assert "instanceGroupManagers/g" in result["msg"]
    api_call(gce, "DELETE", group + "/g")
    deadline = time.monotonic() + 30
    while gce.emulator.server.world.groups:  # the emulator moves on when it is asked something
        assert time.monotonic() < deadline
        gce.admin.advance_clock(0.05)
    again = gce.run([template_task("absent again", state="absent")]).result("absent again")
    assert again["changed"] is True and again["deleted"] == [second["name"]]
    assert [name.rsplit("-", 1)[0] for name in held_templates(gce)] == ["db-tdx"]  # another name is not touched
    assert gce.run([template_task("absent twice", state="absent")]).result("absent twice")["changed"] is False


def test_an_insert_that_fails_leaves_no_template_says_so_in_one_line_and_a_rerun_makes_it(gce):
    gce.admin.set_faults([{"method": "POST", "path": r"/global/instanceTemplates$", "kind": "operation_error",
                           "count": 1}])
    run = gce.run([template_task("fails")])
    result = run.result("fails")
    assert run.status("fails") == "failed" and "\n" not in result["msg"], run.output
    assert result["msg"].startswith("create template web-tdx-") and "INTERNAL_ERROR" in result["msg"]
    assert result["actions"] == [result["msg"].split(" failed")[0]]
    assert held_templates(gce) == []
    again = gce.run([template_task("again")]).result("again")
    assert again["changed"] is True and held_templates(gce) == [again["template"]["name"]]
