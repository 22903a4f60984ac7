"""gce_instance_group against the emulator: a regional TDX group made, waited stable, left alone on a rerun,
rolled to a new template within max_surge, resized; check mode and diff; bad input before any write; delete."""

import pytest

from tests.inprocess.gce.harness import warnings_of

pytestmark = pytest.mark.integration

GROUP = "confidential.tdx.gce_instance_group"
TEMPLATE = "confidential.tdx.gce_instance_template"
ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"]


def task(task_name, module=GROUP, **args):
    return {"name": task_name, module: args, "ignore_errors": True}


def group_task(task_name, **args):
    args.setdefault("name", "web")
    args.setdefault("region", "us-central1")
    args.setdefault("zones", ZONES)
    # None: the option left out (a zonal group gives no region or zones).
    return task(task_name, **dict((key, value) for key, value in args.items() if value is not None))


def make_template(gce, **args):
    result = gce.run([task("template", TEMPLATE, name="web-tdx", **args)]).result("template")
    assert result.get("template", {}).get("self_link"), result
    return result["template"]


def members(gce):
    return sorted(i["name"] for i in gce.instances())


def test_a_regional_group_is_made_stable_then_left_alone_then_rolled_and_resized(gce):
    first = make_template(gce)
    run = gce.run([group_task("create", template=first["self_link"], size=4, max_surge=3, max_unavailable=0)])
    result = run.result("create")
    assert result["changed"] is True and result["group"]["is_stable"] is True, run.output
    assert result["actions"] == ["create group web of 4 in us-central1"]
    assert len(result["group"]["members"]) == 4 and {m["template"] for m in result["group"]["members"]} == {
        first["name"]}
    assert sorted({m["zone"] for m in result["group"]["members"]}) == ZONES
    old_members = members(gce)

    mark = gce.mark()
    again = gce.run([group_task("again", template=first["name"], size=4, max_surge=3, max_unavailable=0)])
    assert again.result("again")["changed"] is False and gce.writes(mark) == []

    second = make_template(gce, machine_type="c3-standard-8")
    rolled = gce.run([group_task("roll", template=second["self_link"], size=4, max_surge=3, max_unavailable=0)],
                     diff=True).result("roll")
    assert rolled["changed"] is True and rolled["actions"] == ["set template %s" % second["name"]]
    assert rolled["group"]["is_stable"] and {m["template"] for m in rolled["group"]["members"]} == {second["name"]}
    assert not set(old_members) & set(members(gce)) and len(members(gce)) == 4
    assert rolled["diff"]["before"]["template"] == first["name"] and rolled["diff"]["after"]["template"] == \
        second["name"]

    resized = gce.run([group_task("resize", template=second["name"], size=6, max_surge=3,
                                  max_unavailable=0)]).result("resize")
    assert resized["actions"] == ["resize to 6"] and len(resized["group"]["members"]) == 6


def test_a_regional_group_without_zones_is_warned_about(gce):
    template = make_template(gce)
    result = gce.run([group_task("no zones", template=template["name"], size=0, zones=None)],
                     check=True).result("no zones")
    assert any(warning.startswith("zones: not set, so Compute Engine picks the zones of us-central1")
               for warning in warnings_of(result)), result


def test_check_mode_lists_the_writes_and_makes_none(gce):
    template = make_template(gce)
    mark = gce.mark()
    run = gce.run([group_task("check", template=template["name"], size=2)], check=True, diff=True)
    result = run.result("check")
    assert result["changed"] is True and result["actions"] == ["create group web of 2 in us-central1"]
    assert gce.writes(mark) == [] and members(gce) == []
    assert result["diff"]["after"]["target_size"] == 2


