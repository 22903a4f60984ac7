# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read many hosts' SSH host keys with one ssh-keyscan per port, and give each host its own lines.

ssh-keyscan scans every host it is given in parallel, in one process; a
loop of one process per host took 4.4 s for 10 hosts in the verify role,
most of the role's time. The hosts are grouped by port (``-p`` applies to
every host of a process) and each output line is given back to the host
whose address and port it names: ``ADDRESS TYPE KEY`` on port 22,
``[ADDRESS]:PORT TYPE KEY`` on any other (ssh-keyscan writes them so).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DEFAULT_PORT = 22


class Target:
    """One host to scan: its inventory name, the address ssh connects to, and the port."""

    def __init__(self, name, address, port=DEFAULT_PORT):
        self.name = name
        self.address = address
        self.port = int(port)

    @property
    def label(self):
        """How ssh-keyscan names this address and port at the start of its lines."""
        if self.port == DEFAULT_PORT:
            return self.address.lower()
        return "[%s]:%d" % (self.address.lower(), self.port)


def commands(targets, timeout):
    """[(port, argv)]: one ssh-keyscan per port, each address once, in the order first seen."""
    by_port = {}
    for target in targets:
        addresses = by_port.setdefault(target.port, [])
        if target.address not in addresses:
            addresses.append(target.address)
    return [(port, ["ssh-keyscan", "-T", str(timeout), "-p", str(port)] + addresses)
            for port, addresses in sorted(by_port.items())]


def keys_by_host(targets, outputs):
    """{name: [key lines]} from the outputs ({port: stdout}); comments and other hosts' lines are left out.

    Hosts that share an address and port share its lines.
    """
    lines = {}
    for text in outputs.values():
        for line in text.splitlines():
            fields = line.split()
            if len(fields) < 3 or line.startswith("#"):
                continue
            lines.setdefault(fields[0].lower(), []).append(" ".join(fields))
    return dict((target.name, lines.get(target.label, [])) for target in targets)
