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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import os

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.os_errors import errno_name

DEFAULT_ACPI_TABLES_DIR = "/sys/firmware/acpi/tables"
TABLE_NAME = "CCEL"
DATA_NAME = os.path.join("data", "CCEL")


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
        found[key] = None if data is None else base64.b64encode(data).decode("ascii")
        if problem:
            reasons.append("no %s: %s" % (what, problem))
    if reasons and found["event_log"] is None:
        # Linux shows the CCEL files on TDX guests since 6.x; other guests have none.
        reasons.append("this guest's firmware or kernel shows no TDX event log")
    found["event_log_reason"] = "; ".join(reasons) or None
    return found
