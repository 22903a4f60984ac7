# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read a TDX event log (the CCEL data), replay it into RTMR0-3, refuse one that lies.

The guest's firmware, bootloader and kernel extend SHA-384 digests into
RTMR0-3 and log each extend in a TCG2 crypto-agile event log, which the
guest shows as ``/sys/firmware/acpi/tables/data/CCEL``. A quote signs the
RTMRs; the log says what went into them. :func:`verify_event_log` accepts a
log only when

- it is well formed: the Spec ID header first, listing SHA-384 alone; then
  records with one SHA-384 digest each and MR index 1-4 (RTMR0-3), or any of
  0-4 on ``EV_NO_ACTION`` records, which are never extended; up to the first
  end marker (MR index and type both all ones, or both zero), the end of
  the data, or a few bytes of fill;
- every event whose digest covers its text matches it (eventlog_events.py),
  so no text is shown as measured unless it was;
- replaying the extends, ``RTMR[i] = SHA-384(RTMR[i] || digest)`` from 48
  zero bytes, gives the RTMRs of the quote (the registers that differ are
  named).

Anything else raises :class:`EventLogRefused`, one line naming the record,
its offset, type and register; whatever bytes it is given, nothing else
escapes. Standard library only.

Written here because no maintained Python library reads these logs as a
verifier must. Tried (``pip download``, read, not installed):

- ``evidence-api`` 0.5.0 (cc-api, last release July 2024) and
  ``cctrusted-base`` 0.5.0, the same parser under its earlier name: it
  stops only at an MR index of 0xFFFFFFFF, so a zero-filled area is read as
  empty records until it fails; it keeps the Spec ID header in a class
  attribute shared by every parser in the process; bad input escapes as
  ValueError, struct.error or IndexError; it replays whatever algorithms it
  finds, checks no event's data against its digest and names no event.
- ``keylime`` 7.14.3: its measured-boot parser runs tpm2-tools'
  ``tpm2_eventlog`` binary in a subprocess and reads its YAML, for TPM
  PCRs; a whole attestation service, not a library for RTMRs.
- ``cert-uefi-parser`` 1.0.8 (CERT/CC): a firmware-image forensics toolkit
  on construct, pefile, asn1crypto and uswid; its TPM log reader checks
  SHA-1 and SHA-256 digests only and knows no CC measurement registers.

