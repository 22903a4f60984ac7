"""gce_instance judges an existing instance's image by its boot disk's sourceImage, against the emulator.

The custom images are made the way a user makes them, with images.insert
from a disk through the real client: such an image keeps its source disk's
(Ubuntu's) licenses, so only the boot disk's sourceImage tells which image an
instance runs.
"""

import pytest
from google.oauth2.credentials import Credentials

# compute_v1() imports google.cloud.compute_v1 when first called, not while pytest collects.
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import compute_v1
from tests.inprocess.gce.harness import instance_task, warnings_of

pytestmark = pytest.mark.integration

ZONE = "us-central1-a"
UBUNTU_LICENSE = "https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/licenses/ubuntu-2204-lts"



def images_client(gce):
    options = {"api_endpoint": gce.emulator.base_url}
    credentials = Credentials(gce.access_token)
    return (compute_v1().ImagesClient(credentials=credentials, client_options=options),
            compute_v1().GlobalOperationsClient(credentials=credentials, client_options=options),
            compute_v1().DisksClient(credentials=credentials, client_options=options))


def make_tdx_image(gce, name, source_disk, family="golden"):
    """A custom TDX image (TDX_CAPABLE added to its source disk's features) in the test project's family."""
    images, operations, dummy = images_client(gce)
    image = compute_v1().Image(name=name, family=family, source_disk="zones/%s/disks/%s" % (ZONE, source_disk),
                             guest_os_features=[compute_v1().GuestOsFeature(type_="TDX_CAPABLE")])
    operation = images.insert_unary(project=gce.project, image_resource=image)
    done = operations.wait(project=gce.project, operation=operation.name)
    assert not done.error.errors, done
    # The family gives its newest image: the next one must be later, also on a fast machine.
    gce.admin.advance_clock(1)
    return images.get(project=gce.project, image=name)


def boot_source_image(gce, disk):
    return images_client(gce)[2].get(project=gce.project, zone=ZONE, disk=disk).source_image


def image_path(gce, name):
    return "projects/%s/global/images/%s" % (gce.project, name)


def family_path(gce, family="golden"):
    return "projects/%s/global/images/family/%s" % (gce.project, family)


def golden_source(gce):
    """An Ubuntu TDX instance whose disk the custom images are made from."""
    assert gce.run([instance_task(name="golden-src")]).status("create") == "changed"


def test_an_instance_of_a_custom_tdx_image_is_unchanged_on_rerun_even_with_recreate(gce):
    golden_source(gce)
    image = make_tdx_image(gce, "golden-1", "golden-src")
    assert list(image.licenses) == [UBUNTU_LICENSE]  # what licenses would have been judged by

    for spec in (image_path(gce, "golden-1"), image.self_link):
        name = "tdx-custom-%d" % len(spec)
        created = gce.run([instance_task(name=name, image=spec)])
        assert created.status("create") == "changed", created.output
        assert created.result("create")["image_outdated"] is False
        assert boot_source_image(gce, name) == image.self_link

        for extra in ({}, {"recreate": True}, {"image": family_path(gce), "recreate": True}):
            since = gce.mark()
            again = gce.run([instance_task(name=name, **dict({"image": spec}, **extra))])
            assert again.status("create") == "ok", (extra, again.output)
            result = again.result("create")
            assert result["actions"] == [] and result["image_outdated"] is False
            assert warnings_of(result) == [], result
            assert gce.writes(since) == [], extra


def test_a_moved_family_is_reported_outdated_and_recreated_only_when_asked(gce):
    golden_source(gce)
    make_tdx_image(gce, "golden-1", "golden-src")
    task = dict(name="tdx-fam", image=family_path(gce))
    assert gce.run([instance_task(**task)]).status("create") == "changed"
    original_id = gce.run([instance_task(**task)]).result("create")["instance"]["id"]
    newer = make_tdx_image(gce, "golden-2", "golden-src")

    for extra in ({}, {"recreate": True}):
        since = gce.mark()
        run = gce.run([instance_task(**dict(task, **extra))], diff=True)
        assert run.status("create") == "ok", run.output
        result = run.result("create")
        assert result["image_outdated"] is True and result["actions"] == []
        assert any("image family tdx-test-project/family/golden now gives %s" % image_path(gce, "golden-2") in text
                   and "recreate_on_image_update: true" in text for text in warnings_of(result)), result
        assert result["diff"]["before"] == result["diff"]["after"]
        assert result["diff"]["after"]["image"] == image_path(gce, "golden-1")
        assert gce.writes(since) == []
    assert boot_source_image(gce, "tdx-fam").endswith("/golden-1")

    since = gce.mark()
    checked = gce.run([instance_task(recreate_on_image_update=True, **task)], check=True, diff=True)
    assert checked.status("create") == "changed", checked.output
    assert checked.result("create")["actions"] == ["delete from us-central1-a", "create in us-central1-a"]
    assert checked.result("create")["image_outdated"] is False  # as the task would leave it
    diff = checked.result("create")["diff"]
    assert (diff["before"]["image"], diff["after"]["image"]) == (image_path(gce, "golden-1"), image_path(gce, "golden-2"))
    assert gce.writes(since) == []

    since = gce.mark()
    updated = gce.run([instance_task(recreate_on_image_update=True, **task)])
    assert updated.status("create") == "changed", updated.output
    result = updated.result("create")
    assert result["actions"] == ["delete from us-central1-a", "create in us-central1-a"]
    assert result["image_outdated"] is False and result["instance"]["id"] != original_id
    assert [call["method"] for call in gce.writes(since)] == ["DELETE", "POST"]
    assert boot_source_image(gce, "tdx-fam") == newer.self_link

    since = gce.mark()
    again = gce.run([instance_task(recreate_on_image_update=True, **task)])
    assert again.status("create") == "ok", again.output
    assert again.result("create")["image_outdated"] is False and warnings_of(again.result("create")) == []
    assert gce.writes(since) == []


