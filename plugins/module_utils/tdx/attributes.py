# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TD ATTRIBUTES bits, as data.

Names follow Linux arch/x86/include/asm/shared/tdx.h (and the names its
arch/x86/coco/tdx/debug.c prints in the ``tdx: Attributes:`` boot line), so
the decoder's list and the kernel's line can be compared word for word.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# bit -> name
TD_ATTRIBUTE_BITS = {
    0: "DEBUG",
    4: "HGS_PLUS_PROF",
    5: "PERF_PROF",
    6: "PMT_PROF",
    16: "ICSSD",
    27: "LASS",
    28: "SEPT_VE_DISABLE",
    29: "MIGRATABLE",
    30: "PKS",
    31: "KL",
    62: "TPA",
    63: "PERFMON",
}

# Some kernels print bit 29 under another spelling.
KERNEL_ATTRIBUTE_ALIASES = {"MIGRTABLE": "MIGRATABLE"}

DEBUG = "DEBUG"
SEPT_VE_DISABLE = "SEPT_VE_DISABLE"

# A bit the table does not know is named after its number, so a new bit is
# shown rather than dropped.
UNKNOWN_BIT_NAME = "BIT%d"


def attribute_names(value):
    """Names of the bits set in the u64 ``value``, lowest bit first."""
    names = []
    for bit in range(64):
        if value >> bit & 1:
            names.append(TD_ATTRIBUTE_BITS.get(bit, UNKNOWN_BIT_NAME % bit))
    return names


def attribute_mask(name):
    """The u64 with only the bit called ``name`` set."""
    for bit, known in TD_ATTRIBUTE_BITS.items():
        if known == name:
            return 1 << bit
    raise KeyError(name)