The maintained readers are in Go (google/go-eventlog, used by
go-tdx-guest's ``rtmr`` package) and Rust (trustee's ``eventlog``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import struct

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_spec as spec
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_table
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import (
    EventLogRefused,
    place,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_events import describe_events

__all__ = ["EventLogRefused", "Event", "EventLog", "parse_event_log", "verify_event_log", "event_log_from_base64"]

ALL_RTMRS = (0, 1, 2, 3)
ZERO_RTMR = bytes(spec.SHA384_SIZE)
_U32 = struct.Struct("<I")
_RECORD_HEAD = struct.Struct("<III")
_RECORD_START = struct.Struct("<IIIH")  # MR index, type, digest count, the first digest's algorithm
_ALGORITHM = struct.Struct("<H")
_RECORD_HEADER_SIZE = spec.RECORD_FIXED_SIZE + spec.DIGEST_ENTRY_SIZE + spec.DATA_SIZE_FIELD


class Event:
    """One record of the log, as read and named.

    ``register`` is the RTMR number (0-3) it was extended into, None when it
    was not extended; ``measured`` is true only when its digest was checked
    to be the SHA-384 of what ``text`` shows (``covers`` says of what).
    """

    __slots__ = ("record", "offset", "mr_index", "event_type", "digest", "data", "register",
                 "name", "text", "measured", "covers", "details")

    def __init__(self, record, offset, mr_index, event_type, digest, data, register):
        self.record = record
        self.offset = offset
        self.mr_index = mr_index
        self.event_type = event_type
        self.digest = digest
        self.data = data
        self.register = register
        self.name = None
        self.text = None
        self.measured = False
        self.covers = None
        self.details = {}

    @property
    def type_name(self):
        return spec.EVENT_TYPE_NAMES.get(self.event_type, "0x%08x" % self.event_type)

    @property
    def register_name(self):
        return None if self.register is None else "RTMR%d" % self.register

    @property
    def extended(self):
        return self.register is not None

    def to_dict(self):
        return {
            "record": self.record,
            "offset": self.offset,
            "mr_index": self.mr_index,
            "register": self.register_name,
            "type": self.event_type,
            "type_name": self.type_name,
            "digest": self.digest.hex(),
            "data_size": len(self.data),
            "name": self.name,
            "text": self.text,
            "measured": self.measured,
            "covers": self.covers,
            "details": dict(self.details),
        }


class EventLog:
    """A parsed log: its events (the Spec ID header is record 0), the RTMRs they replay to, how it ended."""

    def __init__(self, events, rtmrs, end, end_offset, size):
        self.events = events
        self.rtmrs = rtmrs
        self.end = end
        self.end_offset = end_offset
        self.size = size

    def differences(self, expected, registers=ALL_RTMRS):
        """[{register, replayed, expected}] for each of ``registers`` whose replay is not ``expected``'s value."""
        wanted = _rtmr_values(expected)
        return [{"register": "RTMR%d" % index, "replayed": self.rtmrs[index].hex(), "expected": wanted[index].hex()}
                for index in registers if self.rtmrs[index] != wanted[index]]

    def to_dict(self):
        return {
            "rtmrs": [value.hex() for value in self.rtmrs],
            "events": [event.to_dict() for event in self.events],
            "end": self.end,
            "end_offset": self.end_offset,
            "size": self.size,
        }


def _rtmr_values(expected):
    """Four 48-byte values from hex text or bytes (the decoder's ``rtmr`` list); ValueError otherwise."""
    if not isinstance(expected, (list, tuple)) or len(expected) != spec.RTMR_COUNT:
        raise ValueError("expected RTMRs must be a list of 4 values, got %r" % (expected,))
    values = []
    for index, value in enumerate(expected):
        if isinstance(value, str):
            try:
                value = bytes.fromhex(value)
            except ValueError:
                raise ValueError("RTMR%d must be hex text, got %r" % (index, value[:120]))
        if not isinstance(value, (bytes, bytearray)) or len(value) != spec.SHA384_SIZE:
            raise ValueError("RTMR%d must be %d bytes" % (index, spec.SHA384_SIZE))
        values.append(bytes(value))
    return values


def _refuse(message, record=None, offset=None):
    raise EventLogRefused(message, record=record, offset=offset)


def _read_spec_id_header(raw):
    """The Spec ID header as record 0, and where the first crypto-agile record starts."""
    if len(raw) < spec.LEGACY_HEADER_SIZE:
        _refuse("the event log is %d bytes, too short for the %d-byte header of its Spec ID event"
                % (len(raw), spec.LEGACY_HEADER_SIZE), 0, 0)
    mr_index, event_type = struct.unpack_from("<II", raw, 0)
    size = _U32.unpack_from(raw, spec.LEGACY_HEADER_SIZE - 4)[0]
    where = place(0, 0)
    if event_type != spec.EV_NO_ACTION:
        _refuse("%s is of type %s, not the EV_NO_ACTION Spec ID event a crypto-agile log starts with"
                % (where, spec.EVENT_TYPE_NAMES.get(event_type, "0x%08x" % event_type)), 0, 0)
    if mr_index > max(spec.RTMR_OF_MR_INDEX):
        _refuse("%s, the Spec ID event, has MR index %d; TDX has 0 (MRTD) to 4 (RTMR3)" % (where, mr_index), 0, 0)
    end = spec.LEGACY_HEADER_SIZE + size
    if end > len(raw):
        _refuse("%s, the Spec ID event, says %d bytes of data; the log has %d after its header"
                % (where, size, len(raw) - spec.LEGACY_HEADER_SIZE), 0, 0)
    body = raw[spec.LEGACY_HEADER_SIZE:end]
    if len(body) < spec.SPEC_ID_FIXED_SIZE or body[:16] != spec.SPEC_ID_SIGNATURE:
        _refuse("%s is not a Spec ID event: its signature is %r, a crypto-agile log has %r"
                % (where, body[:16], spec.SPEC_ID_SIGNATURE), 0, 0)
    major, count = body[21], _U32.unpack_from(body, 24)[0]
    if major != spec.CRYPTO_AGILE_SPEC_MAJOR:
        _refuse("%s says spec version %d; a crypto-agile log says %d" % (where, major, spec.CRYPTO_AGILE_SPEC_MAJOR),
                0, 0)
    vendor_size_at = spec.SPEC_ID_FIXED_SIZE + 4 * count
    if vendor_size_at >= len(body) or vendor_size_at + 1 + body[vendor_size_at] != len(body):
        _refuse("%s lists %d algorithms and vendor data that do not fill its %d bytes of data"
                % (where, count, len(body)), 0, 0)
    algorithms = [struct.unpack_from("<HH", body, spec.SPEC_ID_FIXED_SIZE + 4 * index) for index in range(count)]
    if algorithms != [(spec.TPM_ALG_SHA384, spec.SHA384_SIZE)]:
        listed = ", ".join("%s (%d bytes)" % (spec.ALGORITHM_NAMES.get(alg, "0x%04x" % alg), size)
                           for alg, size in algorithms) or "none"
        _refuse("%s lists the digest algorithms %s; a TDX log has SHA-384 (48 bytes) alone" % (where, listed), 0, 0)
    header = Event(0, 0, mr_index, event_type, raw[8:8 + spec.LEGACY_DIGEST_SIZE], body, None)
    header.name = "Spec ID event (log header)"
    header.text = "Spec ID Event03, SHA-384"
    return header, end


def _end_of_log(raw, offset):
    """How the log ends at ``offset``, or None when a record starts there."""
    left = len(raw) - offset
    if left == 0:
        return "end of data"
    if left < 8:
        tail = raw[offset:]
        if tail in (b"\xff" * left, bytes(left)):
            return "fill to the end of the data"
        _refuse("the log is cut short at offset %d: %d bytes are left, neither fill nor a record, which needs at "
                "least %d (a truncated log)" % (offset, left, spec.RECORD_FIXED_SIZE), None, offset)
    return spec.END_MARKERS.get(struct.unpack_from("<II", raw, offset))


def _register_name(mr_index, event_type):
    index = spec.RTMR_OF_MR_INDEX.get(mr_index)
    if index is None or event_type == spec.EV_NO_ACTION:
        return None
    return "RTMR%d" % index


def _record_problem(raw, offset, record):
    """Raise the refusal of the record at ``offset``, which the fast path found wrong; checks in reading order."""
    left = len(raw) - offset
    if left < spec.RECORD_FIXED_SIZE:
        _refuse("%s is cut short: %d bytes are left, a record needs at least %d (a truncated log)"
                % (place(record, offset), left, spec.RECORD_FIXED_SIZE), record, offset)
    mr_index, event_type, digest_count = _RECORD_HEAD.unpack_from(raw, offset)
    type_name = spec.EVENT_TYPE_NAMES.get(event_type, "0x%08x" % event_type)
    register = _register_name(mr_index, event_type)
    if register is None and event_type != spec.EV_NO_ACTION:
        register = "MR index %d" % mr_index
    where = place(record, offset, type_name, register)
    if mr_index > max(spec.RTMR_OF_MR_INDEX):
        _refuse("%s: TDX has MR index 0 (MRTD) to 4 (RTMR3)" % where, record, offset)
    if mr_index == spec.MRTD_INDEX and event_type != spec.EV_NO_ACTION:
        _refuse("%s: MR index 0 is MRTD, which no event extends; only EV_NO_ACTION records may carry it"
                % where, record, offset)
    if digest_count != 1:
        _refuse("%s carries %d digests; a TDX log has one SHA-384 digest per record" % (where, digest_count),
                record, offset)
    if left < _RECORD_HEADER_SIZE:
        _refuse("%s is cut short: its digest and data size need %d bytes, %d are left (a truncated log)"
                % (where, _RECORD_HEADER_SIZE, left), record, offset)
    algorithm = _ALGORITHM.unpack_from(raw, offset + spec.RECORD_FIXED_SIZE)[0]
    if algorithm != spec.TPM_ALG_SHA384:
        _refuse("%s has a %s digest (algorithm 0x%04x); the Spec ID event lists SHA-384 alone"
                % (where, spec.ALGORITHM_NAMES.get(algorithm, "unknown"), algorithm), record, offset)
    size = _U32.unpack_from(raw, offset + _RECORD_HEADER_SIZE - spec.DATA_SIZE_FIELD)[0]
    _refuse("%s says %d bytes of event data, %d are left (a truncated log)"
            % (where, size, left - _RECORD_HEADER_SIZE), record, offset)


def _as_bytes(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    _refuse("the event log must be bytes, got %s" % type(data).__name__)


def parse_event_log(data):
    """Parse, name and replay a CCEL event log; EventLogRefused when it is malformed or its text lies."""
    raw = _as_bytes(data)
    if len(raw) > spec.MAX_LOG_SIZE:
        _refuse("the event log is %d bytes, more than the %d this verifier reads" % (len(raw), spec.MAX_LOG_SIZE))
    header, offset = _read_spec_id_header(raw)
    events = [header]
    rtmrs = [ZERO_RTMR] * spec.RTMR_COUNT
    sha384 = hashlib.sha384
    record = 1
    size = len(raw)
    rtmr_of = spec.RTMR_OF_MR_INDEX
    end = _end_of_log(raw, offset)
    while end is None:
        # The fast path: one unpack for the fixed part, every check at once;
        # _record_problem says which failed.
        if size - offset < _RECORD_HEADER_SIZE:
            _record_problem(raw, offset, record)
        mr_index, event_type, digest_count, algorithm = _RECORD_START.unpack_from(raw, offset)
        data_at = offset + _RECORD_HEADER_SIZE
        data_end = data_at + _U32.unpack_from(raw, data_at - spec.DATA_SIZE_FIELD)[0]
        register = rtmr_of.get(mr_index)
        if (digest_count != 1 or algorithm != spec.TPM_ALG_SHA384 or data_end > size
                or (register is None and (mr_index != spec.MRTD_INDEX or event_type != spec.EV_NO_ACTION))):
            _record_problem(raw, offset, record)
        digest = raw[data_at - spec.DATA_SIZE_FIELD - spec.SHA384_SIZE:data_at - spec.DATA_SIZE_FIELD]
        if event_type == spec.EV_NO_ACTION:
            register = None
        else:
            rtmrs[register] = sha384(rtmrs[register] + digest).digest()
        events.append(Event(record, offset, mr_index, event_type, digest, raw[data_at:data_end], register))
        offset = data_end
        record += 1
        end = _end_of_log(raw, offset)
    describe_events(events)
    return EventLog(events, rtmrs, end, offset, len(raw))


def verify_event_log(data, expected_rtmrs, registers=ALL_RTMRS, table=None, source="the quote"):
    """Parse ``data`` and refuse it unless it replays to ``expected_rtmrs`` (``registers`` of them).

    ``expected_rtmrs`` is the verified quote's (or TDREPORT's) RTMR0-3, hex
    or bytes; ``table`` the CCEL ACPI table, checked against the log when
    given. Returns the EventLog.
    """
    log = read_event_log(data, table)
    check_replay(log, expected_rtmrs, registers, source)
    return log


def read_event_log(data, table=None):
    """The EventLog of ``data``, checked against the CCEL ACPI ``table`` when given: every check but the replay's."""
    if table is not None:
        eventlog_table.check_log_area(eventlog_table.parse_ccel_table(table), len(_as_bytes(data)))
    return parse_event_log(data)


def check_replay(log, expected_rtmrs, registers=ALL_RTMRS, source="the quote"):
    """Refuse ``log`` (EventLogRefused) unless its replay gives ``expected_rtmrs`` (``registers`` of them)."""
    differences = log.differences(expected_rtmrs, registers)
    if differences:
        names = [difference["register"] for difference in differences]
        each = ["%s replays to %s, %s has %s" % (difference["register"], difference["replayed"], source,
                                                 difference["expected"]) for difference in differences]
        raise EventLogRefused("the event log does not reproduce %s's %s: %s"
                              % (source, ", ".join(names), "; ".join(each)), registers=names)


def event_log_from_base64(text):
    """The bytes of a base64 event log as the guest side returns it; EventLogRefused when it is not base64."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("ascii", "replace")
    if not isinstance(text, str):
        _refuse("the event log must be base64 text, got %s" % type(text).__name__)
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        _refuse("the event log is not base64: %s" % exc)
