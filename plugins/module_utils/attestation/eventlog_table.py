# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CCEL ACPI table (``/sys/firmware/acpi/tables/CCEL``): which TEE wrote the log, and its area.

ACPI 6.5, 5.2.34: the standard 36-byte header (signature ``CCEL``, length,
revision, checksum, OEM ids), then the CC type (2 for Intel TDX), its
subtype, two reserved bytes, the log area's minimum length (LAML) and its
start address (LASA). Linux shows the area itself, LAML bytes, as
``/sys/firmware/acpi/tables/data/CCEL``. Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_spec as spec
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import EventLogRefused


def parse_ccel_table(table):
    """The fields of a CCEL table; EventLogRefused when it is not a well-formed TDX one."""
    if not isinstance(table, (bytes, bytearray, memoryview)):
        raise EventLogRefused("the CCEL table must be bytes, got %s" % type(table).__name__)
    table = bytes(table)
    if len(table) < spec.CCEL_TABLE_SIZE:
        raise EventLogRefused("the CCEL table is %d bytes; it has %d" % (len(table), spec.CCEL_TABLE_SIZE))
    if table[:4] != spec.CCEL_SIGNATURE:
        raise EventLogRefused("the CCEL table's signature is %r, not %r" % (table[:4], spec.CCEL_SIGNATURE))
    length = struct.unpack_from("<I", table, 4)[0]
    if length != len(table):
        raise EventLogRefused("the CCEL table says it is %d bytes, %d were given" % (length, len(table)))
    if sum(table) % 256:
        raise EventLogRefused("the CCEL table's checksum does not add up (its bytes sum to 0x%02x modulo 256, not 0)"
                              % (sum(table) % 256))
    cc_type, cc_subtype = table[36], table[37]
    if cc_type != spec.CC_TYPE_TDX:
        raise EventLogRefused("the CCEL table is of CC type %d (%s), not %d (Intel TDX)"
                              % (cc_type, spec.CC_TYPES.get(cc_type, "unknown"), spec.CC_TYPE_TDX))
    area_length, area_start = struct.unpack_from("<QQ", table, 40)
    return {
        "revision": table[8],
        "oem_id": table[10:16].decode("ascii", "replace").rstrip(),
        "oem_table_id": table[16:24].decode("ascii", "replace").rstrip(),
        "cc_type": cc_type,
        "cc_subtype": cc_subtype,
        "log_area_minimum_length": area_length,
        "log_area_start_address": area_start,
    }


def check_log_area(table_fields, log_size):
    """Refuse a log longer than the area the table gives it (the guest may send less: the fill left out)."""
    area = table_fields["log_area_minimum_length"]
    if log_size > area:
        raise EventLogRefused("the event log is %d bytes, longer than the %d-byte area its CCEL table gives it"
                              % (log_size, area))
