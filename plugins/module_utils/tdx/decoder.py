# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One decoder for the TDREPORT and for TDX quotes v4 and v5.

Used on the managed host (guest_info, guest_quote) and on the controller
(the tdx_quote filter), so it needs only the standard library and Python 3.8.
Whatever it is given, it either returns a dict or raises
:class:`TdxDecodeError` with a one-line message; nothing else escapes.
Trailing bytes after a complete quote or report are accepted (the kernel's
quote buffer is larger than the quote) and counted in ``trailing_bytes``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import struct

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import layouts
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.attributes import (
    DEBUG,
    SEPT_VE_DISABLE,
    attribute_names,
)
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError


def _as_bytes(data, what):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TdxDecodeError("%s must be bytes, got %s" % (what, type(data).__name__))


def _need(data, size, what):
    if len(data) < size:
        raise TdxDecodeError("%s is truncated: expected at least %d bytes, got %d" % (what, size, len(data)))


def _value(raw, kind):
    if kind == "hex":
        return raw.hex()
    number = int.from_bytes(raw, "little")
    if kind in ("u8", "u16", "u32"):
        return number
    if kind in ("u32hex", "u64hex"):
        return "%0*x" % (len(raw) * 2, number)
    raise TdxDecodeError("layout error: unknown field kind %r" % kind)  # a table typo, not input


def _read_fields(data, base, fields):
    result = {}
    for key, offset, size, kind in fields:
        start = base + offset
        result[key] = _value(data[start:start + size], kind)
    return result


def _with_td_attributes(fields):
    """Add ``attributes``, ``debug``, ``sept_ve_disable`` and the ``rtmr`` list."""
    value = int(fields["td_attributes"], 16)
    names = attribute_names(value)
    fields["attributes"] = names
    fields["debug"] = DEBUG in names
    fields["sept_ve_disable"] = SEPT_VE_DISABLE in names
    fields["rtmr"] = [fields.pop(key) for key in layouts.RTMR_KEYS]
    return fields


def decode_tdreport(data):
    """Decode a 1024-byte TDREPORT_STRUCT (longer input: the rest is ignored)."""
    data = _as_bytes(data, "TDREPORT")
    _need(data, layouts.TDREPORT_SIZE, "TDREPORT")
    report_type = data[0]
    if report_type != layouts.TDREPORT_TYPE_TDX:
        raise TdxDecodeError(
            "not a TDX TDREPORT: report type is 0x%02x, a TDX report has 0x%02x"
            % (report_type, layouts.TDREPORT_TYPE_TDX))
    fields = _with_td_attributes(_read_fields(data, 0, layouts.TDREPORT_FIELDS))
    fields["trailing_bytes"] = len(data) - layouts.TDREPORT_SIZE
    return fields


def _check_header(data):
    _need(data, layouts.QUOTE_HEADER_SIZE, "quote header")
    header = _read_fields(data, 0, layouts.QUOTE_HEADER_FIELDS)
    if header["version"] not in layouts.QUOTE_VERSIONS:
        raise TdxDecodeError(
            "unknown quote version %d: this decoder reads versions %s"
            % (header["version"], " and ".join(str(v) for v in layouts.QUOTE_VERSIONS)))
    tee_type = int(header["tee_type"], 16)
    if tee_type != layouts.TEE_TYPE_TDX:
        known = layouts.TEE_TYPE_NAMES.get(tee_type)
        raise TdxDecodeError(
            "tee_type 0x%08x is not TDX (0x%08x)%s"
            % (tee_type, layouts.TEE_TYPE_TDX, ": this is an %s quote" % known if known else ""))
    return header


def _body_layout(data, header):
    """(body offset, body size, field table, body description) of the quote."""
    if header["version"] == 4:
        return layouts.QUOTE_V4_BODY_OFFSET, layouts.TD_BODY_10_SIZE, layouts.TD_BODY_10_FIELDS, "TDX 1.0"
    _need(data, layouts.QUOTE_V5_BODY_OFFSET, "quote v5 body descriptor")
    body_type = struct.unpack_from("<H", data, layouts.QUOTE_V5_BODY_TYPE_OFFSET)[0]
    body_size = struct.unpack_from("<I", data, layouts.QUOTE_V5_BODY_SIZE_OFFSET)[0]
    if body_type not in layouts.QUOTE_V5_BODY_TYPES:
        foreign = layouts.QUOTE_V5_FOREIGN_BODY_TYPES.get(body_type)
        raise TdxDecodeError(
            "unknown quote v5 body type %d%s: a TD quote has type %s"
            % (body_type, " (%s)" % foreign if foreign else "",
               " or ".join(str(t) for t in sorted(layouts.QUOTE_V5_BODY_TYPES))))
    name, expected_size, fields = layouts.QUOTE_V5_BODY_TYPES[body_type]
    if body_size != expected_size:
        raise TdxDecodeError(
            "quote v5 body type %d (%s) must be %d bytes, the quote says %d"
            % (body_type, name, expected_size, body_size))
    header["body_type"] = body_type
    header["body_size"] = body_size
    return layouts.QUOTE_V5_BODY_OFFSET, body_size, fields, name


def decode_quote(data):
    """Decode a TDX quote v4 or v5 (with a TDX 1.0 or 1.5 body)."""
    data = _as_bytes(data, "quote")
    header = _check_header(data)
    body_offset, body_size, fields, body_name = _body_layout(data, header)
    length_offset = body_offset + body_size
    _need(data, length_offset + layouts.SIGNATURE_LENGTH_SIZE,
          "quote v%d with a %s body" % (header["version"], body_name))
    signature_length = struct.unpack_from("<I", data, length_offset)[0]
    quote_size = length_offset + layouts.SIGNATURE_LENGTH_SIZE + signature_length
    if len(data) < quote_size:
        raise TdxDecodeError(
            "quote is truncated: its signature data is %d bytes, so the quote needs %d bytes, got %d"
            % (signature_length, quote_size, len(data)))
    decoded = dict(header)
    decoded.update(_with_td_attributes(_read_fields(data, body_offset, fields)))
    decoded["tdx_module"] = body_name
    decoded["signature_data_length"] = signature_length
    decoded["quote_size"] = quote_size
    decoded["trailing_bytes"] = len(data) - quote_size
    return decoded


def decode_quote_base64(text):
    """Decode a quote given as base64 text (whitespace and line breaks allowed)."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            raise TdxDecodeError("quote must be base64 text, got bytes that are not ASCII")
    if not isinstance(text, str):
        raise TdxDecodeError("quote must be base64 text, got %s" % type(text).__name__)
    compact = "".join(text.split())
    try:
        data = base64.b64decode(compact.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise TdxDecodeError("quote is not valid base64 text: %s" % exc)
    return decode_quote(data)


def parse_report_data(text):
    """Report data given as hex text (at most 64 bytes) -> 64 bytes, zero-padded.

    Raises ValueError with a message naming the expected form.
    """
    compact = (text or "").strip().lower()
    if compact.startswith("0x"):
        compact = compact[2:]
    try:
        raw = bytes.fromhex(compact)
    except ValueError:
        raise ValueError("must be hexadecimal text (0-9, a-f), got %r" % text)
    if len(raw) > layouts.REPORT_DATA_SIZE:
        raise ValueError("must be at most %d bytes (%d hex digits), got %d bytes"
                         % (layouts.REPORT_DATA_SIZE, layouts.REPORT_DATA_SIZE * 2, len(raw)))
    return raw + b"\0" * (layouts.REPORT_DATA_SIZE - len(raw))
