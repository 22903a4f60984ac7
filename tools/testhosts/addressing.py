"""Names and addresses of the containers (pure logic)."""

import hashlib
import re

from . import settings
from .errors import TesthostsError

# A host name doubles as hostname and machine name: RFC 1123 label, lower case.
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def validate_name(name):
    if not _HOST_NAME.match(name or ""):
        raise TesthostsError(
            "host name %r is not valid; use 1-63 lower-case letters, digits and inner hyphens (e.g. harden-c1)"
            % name
        )
    return name


def machine_name(name):
    """The systemd-nspawn machine name for host ``name``.

    nspawn names the host end of the veth ``ve-<machine>`` and interface
    names stop at 15 characters, so a long host name is replaced by a stable
    hash of it; short names stay readable.
    """
    validate_name(name)
    if len(settings.VETH_PREFIX) + len(name) <= settings.IFNAMSIZ_MAX:
        return name
    room = settings.IFNAMSIZ_MAX - len(settings.VETH_PREFIX) - len(settings.MACHINE_HASH_PREFIX)
    return settings.MACHINE_HASH_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:room]


def veth_name(machine):
    return settings.VETH_PREFIX + machine


def free_subnets(count, used, after=0):
    """``count`` subnet numbers N (of 169.254.N.0/24) not in ``used``, the first ones after ``after``.

    Handing out numbers round-robin instead of lowest-first keeps a
    just-removed host's address unused for a while, so nothing cached for it
    (an SSH control master, an ARP entry) meets a new host there.
    """
    span = list(range(settings.SUBNET_FIRST, settings.SUBNET_LAST + 1))
    start = next((index for index, number in enumerate(span) if number > after), 0)
    chosen = []
    for number in span[start:] + span[:start]:
        if len(chosen) == count:
            break
        if number in used or number in settings.SUBNET_RESERVED:
            continue
        chosen.append(number)
    if len(chosen) < count:
        raise TesthostsError(
            "no free 169.254.N.0/24 subnet left for %d more host(s); run `testhosts down --all`" % count
        )
    return chosen


def host_side_address(subnet):
    return "%s.%d.%d" % (settings.LINK_LOCAL_PREFIX, subnet, settings.HOST_SIDE_OCTET)


def guest_address(subnet):
    return "%s.%d.%d" % (settings.LINK_LOCAL_PREFIX, subnet, settings.GUEST_SIDE_OCTET)


def with_prefix(address):
    return "%s/%d" % (address, settings.PREFIX_LENGTH)


def subnets_in_use_on_machine(ip_addr_output):
    """Subnet numbers that already carry a 169.254.N.x address here (``ip -4 -o addr`` output).

    Another tool, or a crashed run whose state is gone, may hold one; using
    it again would give two routes to the same subnet.
    """
    used = set()
    pattern = re.compile(r"\binet %s\.(\d+)\.\d+/" % re.escape(settings.LINK_LOCAL_PREFIX))
    for match in pattern.finditer(ip_addr_output):
        used.add(int(match.group(1)))
    return used


def networkd_config(address):
    """systemd-networkd file for the container's end of the veth (``host0``)."""
    return (
        "[Match]\n"
        "Name=host0\n"
        "\n"
        "[Network]\n"
        "Address=%s\n"
        "LinkLocalAddressing=ipv6\n"
        "IPv6AcceptRA=no\n"
    ) % with_prefix(address)
