"""A refused task leaves the instance as it was, also when the refusal comes after the module has read it."""

import pytest

from tests.inprocess.gce.harness import instance_task

pytestmark = pytest.mark.integration


def test_recreate_with_an_image_that_cannot_boot_a_td_keeps_the_instance(gce, ledger):
    run = gce.run([
        instance_task("create", name="keep-1", labels={"env": "a"}),
        instance_task("recreate on an image without TDX_CAPABLE", name="keep-1", image="debian-cloud/debian-12",
                      recreate=True),
    ])
    assert run.status("create") == "changed", run.output
    created = run.result("create")["instance"]
    after = [instance for instance in gce.instances() if instance["name"] == "keep-1"]
    refusal = run.result("recreate on an image without TDX_CAPABLE")
    problems = []
    if run.status("recreate on an image without TDX_CAPABLE") != "failed":
        problems.append("the recreate was not refused")
    if "image: debian-cloud/debian-12 does not declare guest OS feature TDX_CAPABLE" not in refusal.get("msg", ""):
        problems.append("the message does not name the image: %r" % refusal.get("msg"))
    if [instance["id"] for instance in after] != [created["id"]]:
        problems.append("the instance was deleted although its replacement was refused: %s" % after)
    if [entry["method"] for entry in gce.writes() if "keep-1" in entry["path"]] != []:
        problems.append("the refused recreate made a write about keep-1")
    ledger.record("bad_input", "gce_instance-image-recreate_onto_an_image_without_TDX", problems,
                  owner="gce_instance", argument="image", why="recreate onto an image without TDX_CAPABLE",
                  path="ansible-playbook")
    assert not problems, problems
