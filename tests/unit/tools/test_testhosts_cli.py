"""Foreseeable mistakes end in one line naming the fix, and change nothing."""

import os

import pytest

from testhosts import cli


@pytest.fixture(autouse=True)
def private_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("TESTHOSTS_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("TESTHOSTS_CACHE", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize("argv, message", [
    (["down"], "down needs host names or --all"),
    (["down", "--all", "h1"], "down needs host names or --all"),
    (["up", "Bad_Name", "--inventory", "inv.yml"], "host name 'Bad_Name' is not valid"),
    (["up", "h1", "h1", "--inventory", "inv.yml"], "a host name is given twice"),
    (["vm-down", "no_such"], "host name 'no_such' is not valid"),
])
def test_a_mistake_gives_one_line_and_touches_nothing(argv, message, capsys, private_paths):
    if os.geteuid() != 0 and argv[0] != "down":
        message = "must run as root"
    assert cli.main(argv) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("testhosts: error: ")
    assert message in error
    assert not (private_paths / "state").exists()
    assert not (private_paths / "cache").exists()


def test_listing_nothing_says_so(capsys):
    assert cli.main(["list"]) == 0
    assert capsys.readouterr().out == "no test hosts\n"
