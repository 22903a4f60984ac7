"""Package list parsing and the cache keys built from it."""

import pytest

from testhosts import settings
from testhosts.errors import TesthostsError
from testhosts.packages import cache_key, parse_package_list, read_package_list


def test_comments_blank_lines_and_duplicates_are_ignored():
    text = "# why\nsystemd\n\nopenssh-server  # inline comment\nsystemd\n  python3  \n"
    assert parse_package_list(text) == ["openssh-server", "python3", "systemd"]


@pytest.mark.parametrize("line", ["Systemd", "foo bar", "-x", "a", "pkg=1.0", "pkg/bookworm"])
def test_a_line_that_is_not_a_package_name_is_refused_with_its_line_number(line):
    with pytest.raises(TesthostsError, match=r"packages.txt line 2: .* is not a Debian package name"):
        parse_package_list("systemd\n%s\n" % line)


def test_an_empty_list_is_refused():
    with pytest.raises(TesthostsError, match="lists no packages"):
        parse_package_list("# nothing\n\n")


def test_a_missing_list_file_names_the_file(tmp_path):
    with pytest.raises(TesthostsError, match="package list .*nope.txt is missing"):
        read_package_list(str(tmp_path / "nope.txt"))


def test_the_shipped_lists_parse_and_hold_what_a_test_host_needs():
    base = read_package_list(settings.PACKAGES_FILE)
    for needed in ("systemd", "systemd-sysv", "openssh-server", "sudo", "python3"):
        assert needed in base
    assert "linux-image-amd64" in read_package_list(settings.VM_PACKAGES_FILE)


def _key(**changes):
    arguments = dict(kind="base", recipe=1, suite="bookworm", packages=["a1", "b2"], extra=None)
    arguments.update(changes)
    return cache_key(**arguments)


def test_the_cache_key_ignores_order_and_duplicates():
    assert _key(packages=["a1", "b2"]) == _key(packages=["b2", "a1", "a1"])


@pytest.mark.parametrize("change", [
    {"packages": ["a1", "b2", "auditd"]},
    {"recipe": 2},
    {"suite": "trixie"},
    {"kind": "vm"},
    {"extra": {"authorized_key": "ssh-ed25519 AAAA other"}},
])
def test_the_cache_key_changes_with_whatever_changes_the_build(change):
    assert _key(**change) != _key()


def test_the_cache_key_is_a_short_hex_name():
    key = _key()
    assert len(key) == 16
    int(key, 16)
