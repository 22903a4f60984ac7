# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one exception the event-log reader raises, whatever bytes it is given."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class EventLogRefused(ValueError):
    """The event log is refused: malformed, lying about its data, or not the quote's.

    The message is one line that says what is wrong and where: the record
    number (0 is the Spec ID header), its byte offset, its type and register,
    and the values that disagree, so callers pass it on unchanged. ``record``
    and ``offset`` are set when one record is at fault; ``registers`` names
    the RTMRs the log does not reproduce (``["RTMR0", ...]``) when the replay
    is what failed.
    """

    def __init__(self, message, record=None, offset=None, registers=()):
        super(EventLogRefused, self).__init__(message)
        self.record = record
        self.offset = offset
        self.registers = list(registers)


def place(record, offset, type_name=None, register=None):
    """Where a refusal points: ``record 12 at offset 18568 (EV_IPL, RTMR2)``."""
    text = "record %d at offset %d" % (record, offset)
    if type_name is None:
        return text
    return "%s (%s, %s)" % (text, type_name, register or "not extended")
