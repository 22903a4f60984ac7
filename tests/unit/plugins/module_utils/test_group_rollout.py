"""The rollout's decisions (module_utils/group_rollout.py): waves, new names, the gate, the account."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.group_rollout import (
    new_member_name,
    plan,
    plan_problems,
    summary,
    wave_outcome,
)


def group(members, template="web-tdx-1", stable=True, base="web"):
    return {"name": "web", "region": "us-central1", "zone": None, "template": template, "target_size": len(members),
            "base_instance_name": base, "update_type": "PROACTIVE", "minimal_action": "REPLACE",
            "is_stable": stable,
            "members": [{"name": name, "zone": zone, "template": member_template, "current_action": "NONE"}
                        for name, zone, member_template in members]}


FOUR = group([("web-a1", "us-central1-a", "web-tdx-1"), ("web-a2", "us-central1-a", "web-tdx-1"),
              ("web-b1", "us-central1-b", "web-tdx-1"), ("web-c1", "us-central1-c", "web-tdx-1")])


def test_waves_of_two_take_zones_in_turn_and_name_each_replacement_once():
    planned = plan(FOUR, "web-tdx-2", wave_size=2)
    assert [wave["remove"] for wave in planned["waves"]] == [["web-a1", "web-b1"], ["web-c1", "web-a2"]]
    added = [name for wave in planned["waves"] for name in wave["add"]]
    assert len(set(added)) == 4 and all(name.startswith("web-") and len(name) == 8 for name in added)
    assert not set(added) & {"web-a1", "web-a2", "web-b1", "web-c1"}
    assert planned["from_template"] == "web-tdx-1" and planned["to_template"] == "web-tdx-2"
    assert plan(FOUR, "web-tdx-2", wave_size=2) == planned  # the same rollout, the same plan


def test_a_canary_goes_first_alone():
    assert [len(wave["remove"]) for wave in plan(FOUR, "web-tdx-2", wave_size=2, canary=True)["waves"]] == [1, 2, 1]


def test_a_rollout_run_again_keeps_members_already_on_the_new_template():
    half = group([("web-a1", "us-central1-a", "web-tdx-1"), ("web-b1", "us-central1-b", "web-tdx-1"),
                  ("web-x1", "us-central1-a", "web-tdx-2"), ("web-x2", "us-central1-c", "web-tdx-2")],
                 template="web-tdx-2")
    planned = plan(half, "projects/p/global/instanceTemplates/web-tdx-2", wave_size=2)
    assert planned["kept"] == ["web-x1", "web-x2"] and planned["from_template"] == "web-tdx-1"
    assert [wave["remove"] for wave in planned["waves"]] == [["web-a1", "web-b1"]]
    assert plan(group([("web-x1", "us-central1-a", "web-tdx-2")], template="web-tdx-2"), "web-tdx-2")["waves"] == []


def test_a_new_name_that_is_taken_is_drawn_again():
    first = new_member_name("web", "t", "web-a1", set())
    assert new_member_name("web", "t", "web-a1", {first}) not in (first,)


@pytest.mark.parametrize("args, expected", [
    (dict(group_=FOUR, template="t", wave_size=0, canary=False), "tdx_rollout_wave_size: 0 is not a number"),
    (dict(group_=FOUR, template="", wave_size=1, canary=False), "tdx_rollout_template: not set"),
    (dict(group_={}, template="t", wave_size=1, canary=False), "tdx_rollout_group: no such group"),
    (dict(group_=dict(FOUR, is_stable=False), template="t", wave_size=1, canary=False),
     "tdx_rollout_group: group web is not stable"),
    (dict(group_=FOUR, template="t", wave_size=1, canary="yes"), "tdx_rollout_canary: 'yes' is not true or false"),
])
def test_a_rollout_that_cannot_start_says_which_variable(args, expected):
    problems = plan_problems(args["group_"], args["template"], args["wave_size"], args["canary"])
    assert any(problem.startswith(expected) for problem in problems), problems
    assert plan_problems(FOUR, "t", 2, False) == []


WAVE = {"number": 1, "remove": ["web-a1", "web-b1"], "add": ["web-n1", "web-n2"]}
PASS = {"verified": True, "verdict": "test root", "failures": []}
REFUSED = {"verified": False, "verdict": "refused", "failures": ["attestation: events: kernel differs"]}


def test_a_wave_passes_only_when_every_new_member_passed_verify():
    assert wave_outcome(WAVE, {"web-n1": PASS, "web-n2": PASS}, {})["passed"] is True
    refused = wave_outcome(WAVE, {"web-n1": PASS, "web-n2": REFUSED}, {})
    assert refused["passed"] is False
    assert refused["members"][1] == {"name": "web-n2", "verdict": "refused", "verified": False,
                                     "why": ["attestation: events: kernel differs"]}
    unjudged = wave_outcome(WAVE, {"web-n1": PASS}, {})
    assert unjudged["passed"] is False and unjudged["members"][1]["why"] == ["verify gave no verdict for this member"]
    unreached = wave_outcome(WAVE, {"web-n1": PASS, "web-n2": PASS}, {"web-n2": "timed out waiting for ping"})
    assert unreached["passed"] is False and unreached["members"][1]["why"] == ["timed out waiting for ping"]
    assert wave_outcome(dict(WAVE, add=[]), {}, {})["passed"] is False  # a wave with nothing to judge proves nothing


def test_the_account_says_what_passed_and_where_the_group_was_left():
    planned = plan(FOUR, "web-tdx-2", wave_size=2)
    passed = [wave_outcome(wave, dict((name, PASS) for name in wave["add"]), {}) for wave in planned["waves"]]
    done = summary(planned, passed, rolled_back=False)
    assert done["passed"] is True and done["template_now"] == "web-tdx-2" and len(done["replaced"]) == 4
    assert done["headline"].startswith("group web rolled to template web-tdx-2: 2 of 2 waves, 4 members replaced")
    assert "TEST ROOT" in done["headline"]
    first = planned["waves"][0]
    stopped = summary(planned, [wave_outcome(first, {first["add"][0]: REFUSED, first["add"][1]: PASS}, {})],
                      rolled_back=True)
    assert stopped["passed"] is False and stopped["rolled_back"] is True and stopped["replaced"] == []
    assert stopped["template_now"] == "web-tdx-1"
    assert "stopped at wave 1 of 2 (%s: attestation: events: kernel differs)" % first["add"][0] in stopped["headline"]
    assert stopped["headline"].endswith("the group is back on template web-tdx-1, its new members of that wave "
                                        "deleted, its old ones kept")
    # The fleet report: a row per new member made; the refused wave's say why and that they were deleted.
    assert done["fleet_report"]["rollout"] == "finished" and done["fleet_report"]["verified"] == 4
    rows = stopped["fleet_report"]["rows"]
    assert stopped["fleet_report"]["rollout"] == "stopped at wave 1 of 2"
    assert rows[0] == {"host": first["add"][0], "instance": first["add"][0], "zone": None, "address": None,
                       "provisioned": True, "hardened": None, "verified": False,
                       "why": "attestation: events: kernel differs; deleted: wave 1 did not pass"}
    assert rows[1]["verified"] is True and rows[1]["why"] == "deleted: wave 1 did not pass"
