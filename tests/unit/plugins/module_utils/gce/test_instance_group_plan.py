"""gce_instance_group's decisions without I/O: the checks, what differs and in which order."""

import copy

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group import plan
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group.options import ARGUMENT_SPEC

LINK = "projects/p/global/instanceTemplates/web-tdx-2"


def params(**changes):
    values = dict((name, copy.deepcopy(spec.get("default"))) for name, spec in ARGUMENT_SPEC.items())
    values.update(name="web", region="us-central1", template="web-tdx-2", size=4)
    values.update(changes)
    return values


def group(**changes):
    body = {"name": "web", "baseInstanceName": "web", "targetSize": 4,
            "instanceTemplate": "https://www.googleapis.com/compute/v1/" + LINK,
            "updatePolicy": {"type": "PROACTIVE", "minimalAction": "REPLACE",
                             "maxSurge": {"fixed": 3, "calculated": 3}, "maxUnavailable": {"fixed": 3}}}
    body.update(changes)
    return body


def test_a_matching_group_needs_nothing():
    assert plan.differences(group(), params(), LINK) == ([], [])


def test_the_policy_goes_before_the_template_and_the_size():
    changes, refusals = plan.differences(
        group(instanceTemplate="projects/p/global/instanceTemplates/web-tdx-1", targetSize=2),
        params(max_surge=3, max_unavailable=0), LINK)
    assert [kind for kind, _ in changes] == ["patch", "template", "size"] and refusals == []
    assert changes[0][1] == {"updatePolicy": {"type": "PROACTIVE", "minimalAction": "REPLACE",
                                              "maxSurge": {"fixed": 3}, "maxUnavailable": {"fixed": 0}}}
    assert [plan.describe_change(*change) for change in changes] == [
        "set update policy", "set template web-tdx-2", "resize to 4"]


def test_what_a_group_keeps_is_refused_naming_the_option():
    dummy, refusals = plan.differences(group(), params(base_instance_name="api"), LINK)
    assert refusals[0].startswith("base_instance_name: the group's members are named web-")


def test_problems():
    assert plan.problems(params()) == []
    assert plan.problems(params(zones=["us-central1-a", "us-central1-b"], max_surge=1))[0].startswith(
        "max_surge: 1 is fewer than the group's 2 zones")
    assert plan.problems(params(state="absent", template=None, size=None)) == []
    assert plan.template_path("p", "https://www.googleapis.com/compute/v1/" + LINK) == LINK
    assert plan.template_path("p", "web-tdx-2") == LINK
