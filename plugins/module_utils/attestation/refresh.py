# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tdx_collateral's logic: which cache entries the quotes need, which are fresh, and fetching the others.

A fleet of one platform type needs one entry, so it costs one fetch however
many quotes it gives; a fresh entry costs no call at all. Fresh means: before
its earliest next update (less min_validity), fetched at most max_age ago
(Intel may publish a re-evaluation long before a nextUpdate a month away), and
not older than collateral seen before (rollback.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.dcap import dcap_qvl
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.rollback import (
    evaluation_number,
    rollback_problem,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier import parse_step, quote_bytes

FETCHED = "fetched"
CACHED = "cached"
MISSING = "missing"
STALE = "stale"


class WantedError(ValueError):
    """A quote or FMSPC that names no cache entry; the message names the option."""


class RollbackError(ValueError):
    """Fetched collateral older (by TCB evaluation number) than collateral seen before; the message says so."""


def wanted_from_quotes(quotes):
    """The (fmspc, ca) pairs of ``quotes`` (base64), each once, in first-seen order."""
    wanted = []
    for index, text in enumerate(quotes):
        raw, problem = quote_bytes(text)
        if problem is None:
            dummy, own, problems = parse_step(raw)
            problem = problems[0] if own is None else None
        if problem:
            raise WantedError("quotes[%d]: %s" % (index, problem[len("parse: "):]))
        try:
            parsed = dcap_qvl().parse_quote(own)
            pair = (parsed.fmspc().upper(), parsed.ca().lower())
        except ValueError as exc:
            raise WantedError("quotes[%d]: its PCK certificate gives no FMSPC (dcap-qvl: %s)"
                              % (index, " ".join(str(exc).split())))
        if pair not in wanted:
            wanted.append(pair)
    return wanted


def wanted_from_fmspcs(fmspcs, ca):
    wanted = []
    for index, fmspc in enumerate(fmspcs):
        if not isinstance(fmspc, str) or not cache.FMSPC_PATTERN.match(fmspc):
            raise WantedError("fmspcs[%d]: %r is not an FMSPC (6 bytes, 12 hex digits such as 90C06F000000)"
                              % (index, fmspc))
        if (fmspc.upper(), ca) not in wanted:
            wanted.append((fmspc.upper(), ca))
    return wanted


def wanted_entries(quotes, fmspcs, ca):
    """Every (fmspc, ca) pair the quotes and the FMSPCs need, each once."""
    wanted = []
    for pair in wanted_from_quotes(quotes or []) + wanted_from_fmspcs(fmspcs or [], ca):
        if pair not in wanted:
            wanted.append(pair)
    return wanted


def entry_state(cache_dir, fmspc, ca, now, min_validity, max_age=None, seen=None):
    """The cache entry for ``fmspc`` and ``ca`` as it is: status cached, stale or missing, and why.

    ``max_age``: seconds since the entry was fetched (its file's modification time) after which it is stale;
    ``seen``: FMSPC -> the highest TCB evaluation number seen, below which an entry is stale (a rollback).
    """
    path = cache.entry_path(cache_dir, fmspc, ca)
    entry = {"id": cache.entry_id(fmspc, ca), "path": path, "fmspc": fmspc, "ca": ca, "next_update": None,
             "tcb_evaluation_data_number": None}
    if not os.path.exists(path):
        entry.update(status=MISSING, reason="no file in the cache")
        return entry
    try:
        dummy, document = cache.read_document(path)
        due = cache.next_update(document)
        entry["tcb_evaluation_data_number"] = evaluation_number(document)
    except cache.CollateralError as exc:
        entry.update(status=STALE, reason="unreadable: %s" % exc)
        return entry
    entry["next_update"] = timestamps.iso(due)
    fetched_at = int(os.path.getmtime(path))
    rollback = rollback_problem(fmspc, entry["tcb_evaluation_data_number"], seen or {})
    if rollback:
        entry.update(status=STALE, reason=rollback)
    elif max_age is not None and now - fetched_at > max_age:
        entry.update(status=STALE, reason="fetched %s, more than max_age (%d s) ago"
                     % (timestamps.iso(fetched_at), max_age))
    elif due <= now:
        entry.update(status=STALE, reason="its next update was due %s" % timestamps.iso(due))
    elif due <= now + min_validity:
        entry.update(status=STALE, reason="its next update is due %s, within min_validity (%d s)"
                                          % (timestamps.iso(due), min_validity))
    else:
        entry.update(status=CACHED, reason="fresh until %s" % timestamps.iso(due))
    return entry


def fetch_entry(pcs, entry, now, seen=None):
    """Fetch one entry and write it to the cache, dated ``now`` (max_age counts from then).

    RollbackError, and nothing written, when its TCB evaluation number is below one seen before.
    """
    document = pcs.fetch(entry["fmspc"], entry["ca"])
    try:
        number = evaluation_number(document)
    except cache.CollateralError as exc:
        raise RollbackError("collateral: the fetched collateral cannot be used: %s" % exc)
    rollback = rollback_problem(entry["fmspc"], number, seen or {})
    if rollback:
        raise RollbackError("%s: %s served older collateral than this cache had; check that PCCS" % (
            rollback, pcs.base_url))
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    due = cache.next_update(document)
    cache.write_atomically(entry["path"], text)
    os.utime(entry["path"], (now, now))
    entry.update(status=FETCHED, next_update=timestamps.iso(due), reason="fetched from %s" % pcs.base_url,
                 tcb_evaluation_data_number=number)
