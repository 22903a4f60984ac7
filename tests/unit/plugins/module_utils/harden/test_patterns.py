"""sshd user patterns: * and ? only, whole name, as sshd's match_pattern reads them."""

import fnmatch

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.module_utils.harden import patterns

NAME_CHARS = st.sampled_from(list("abt.-_[]\\^$+()|{}\n") + ["é"])
NAMES = st.text(NAME_CHARS, max_size=8)
PATTERNS = st.text(st.one_of(NAME_CHARS, st.sampled_from("*?")), max_size=8)


def sshd_match(name, pattern):
    """sshd's match_pattern (match.c), recursively: the reference the regular expression is held to."""
    if not pattern:
        return not name
    if pattern[0] == "*":
        return any(sshd_match(name[index:], pattern[1:]) for index in range(len(name) + 1))
    if not name:
        return False
    if pattern[0] == "?" or pattern[0] == name[0]:
        return sshd_match(name[1:], pattern[1:])
    return False


@settings(max_examples=400, deadline=None)
@given(NAMES, PATTERNS)
def test_the_regex_agrees_with_sshd_matching(name, pattern):
    assert patterns.matches(pattern, name) == sshd_match(name, pattern)


@settings(max_examples=200, deadline=None)
@given(NAMES.filter(lambda name: "[" not in name), PATTERNS.filter(lambda pattern: "[" not in pattern))
def test_without_brackets_it_agrees_with_fnmatch(name, pattern):
    assert patterns.matches(pattern, name) == fnmatch.fnmatchcase(name, pattern)


def test_brackets_are_literal_for_sshd_unlike_fnmatch():
    assert not patterns.matches("[ab]", "a") and patterns.matches("[ab]", "[ab]")


def test_examples():
    assert patterns.matches("te*", "tester") and patterns.matches("t?ster", "tester")
    assert not patterns.matches("te", "tester") and not patterns.matches("tester", "tester2")
    assert patterns.user_part("admin@10.0.0.*") == "admin" and patterns.user_part("admin") == "admin"


def test_host_parts_match_the_address_by_pattern_or_cidr_block():
    assert patterns.host_part("ann@10.0.0.*") == "10.0.0.*" and patterns.host_part("ann") is None
    assert patterns.host_matches("10.0.0.*", "10.0.0.7")
    assert patterns.host_matches("10.0.0.0/8", "10.200.1.1")
    assert patterns.host_matches("fd00::/8", "fd12::1")
    assert not patterns.host_matches("10.0.0.0/8", "192.168.1.1")
    assert not patterns.host_matches("10.0.0.0/8", "fd12::1")
    assert not patterns.host_matches("not/a-block", "10.0.0.1")
    assert not patterns.host_matches("!10.0.0.2", "10.0.0.1")
    assert not patterns.host_matches("", "10.0.0.1")
