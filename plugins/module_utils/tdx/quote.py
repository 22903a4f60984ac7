# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A checked TDX quote: asked for through configfs-tsm, decoded, and bound to the nonce asked for.

Shared by guest_quote and guest_info (which gets one when its policy asks),
so both refuse the same things with the same words.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.ccel import DEFAULT_ACPI_TABLES_DIR, read_event_log
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.tsm import (
    DEFAULT_REPORT_DIR,
    QuoteError,
    request_quote,
)


def checked_quote(report_data, report_dir=DEFAULT_REPORT_DIR):
    """(quote bytes, decoded quote, facts of the request) for ``report_data``; QuoteError with the reason if not."""
    quote, facts = request_quote(report_data, report_dir)
    try:
        decoded = decode_quote(quote)
    except TdxDecodeError as exc:
        raise QuoteError("the kernel returned something that is not a TDX quote: %s" % exc)
    if decoded["report_data"] != report_data.hex():
        raise QuoteError("the quote carries report data %s, not the %s asked for: another request got in "
                         "between; run again" % (decoded["report_data"], report_data.hex()))
    return quote[:decoded["quote_size"]], decoded, facts


def evidence_for_verifier(report_data, report_dir=DEFAULT_REPORT_DIR, acpi_tables_dir=None):
    """What a remote verifier needs, as guest_quote returns it: the quote (base64), its report data, the decoded
    quote, the provider and the CCEL event log; raises QuoteError with the reason when no quote could be had."""
    quote, decoded, facts = checked_quote(report_data, report_dir)
    evidence = dict(quote=base64.b64encode(quote).decode("ascii"), report_data=report_data.hex(), decoded=decoded,
                    provider=facts["provider"], generation=facts["generation"])
    evidence.update(read_event_log(acpi_tables_dir or DEFAULT_ACPI_TABLES_DIR))
    return evidence
