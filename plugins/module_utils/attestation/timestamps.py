# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Moments as the attestation code passes them: Unix seconds inside, ISO 8601 (UTC) outside."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import functools
import time


def now():
    return int(time.time())


def iso(seconds):
    return _iso(int(seconds))


# A batch formats the same verification time for every quote.
@functools.lru_cache(maxsize=256)
def _iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text, key):
    """Unix seconds of an ISO 8601 time with a time zone; ValueError naming ``key``."""
    if not isinstance(text, str):
        raise ValueError("%s: must be an ISO 8601 time such as 2026-02-19T00:00:00Z, got %s"
                         % (key, type(text).__name__))
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("%s: %r is not an ISO 8601 time such as 2026-02-19T00:00:00Z" % (key, text[:100]))
    if moment.tzinfo is None:
        raise ValueError("%s: %r has no time zone; add Z for UTC (2026-02-19T00:00:00Z) or an offset such as +01:00"
                         % (key, text[:100]))
    return int(moment.timestamp())
