"""gce_instance_template's decisions without I/O: the properties, the spec hash, the name, the checks."""

import copy

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_template import properties as tp
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_template.options import ARGUMENT_SPEC

IMAGE = "https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250128"


def params(**changes):
    """The parsed options of a task: each option's default, then the changes."""
    values = dict((name, copy.deepcopy(spec.get("default"))) for name, spec in ARGUMENT_SPEC.items())
    values.update(name="web-tdx")
    values.update(changes)
    return values


def test_the_properties_are_a_tdx_vm_with_zone_free_references():
    properties = tp.template_properties(params(labels={"app": "web"}), "p", IMAGE)
    assert properties["machineType"] == "c3-standard-4"
    assert properties["confidentialInstanceConfig"] == {"confidentialInstanceType": "TDX"}
    assert properties["scheduling"]["onHostMaintenance"] == "TERMINATE"
    boot = properties["disks"][0]
    assert boot["initializeParams"] == {"sourceImage": IMAGE, "diskType": "pd-balanced"}
    assert "diskName" not in str(properties) and "zones/" not in str(properties)
    assert properties["labels"] == {"app": "web"}


def test_equal_specs_hash_equal_and_any_change_changes_the_name():
    one = tp.template_properties(params(), "p", IMAGE)
    same = tp.template_properties(params(), "p", IMAGE)
    assert tp.spec_hash(one) == tp.spec_hash(same)
    other = tp.template_properties(params(boot_disk_size_gb=20), "p", IMAGE)
    assert tp.template_name(params(), tp.spec_hash(one)) != tp.template_name(params(), tp.spec_hash(other))
    assert tp.spec_hash(one, "a description") != tp.spec_hash(one)
    assert tp.template_name(params(name_suffix="none"), tp.spec_hash(one)) == "web-tdx"


def test_the_description_records_the_hash_and_keeps_the_users_text():
    digest = tp.spec_hash({})
    assert tp.recorded_hash({"description": tp.template_description(params(description="web"), digest)}) == digest
    assert tp.template_description(params(description="web"), digest).startswith("web (")
    assert tp.recorded_hash({"description": "made by hand"}) is None


def test_the_family_filter_takes_the_name_and_its_hashed_names():
    assert tp.family_filter(params()) == 'name eq "web-tdx(-[0-9a-f]{8})?"'


def test_problems_name_the_option():
    assert tp.problems(params()) == []
    assert tp.problems(params(name="x" * 55))[0].startswith("name: ")
    assert tp.problems(params(name="x" * 55, name_suffix="none")) == []
    assert tp.problems(params(subnetwork="web", region="europe-west4")) == []
    assert tp.problems(params(subnetwork="projects/p/regions/europe-west4/subnetworks/web")) == []
    refused = tp.problems(params(on_host_maintenance="MIGRATE", state="absent"))
    assert refused == []  # deleting needs no VM options