def test_an_update_policy_change_is_a_patch_and_a_zonal_group_is_deleted_with_its_members(gce):
    template = make_template(gce)
    zonal = dict(name="one", zone="us-central1-a", template=template["name"], region=None, zones=None)
    gce.run([group_task("create", size=2, **zonal)])
    assert len(members(gce)) == 2
    patched = gce.run([group_task("opportunistic", size=2, update_type="OPPORTUNISTIC", **zonal)]).result(
        "opportunistic")
    assert patched["actions"] == ["set update policy"] and patched["group"]["update_type"] == "OPPORTUNISTIC"
    gone = gce.run([group_task("absent", state="absent", **dict(zonal, template=None))]).result("absent")
    assert gone["changed"] is True and members(gce) == []
    assert gce.run([group_task("absent again", state="absent", **dict(zonal, template=None))]).result(
        "absent again")["changed"] is False


@pytest.mark.parametrize("args, expected", [
    (dict(size=-1), "size: -1 is negative"),
    (dict(size=2, max_surge=0, max_unavailable=0), "max_unavailable: 0 with max_surge 0"),
    (dict(size=2, max_surge=1), "max_surge: 1 is fewer than the group's 3 zones"),
    (dict(size=2, zones=["europe-west4-a"]), "zones: europe-west4-a is not in region us-central1"),
    (dict(size=2, name="Web"), "name: 'Web' is not a valid group name"),
    (dict(template=None, size=2), "template: not set"),
    (dict(size=2, health_check=""), "health_check: empty; leave it out to keep the group's autohealing"),
])
def test_bad_input_is_one_line_naming_the_option_before_any_call(gce, args, expected):
    args.setdefault("template", "web-tdx")
    run = gce.run([group_task("bad", **args)])
    message = run.result("bad")["msg"]
    assert run.status("bad") == "failed" and expected in message and "\n" not in message, message
    assert gce.calls() == []


def test_a_template_that_is_missing_is_refused_before_any_write(gce):
    run = gce.run([group_task("missing", template="nope", size=1)])
    assert run.result("missing")["msg"].startswith("template: nope does not exist in project")
    assert gce.writes() == []


def test_a_group_keeps_its_zones_and_says_so(gce):
    template = make_template(gce)
    gce.run([group_task("create", template=template["name"], size=0)])
    mark = gce.mark()
    run = gce.run([group_task("move", template=template["name"], size=0, zones=["us-central1-a"])])
    assert run.result("move")["msg"].startswith("zones: the group runs in us-central1-a, us-central1-b")
    assert gce.writes(mark) == []


def test_a_write_that_fails_half_way_says_which_calls_were_made_and_a_rerun_finishes(gce):
    first = make_template(gce)
    gce.run([group_task("create", template=first["name"], size=2)])
    second = make_template(gce, machine_type="c3-standard-8")
    gce.admin.set_faults([{"method": "POST", "path": r"/instanceGroupManagers/web/setInstanceTemplate$",
                           "kind": "operation_error", "count": 1}])
    run = gce.run([group_task("half", template=second["name"], size=2, update_type="OPPORTUNISTIC")])
    result = run.result("half")
    assert run.status("half") == "failed" and "\n" not in result["msg"], run.output
    assert result["changed"] is True and result["actions"] == ["set update policy",
                                                               "set template %s" % second["name"]]
    assert result["msg"].startswith("set template %s failed" % second["name"])
    done = gce.run([group_task("rerun", template=second["name"], size=2, update_type="OPPORTUNISTIC")]).result(
        "rerun")
    assert done["actions"] == ["set template %s" % second["name"]] and done["group"]["template"] == second["name"]


def test_autohealing_is_kept_when_health_check_is_left_out(gce):
    template = make_template(gce)
    check = "projects/%s/global/healthChecks/web-ok" % gce.project
    made = gce.run([group_task("create", template=template["name"], size=0, health_check=check)]).result("create")
    assert made["group"]["health_check"].endswith(check), made
    mark = gce.mark()
    kept = gce.run([group_task("kept", template=template["name"], size=0)]).result("kept")
    assert kept["changed"] is False and kept["group"]["health_check"].endswith(check) and gce.writes(mark) == []
