"""Host names, interface names and link-local subnets."""

import pytest
from hypothesis import given, strategies as st

from testhosts import addressing, settings
from testhosts.errors import TesthostsError

VALID_NAMES = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")


@pytest.mark.parametrize("name", ["", "Harden1", "web_1", "-a", "a-", "a.b", "x" * 64, None])
def test_a_name_that_cannot_be_a_hostname_is_refused(name):
    with pytest.raises(TesthostsError, match="host name .* is not valid"):
        addressing.validate_name(name)


def test_a_short_name_stays_the_machine_name():
    assert addressing.machine_name("harden-c1") == "harden-c1"
    assert addressing.veth_name("harden-c1") == "ve-harden-c1"


def test_a_long_name_becomes_a_stable_hash_that_fits_an_interface_name():
    long_name = "verify-non-tdx-host-1"
    machine = addressing.machine_name(long_name)
    assert machine == addressing.machine_name(long_name)
    assert machine.startswith(settings.MACHINE_HASH_PREFIX)
    assert len(addressing.veth_name(machine)) == settings.IFNAMSIZ_MAX
    assert machine != addressing.machine_name("verify-non-tdx-host-2")


@given(VALID_NAMES)
def test_every_valid_name_gives_an_interface_name_linux_accepts(name):
    veth = addressing.veth_name(addressing.machine_name(name))
    assert len(veth) <= settings.IFNAMSIZ_MAX
    assert "/" not in veth and " " not in veth


def test_subnets_are_the_first_free_ones():
    assert addressing.free_subnets(3, used={1, 3}) == [2, 4, 5]


def test_subnets_continue_after_the_last_one_handed_out_and_wrap_around():
    assert addressing.free_subnets(2, used={6}, after=4) == [5, 7]
    assert addressing.free_subnets(3, used={1}, after=253) == [254, 2, 3]


def test_the_metadata_subnet_is_never_used():
    used = set(range(1, 169))
    assert addressing.free_subnets(2, used) == [170, 171]
    assert addressing.free_subnets(1, set(), after=168) == [170]


def test_running_out_of_subnets_says_how_to_recover():
    used = set(range(1, 255))
    with pytest.raises(TesthostsError, match="testhosts down --all"):
        addressing.free_subnets(1, used)


def test_host_and_guest_sides_share_the_subnet():
    assert addressing.host_side_address(7) == "169.254.7.1"
    assert addressing.guest_address(7) == "169.254.7.2"
    assert addressing.with_prefix("169.254.7.2") == "169.254.7.2/24"


def test_link_local_subnets_already_on_the_machine_are_found():
    output = (
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n"
        "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n"
        "9: ve-a    inet 169.254.12.1/24 scope global ve-a\n"
        "10: other    inet 169.254.200.7/16 scope link other\n"
    )
    assert addressing.subnets_in_use_on_machine(output) == {12, 200}


def test_the_guest_network_file_gives_host0_its_static_address():
    text = addressing.networkd_config("169.254.4.2")
    assert "Name=host0" in text
    assert "Address=169.254.4.2/24" in text
