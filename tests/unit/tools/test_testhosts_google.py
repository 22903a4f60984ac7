"""The google variant's cache key and the command line that asks for it (pure logic)."""

import pytest

from testhosts import base, cli, google
from testhosts.packages import read_package_list
from testhosts import settings


def test_the_variant_has_its_own_key_which_follows_the_base():
    base_packages = read_package_list(settings.PACKAGES_FILE)
    packages = google.variant_packages()
    assert {"google-guest-agent", "google-compute-engine-oslogin"} <= set(packages)
    key = google.image_key(base_packages, packages)
    assert key != base.base_key(base_packages)
    assert google.image_key(base_packages + ["curl"], packages) != key
    assert google.image_key(base_packages, packages + ["curl"]) != key
    assert google.image_key(list(reversed(base_packages)), packages) == key


def test_up_takes_the_google_variant_and_refuses_others(capsys):
    args = cli.build_parser().parse_args(["up", "h1", "--inventory", "i.yml", "--variant", "google"])
    assert args.variant == "google"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["up", "h1", "--inventory", "i.yml", "--variant", "ubuntu"])
    assert "invalid choice" in capsys.readouterr().err
