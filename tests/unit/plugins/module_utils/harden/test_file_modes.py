"""File permissions: a listed mode is the most a file may allow."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.module_utils.harden.file_modes import (
    extra_bits,
    file_fix,
    file_fixes,
    four_digits,
)

MODES = st.integers(min_value=0, max_value=0o7777).map(lambda mode: "%04o" % mode)
LISTED = st.integers(min_value=0, max_value=0o777).flatmap(
    lambda mode: st.sampled_from(["%04o" % mode, "%03o" % mode]))


def entry(mode, owner="root", group="root"):
    return {"path": "/etc/x", "owner": owner, "group": group, "mode": mode}


def host(mode, owner="root", group="root", kind="file"):
    return {"exists": True, "type": kind, "mode": mode, "owner": owner, "group": group}


@settings(max_examples=400, deadline=None)
@given(MODES, LISTED)
def test_the_planned_mode_never_allows_more_than_listed_and_is_only_planned_when_needed(current, listed):
    fix = file_fix(entry(listed), host(current))
    allowed = int(four_digits(listed), 8)
    if fix is None:
        assert int(current, 8) & ~allowed == 0
    else:
        assert int(current, 8) & ~allowed != 0
        assert int(fix["mode"], 8) & ~allowed == 0
        assert file_fix(entry(listed), host(fix["mode"])) is None


@settings(max_examples=200, deadline=None)
@given(MODES, MODES)
def test_extra_bits_are_the_bits_only_the_current_mode_has(current, allowed):
    bits = extra_bits(current, allowed)
    assert bits & int(allowed, 8) == 0 and bits | int(current, 8) == int(current, 8)


def test_owner_or_group_alone_is_fixed_and_links_and_missing_files_are_left():
    assert file_fix(entry("0640", group="shadow"), host("0640")) == {"path": "/etc/x", "owner": "root",
                                                                     "group": "shadow", "mode": "0640"}
    assert file_fix(entry("0600"), host("0777", kind="link")) is None
    assert file_fix(entry("0600"), {"exists": False}) is None
    assert file_fix(entry("0644"), host("0600")) is None
    assert file_fixes([entry("0600"), dict(entry("0600"), path="/etc/y")],
                      {"/etc/x": host("4600"), "/etc/z": host("0777")}) == [
        {"path": "/etc/x", "owner": "root", "group": "root", "mode": "0600"}]
    assert four_digits("644") == "0644" and four_digits("0640") == "0640"
