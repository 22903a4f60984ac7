"""Unit-state diffs: only what differs is changed, and applying the change gives the wanted state."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.module_utils.harden.units import (
    ACTIVE_STATES,
    ENABLED_STATES,
    is_masked,
    unit_change,
    unit_changes,
)

LOAD_STATES = ("loaded", "masked", "not-found", "error")
ACTIVE = ("active", "inactive", "failed", "activating", "deactivating", "reloading")
FILE_STATES = ("enabled", "disabled", "masked", "static", "generated", "", "indirect", "enabled-runtime", "linked",
               "alias", "bad")
UNITS = st.fixed_dictionaries({"load_state": st.sampled_from(LOAD_STATES), "active_state": st.sampled_from(ACTIVE),
                               "unit_file_state": st.sampled_from(FILE_STATES)})
WANTED = st.sampled_from([{"masked": True, "state": "stopped"}, {"enabled": True, "state": "started"},
                          {"enabled": True}, {"masked": True}, {"state": "stopped"}])


def apply(unit, change):
    """What systemd_service does with the change (enabling a masked unit needs masked: false first)."""
    after = dict(unit)
    if change.get("masked") is True:
        after.update(load_state="masked", unit_file_state="masked")
    if change.get("masked") is False:
        after.update(load_state="loaded", unit_file_state="disabled")
    if change.get("enabled"):
        after["unit_file_state"] = "enabled"
    if change.get("state") == "started":
        after["active_state"] = "active"
    if change.get("state") == "stopped":
        after["active_state"] = "inactive"
    return after


def as_wanted(unit, wanted):
    if wanted.get("masked") and not is_masked(unit):
        return False
    if wanted.get("enabled") and (is_masked(unit) or unit["unit_file_state"] not in ENABLED_STATES):
        return False
    if wanted.get("state") == "started" and unit["active_state"] != "active":
        return False
    if wanted.get("state") == "stopped" and unit["active_state"] in ACTIVE_STATES:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(UNITS.filter(lambda unit: unit["load_state"] != "not-found"), WANTED)
def test_applying_the_change_yields_the_wanted_state_and_a_second_plan_is_empty(unit, wanted):
    change = unit_change(unit, wanted, checking=False)
    after = apply(unit, change)
    assert as_wanted(after, wanted)
    assert unit_change(after, wanted, checking=False) == {}


@settings(max_examples=200, deadline=None)
@given(UNITS, WANTED)
def test_a_unit_already_as_wanted_has_no_change(unit, wanted):
    if unit["load_state"] != "not-found" and as_wanted(unit, wanted):
        assert unit_change(unit, wanted, checking=False) == {}


def test_a_unit_that_is_not_installed_is_left_alone_unless_a_control_needs_it():
    missing = {"load_state": "not-found"}
    assert unit_change(missing, {"masked": True, "state": "stopped"}, checking=False) == {}
    assert unit_change(missing, {"enabled": True, "state": "started"}, checking=False) == {"enabled": True,
                                                                                           "state": "started"}
    assert unit_change(missing, {"enabled": True}, checking=True) == {}


def test_changes_carry_the_name_and_skip_units_as_wanted():
    units = {"a.service": {"load_state": "loaded", "active_state": "active", "unit_file_state": "enabled"},
             "b.service": {"load_state": "masked", "active_state": "inactive", "unit_file_state": "masked"}}
    wanted = {"a.service": {"enabled": True, "state": "started"}, "b.service": {"enabled": True, "state": "started"},
              "c.service": {"masked": True}}
    assert unit_changes(wanted, units, checking=False) == [
        {"masked": False, "enabled": True, "state": "started", "name": "b.service"}]
