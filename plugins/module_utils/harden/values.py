# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the harden plan reads role values: as Ansible's ``bool`` and ``string`` filters do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean


def truth(value):
    """A switch as the role's ``| bool`` read it: yes/on/true/1 (any case) or a true boolean."""
    return boolean(value, strict=False)


def text(value):
    """A value as the role's ``| string`` wrote it (an integer 2 is "2", a boolean True is "True")."""
    return value if isinstance(value, str) else str(value)


def one_line(value):
    return "\n" not in text(value)


def unique(items):
    """The items in their first order, each once (Ansible's ``unique`` filter)."""
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
