"""gce_instance_group_members against the emulator: named members made from the group's template with their
addresses, old ones deleted, a rerun left alone; check mode and diff; bad input before any call."""

import pytest

pytestmark = pytest.mark.integration

MEMBERS = "confidential.tdx.gce_instance_group_members"
GROUP = "confidential.tdx.gce_instance_group"
TEMPLATE = "confidential.tdx.gce_instance_template"
INFO = "confidential.tdx.gce_instance_group_info"
ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"]


def task(task_name, module, **args):
    return {"name": task_name, module: args, "ignore_errors": True}


def members_task(task_name, **args):
    args.setdefault("group", "web")
    args.setdefault("region", "us-central1")
    return task(task_name, MEMBERS, **args)


@pytest.fixture
def opportunistic_group(gce):
    """A regional group of 2 made from one template, opportunistic, then set to another (its members stay).

    Returns (the members' names, the first template's name, the second's).
    """
    first = gce.run([task("one", TEMPLATE, name="web-tdx-1")]).result("one")["template"]
    second = gce.run([task("two", TEMPLATE, name="web-tdx-2", machine_type="c3-standard-8")]).result("two")["template"]
    group = dict(name="web", region="us-central1", zones=ZONES, size=2, update_type="OPPORTUNISTIC")
    made = gce.run([task("group", GROUP, template=first["self_link"], **group)]).result("group")
    moved = gce.run([task("move", GROUP, template=second["self_link"], **group)]).result("move")
    assert moved["actions"] == ["set template %s" % second["name"]], moved
    return sorted(m["name"] for m in made["group"]["members"]), first["name"], second["name"]


def test_named_members_come_from_the_current_template_with_their_addresses_and_old_ones_go(gce, opportunistic_group):
    old, old_template, new_template = opportunistic_group
    made = gce.run([members_task("wave", members=["web-v2-a", "web-v2-b"])], diff=True).result("wave")
    assert made["changed"] is True and made["actions"] == ["create members web-v2-a, web-v2-b"], made
    by_name = dict((m["name"], m) for m in made["members"])
    assert sorted(by_name) == sorted(old + ["web-v2-a", "web-v2-b"]) and made["group"]["target_size"] == 4
    for name in ("web-v2-a", "web-v2-b"):
        member = by_name[name]
        assert member["template"] == new_template and member["status"] == "RUNNING"
        instance = dict((i["name"], i) for i in gce.instances())[name]
        assert member["internal_ip"] == instance["networkInterfaces"][0]["networkIP"]
    assert {by_name[name]["template"] for name in old} == {old_template}
    assert "internal_ip" not in by_name[old[0]]  # only the named members' instances are read
    assert made["diff"] == {"before": {"members": old}, "after": {"members": sorted(by_name)}}

    mark = gce.mark()
    again = gce.run([members_task("again", members=["web-v2-a", "web-v2-b"])]).result("again")
    assert again["changed"] is False and gce.writes(mark) == []

    gone = gce.run([members_task("old go", members=old, state="absent")]).result("old go")
    assert gone["actions"] == ["delete members %s" % ", ".join(old)]
    assert sorted(m["name"] for m in gone["members"]) == ["web-v2-a", "web-v2-b"]
    assert gone["group"]["target_size"] == 2
    assert sorted(i["name"] for i in gce.instances()) == ["web-v2-a", "web-v2-b"]
    mark = gce.mark()
    assert gce.run([members_task("gone again", members=old, state="absent")]).result("gone again")[
        "changed"] is False
    assert gce.writes(mark) == []


def test_check_mode_lists_the_writes_and_makes_none(gce, opportunistic_group):
    old = opportunistic_group[0]
    mark = gce.mark()
    result = gce.run([members_task("check", members=["web-v2-a"])], check=True, diff=True).result("check")
    assert result["changed"] is True and result["actions"] == ["create members web-v2-a"]
    assert result["diff"]["after"]["members"] == sorted(old + ["web-v2-a"])
    assert gce.writes(mark) == [] and sorted(i["name"] for i in gce.instances()) == old


@pytest.mark.parametrize("args, expected", [
    (dict(members=["Web-1"]), "members: Web-1 is not an instance name"),
    (dict(members=["web-1", "web-1"]), "members: web-1 is listed twice"),
    (dict(members=[]), "members: the list is empty"),
    (dict(members=["web-1"], group="Web"), "group: Web is not a group name"),
    (dict(members=["web-1"], region="us central1"), "region: us central1 is not a region name"),
])
def test_bad_input_is_one_line_naming_the_option_before_any_call(gce, args, expected):
    run = gce.run([members_task("bad", **args)])
    message = run.result("bad")["msg"]
    assert run.status("bad") == "failed" and expected in message and "\n" not in message, message
    assert gce.calls() == []


def test_a_group_that_is_missing_is_named_and_nothing_is_written(gce):
    run = gce.run([members_task("missing", members=["web-1"], group="nope")])
    assert run.result("missing")["msg"] == ("group: nope does not exist in region us-central1; create it with "
                                            "confidential.tdx.gce_instance_group")
    assert gce.writes() == []


def test_the_info_module_reads_one_group_or_all_of_a_region_and_writes_nothing(gce, opportunistic_group):
    old, old_template, new_template = opportunistic_group
    mark = gce.mark()
    one = gce.run([task("one", INFO, name="web", region="us-central1")]).result("one")
    assert one["changed"] is False and len(one["groups"]) == 1
    group = one["groups"][0]
    assert group["template"] == new_template and group["update_type"] == "OPPORTUNISTIC"
    assert sorted(m["name"] for m in group["members"]) == old
    assert {m["template"] for m in group["members"]} == {old_template}
    every = gce.run([task("all", INFO, region="us-central1")]).result("all")
    assert [g["name"] for g in every["groups"]] == ["web"]
    assert gce.run([task("none", INFO, name="nope", region="us-central1")]).result("none")["groups"] == []
    assert gce.writes(mark) == []