def test_another_image_than_the_boot_disks_is_a_difference_that_needs_recreate(gce):
    golden_source(gce)
    make_tdx_image(gce, "golden-1", "golden-src")
    gce.run([instance_task(name="tdx-switch", image=image_path(gce, "golden-1"))])
    since = gce.mark()
    refused = gce.run([instance_task(name="tdx-switch")])  # the default Ubuntu family
    assert refused.status("create") == "failed"
    message = refused.result("create")["msg"]
    assert ("image is %s, the task asks for projects/ubuntu-os-cloud/global/images/" % image_path(gce, "golden-1")
            in message), message
    assert "recreate: true" in message and "\n" not in message
    assert gce.writes(since) == []


def tdx_instance_without_its_disk(gce, name):
    """A TDX instance as the task would make it, whose boot disk resource is not there (nothing to read)."""
    return {
        "name": name, "zone": ZONE, "machineType": "c3-standard-4", "status": "RUNNING",
        "confidentialInstanceConfig": {"confidentialInstanceType": "TDX"},
        "scheduling": {"onHostMaintenance": "TERMINATE", "automaticRestart": True},
        "networkInterfaces": [{"network": "global/networks/default", "networkIP": "10.128.0.9",
                               "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "natIP": "203.0.113.9"}]}],
        "disks": [{"boot": True, "diskSizeGb": "10", "autoDelete": True,
                   "source": "https://www.googleapis.com/compute/v1/projects/%s/zones/%s/disks/%s" % (
                       gce.project, ZONE, name),
                   "licenses": [UBUNTU_LICENSE], "guestOsFeatures": [{"type": "TDX_CAPABLE"}]}],
        "shieldedInstanceConfig": {"enableSecureBoot": True, "enableVtpm": True, "enableIntegrityMonitoring": True},
    }


def test_an_unknown_boot_image_is_warned_about_and_never_recreated(gce):
    gce.admin.load_state({"instances": [tdx_instance_without_its_disk(gce, "tdx-diskless")]})
    for extra in ({"recreate": True}, {"recreate": True, "recreate_on_image_update": True}):
        run = gce.run([instance_task(name="tdx-diskless", image="debian-cloud/debian-12", **extra)])
        assert run.status("create") == "ok", run.output
        result = run.result("create")
        assert result["actions"] == [] and result["image_outdated"] is False
        assert any("instance tdx-diskless: the image its boot disk was made from is not known (its boot disk "
                   "tdx-diskless no longer exists)" in text for text in warnings_of(result)), result
    assert gce.writes() == []


def test_a_fleet_judges_each_entry_by_its_own_boot_disk(gce):
    golden_source(gce)
    make_tdx_image(gce, "golden-1", "golden-src")
    fleet = {"name": "fleet", "confidential.tdx.gce_instance": {
        "zone": ZONE, "image": family_path(gce),
        "instances": [{"name": "fl-1"}, {"name": "fl-2"}]}, "ignore_errors": True}
    assert gce.run([fleet]).status("fleet") == "changed"
    make_tdx_image(gce, "golden-2", "golden-src")

    since = gce.mark()
    run = gce.run([fleet], check=True, diff=True)
    reports = dict((report["name"], report) for report in run.result("fleet")["instances"])
    assert run.status("fleet") == "ok", run.output
    assert reports["fl-1"]["image_outdated"] is True and reports["fl-2"]["image_outdated"] is True
    assert reports["fl-1"]["diff"]["after"]["image"] == image_path(gce, "golden-1")
    assert sum("instance fl-" in text for text in warnings_of(run.result("fleet"))) == 2
    # Both boot disks are read with one list call, not one get each.
    disk_reads = [call for call in gce.calls(since) if "/disks" in call["path"]]
    assert [call["path"].rsplit("/", 1)[-1] for call in disk_reads] == ["disks"], disk_reads
    assert disk_reads[0]["query"]["filter"] == 'name eq "(fl-1|fl-2)"'

    fleet["confidential.tdx.gce_instance"]["instances"][1]["recreate_on_image_update"] = True
    run = gce.run([fleet])
    assert run.status("fleet") == "changed", run.output
    reports = dict((report["name"], report) for report in run.result("fleet")["instances"])
    assert reports["fl-1"]["actions"] == [] and reports["fl-1"]["image_outdated"] is True
    assert reports["fl-2"]["actions"] == ["delete from us-central1-a", "create in us-central1-a"]
    assert reports["fl-2"]["image_outdated"] is False
    assert [call["method"] for call in gce.writes(since)] == ["DELETE", "POST"]
    assert boot_source_image(gce, "fl-1").endswith("/golden-1")
    assert boot_source_image(gce, "fl-2").endswith("/golden-2")
