# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Freshness: the report data a quote must carry for this run, recomputed on the controller.

The controller picks a 32-byte random nonce per host and run; the guest asks
for a quote over REPORTDATA = SHA-512(nonce || user data). A quote that
carries anything else is a replay, a stale quote, or one made for another
host, and is refused with that reason. Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

NONCE_SIZE = 32
REPORT_DATA_SIZE = 64


def hex_bytes(key, value, size=None):
    """The bytes of hex text ``value`` (``size`` of them if given); ValueError naming ``key``."""
    if not isinstance(value, str):
        raise ValueError("%s: must be hex text, got %s" % (key, type(value).__name__))
    text = value.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ValueError("%s: must be hexadecimal text (0-9, a-f), got %r" % (key, value[:200]))
    if size is not None and len(raw) != size:
        raise ValueError("%s: must be %d bytes (%d hex digits), got %d bytes" % (key, size, size * 2, len(raw)))
    return raw


def report_data_for(nonce, user_data=None):
    """The 64 bytes of report data for ``nonce`` (32 bytes, hex) and optional ``user_data`` (hex), as hex."""
    raw_nonce = hex_bytes("nonce", nonce, NONCE_SIZE)
    raw_user = hex_bytes("user_data", user_data) if user_data else b""
    return hashlib.sha512(raw_nonce + raw_user).hexdigest()


class Expectation:
    """What report data the quote must carry, and how the user stated it."""

    def __init__(self, report_data, from_nonce):
        self.report_data = report_data
        self.from_nonce = from_nonce


def expectation(report_data=None, nonce=None, user_data=None, where=""):
    """An Expectation, or None when nothing was asked; ValueError naming the key (prefixed with ``where``)."""
    try:
        if report_data is not None and nonce is not None:
            raise ValueError("report_data: give report_data or nonce, not both")
        if user_data is not None and nonce is None:
            raise ValueError("user_data: goes with nonce (report data is SHA-512 over nonce and user data)")
        if report_data is not None:
            return Expectation(hex_bytes("report_data", report_data, REPORT_DATA_SIZE).hex(), False)
        if nonce is not None:
            return Expectation(report_data_for(nonce, user_data), True)
    except ValueError as exc:
        raise ValueError(where + str(exc))
    return None


# Without an expectation nothing ties the quote to this run: an old quote of
# the same TD, replayed, would verify just as well. So that is a refusal
# unless the caller says in so many words that freshness is not wanted.
NOT_CHECKED = ("freshness: no nonce or report_data was given, so the quote may be a replay; give nonce (or "
               "report_data), or set skip_freshness_check: true")


def freshness_problems(expected, decoded, skip=False):
    """The freshness problem of the decoded quote under ``expected`` (an Expectation or None).

    ``skip`` allows ``expected`` to be None; a given expectation is checked all the same.
    """
    if expected is None:
        return [] if skip else [NOT_CHECKED]
    if decoded["report_data"] == expected.report_data:
        return []
    if expected.from_nonce:
        reason = ("report data does not match the nonce of this run (a replayed or stale quote, or a quote from "
                  "another host)")
    else:
        reason = "report data does not match the expected report_data (a replayed or stale quote, or another quote)"
    return ["freshness: %s: expected %s, quote has %s" % (reason, expected.report_data, decoded["report_data"])]
