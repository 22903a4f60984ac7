# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tdx_collateral's logic: which cache entries the quotes need, which are fresh, and fetching the others.

A fleet of one platform type needs one entry, so it costs one fetch however
many quotes it gives; a fresh entry costs no call at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.dcap import dcap_qvl
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier import parse_step, quote_bytes

FETCHED = "fetched"
CACHED = "cached"
MISSING = "missing"
STALE = "stale"


class WantedError(ValueError):
    """A quote or FMSPC that names no cache entry; the message names the option."""


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


def entry_state(cache_dir, fmspc, ca, now, min_validity):
    """The cache entry for ``fmspc`` and ``ca`` as it is: status cached, stale or missing, and why."""
    path = cache.entry_path(cache_dir, fmspc, ca)
    entry = {"id": cache.entry_id(fmspc, ca), "path": path, "fmspc": fmspc, "ca": ca, "next_update": None}
    if not os.path.exists(path):
        entry.update(status=MISSING, reason="no file in the cache")
        return entry
    try:
        dummy, document = cache.read_document(path)
        due = cache.next_update(document)
    except cache.CollateralError as exc:
        entry.update(status=STALE, reason="unreadable: %s" % exc)
        return entry
    entry["next_update"] = timestamps.iso(due)
    if due <= now:
        entry.update(status=STALE, reason="its next update was due %s" % timestamps.iso(due))
    elif due <= now + min_validity:
        entry.update(status=STALE, reason="its next update is due %s, within min_validity (%d s)"
                                          % (timestamps.iso(due), min_validity))
    else:
        entry.update(status=CACHED, reason="fresh until %s" % timestamps.iso(due))
    return entry


def fetch_entry(pcs, entry):
    """Fetch one entry and write it to the cache."""
    document = pcs.fetch(entry["fmspc"], entry["ca"])
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    due = cache.next_update(document)
    cache.write_atomically(entry["path"], text)
    entry.update(status=FETCHED, next_update=timestamps.iso(due), reason="fetched from %s" % pcs.base_url)
