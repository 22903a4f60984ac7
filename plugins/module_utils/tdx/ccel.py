# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read the guest's TDX event log (the CCEL ACPI table and its log area), for the controller to replay.

Linux shows the table as ``/sys/firmware/acpi/tables/CCEL`` and the log
area as ``/sys/firmware/acpi/tables/data/CCEL`` (both readable by root
only). The guest only reads the bytes: the controller parses and replays
them (attestation/eventlog.py), since nothing the guest says about its own
log can be trusted. A missing or unreadable log is not an error here: the
quote is still evidence, and the controller's policy decides whether it needs
the log. Standard library only (runs on the guest's Python 3.8+).

The log area is sized by the firmware, not by the log: Google Cloud's is
256 KiB with about 20 KiB of records, the rest fill (0xFF). Only the
records are sent, when everything after them is fill of one byte value:
the fill measures nothing, the controller reads a log that ends with its
data as it reads one that ends in fill, and its table check allows a log
shorter than the area. Anything else after the records (or records this
walk cannot follow) is sent whole, for the controller to judge.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import os
import struct

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.os_errors import errno_name

DEFAULT_ACPI_TABLES_DIR = "/sys/firmware/acpi/tables"
TABLE_NAME = "CCEL"
DATA_NAME = os.path.join("data", "CCEL")

# TCG PC Client Platform Firmware Profile: the Spec ID header is a TCG_PCR_EVENT (PCR 4, type 4, SHA-1 digest 20,
# data size 4, data); each record after it a TCG_PCR_EVENT2 (MR index 4, type 4, digest count 4, then per digest
# its algorithm 2 and the digest, data size 4, data). A TDX log has one SHA-384 digest (algorithm 0x000C) each.
_HEADER_DATA_SIZE_AT = 28
_RECORD = struct.Struct("<IIIH")
_SHA384 = 0x000C
_SHA384_SIZE = 48
_END_MARKERS = ((0xFFFFFFFF, 0xFFFFFFFF), (0, 0))


def _records_end(raw):
    """The offset where the log's last record ends, or None when the walk cannot follow it (the controller will)."""
    if len(raw) < _HEADER_DATA_SIZE_AT + 4:
        return None
    offset = _HEADER_DATA_SIZE_AT + 4 + struct.unpack_from("<I", raw, _HEADER_DATA_SIZE_AT)[0]
    while offset + _RECORD.size <= len(raw):
        mr_index, event_type, count, algorithm = _RECORD.unpack_from(raw, offset)
        if (mr_index, event_type) in _END_MARKERS:
            return offset
        size_at = offset + _RECORD.size + _SHA384_SIZE
        if count != 1 or algorithm != _SHA384 or size_at + 4 > len(raw):
            return None
        offset = size_at + 4 + struct.unpack_from("<I", raw, size_at)[0]
    return offset if offset <= len(raw) else None


def without_fill(raw):
    """``raw`` up to the end of its last record when only fill of one byte value follows, else ``raw``."""
    end = _records_end(raw)
    if end is None or end == len(raw):
        return raw
    rest = raw[end:]
    return raw[:end] if rest.count(rest[:1]) == len(rest) and rest[:1] in (b"\xff", b"\x00") else raw


def _read(path):
    """(bytes, None) or (None, why not) for one file."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), None
    except OSError as exc:
        if exc.errno is not None and not os.path.exists(path):
            return None, "%s does not exist" % path
        return None, "%s cannot be read (%s%s)" % (path, errno_name(exc),
                                                   ": run the task with become" if exc.errno == errno.EACCES else "")


def read_event_log(tables_dir=DEFAULT_ACPI_TABLES_DIR):
    """{event_log, event_log_table, event_log_reason}: base64 of the log area and table, None with the reason."""
    found = {}
    reasons = []
    for key, name, what in (("event_log", DATA_NAME, "CCEL event log"),
                            ("event_log_table", TABLE_NAME, "CCEL table")):
        data, problem = _read(os.path.join(tables_dir, name))
        if data is not None and not data:
            data, problem = None, "%s is empty" % os.path.join(tables_dir, name)
        elif data is not None and key == "event_log":
            data = without_fill(data)
        found[key] = None if data is None else base64.b64encode(data).decode("ascii")
        if problem:
            reasons.append("no %s: %s" % (what, problem))
    if reasons and found["event_log"] is None:
        # Linux shows the CCEL files on TDX guests since 6.x; other guests have none.
        reasons.append("this guest's firmware or kernel shows no TDX event log")
    found["event_log_reason"] = "; ".join(reasons) or None
    return found
