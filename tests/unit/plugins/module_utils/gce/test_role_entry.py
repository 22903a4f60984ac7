"""The provision role's check of one instance entry (module_utils/_gce_instance/role_entry.py)."""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance import options, role_entry

DEFAULTS = {"zone": "us-central1-a", "machine_type": "c3-standard-4", "labels": {"team": "a", "env": "dev"}}


def test_the_options_an_entry_may_set_are_gce_instances_less_what_the_role_sets():
    assert set(role_entry.ENTRY_OPTIONS) == set(options.INSTANCE_OPTIONS) - {"state"}
    assert "state" not in role_entry.ENTRY_OPTIONS


def test_an_entry_merges_over_the_defaults_labels_key_by_key():
    merged = role_entry.merged_entry({"name": "web-1", "labels": {"env": "prod"}}, DEFAULTS)
    assert merged == {"name": "web-1", "zone": "us-central1-a", "machine_type": "c3-standard-4",
                      "labels": {"team": "a", "env": "prod"}}
    assert DEFAULTS["labels"] == {"team": "a", "env": "dev"}  # the defaults are not changed


def test_an_entry_that_places_itself_drops_both_placements_of_the_defaults():
    merged = role_entry.merged_entry({"zones": ["europe-west4-a", "europe-west4-b"]}, dict(DEFAULTS, zones=["x"]))
    assert merged["zones"] == ["europe-west4-a", "europe-west4-b"]
    assert "zone" not in merged


def test_an_unplaced_entry_takes_the_zone_the_inventory_found():
    merged = role_entry.merged_entry({"name": "web-1"}, {"machine_type": "c3-standard-4"}, "asia-southeast1-b")
    assert merged["zone"] == "asia-southeast1-b"
    assert role_entry.merged_entry({"name": "web-1"}, DEFAULTS, "asia-southeast1-b")["zone"] == "us-central1-a"
    assert "zone" not in role_entry.merged_entry({"name": "web-1"}, {}, "")


def test_problems_name_unknown_options_and_list_the_known_ones():
    problems = role_entry.entry_problems({"zone": "us-central1-a", "machine-type": "c3-standard-4"})
    assert problems == ["unknown option(s) machine-type; use the options of confidential.tdx.gce_instance: "
                        + ", ".join(role_entry.ENTRY_OPTIONS)]
    assert role_entry.entry_problems({"zone": "us-central1-a", "state": "absent"})[0].startswith(
        "unknown option(s) state;")


def test_problems_of_placement():
    assert role_entry.entry_problems({"name": "a"}) == [
        "no zone: set zone or zones in its entry or in provision_instance_defaults"]
    assert role_entry.entry_problems({"zone": "a", "zones": ["b"]}) == ["zone and zones are both set; give one"]
    assert role_entry.entry_problems({"zone": "us-central1-a"}) == []


def test_checked_entry_gives_both():
    assert role_entry.checked_entry({"name": "a"}, DEFAULTS) == {
        "merged": dict(DEFAULTS, name="a"), "problems": []}
