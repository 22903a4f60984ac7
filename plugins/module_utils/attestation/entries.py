# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""quote_verify's input: one quote or a batch of per-host entries, checked before anything is verified.

A batch is a list of entries or a dict of name -> entry; each entry is
``{name, quote, nonce | report_data, user_data, verify_at, collateral, skip_freshness_check, policy,
event_log, event_log_table}``.
Bad values fail the task in one line naming the entry and key; a missing
or empty quote is not a bad argument but a refused quote (a host that gave
none), so it becomes that entry's problem.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import expectation
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import policy_from

ENTRY_KEYS = ("name", "quote", "nonce", "user_data", "report_data", "verify_at", "collateral", "skip_freshness_check",
              "policy", "event_log", "event_log_table")


class EntryError(ValueError):
    """A bad batch entry; the message names ``quotes[...]`` and the key."""


class Entry:
    def __init__(self, name, quote, expected, verify_at, collateral, skip_freshness_check=False, policy=None,
                 event_log=None, event_log_table=None):
        self.name = name
        self.policy = policy  # a Policy of its own, or None for the module's
        self.skip_freshness_check = skip_freshness_check
        self.quote = quote
        self.expected = expected
        self.verify_at = verify_at
        self.collateral = collateral
        self.event_log = event_log
        self.event_log_table = event_log_table


def verify_at_of(text, key):
    return None if text is None else timestamps.parse_iso(text, key)


def _entry(where, given, default_at, name=None, skip_freshness_check=False):
    if not isinstance(given, dict):
        raise EntryError("%s: must be a dictionary with the keys %s" % (where, ", ".join(ENTRY_KEYS)))
    unknown = sorted(set(given) - set(ENTRY_KEYS))
    if unknown:
        raise EntryError("%s.%s: not an entry key; the keys are %s" % (where, unknown[0], ", ".join(ENTRY_KEYS)))
    name = name if name is not None else given.get("name")
    if not isinstance(name, str) or not name:
        raise EntryError("%s.name: every entry needs a name (the host it came from)" % where)
    quote = given.get("quote")
    if quote is not None and not isinstance(quote, str):
        raise EntryError("%s.quote: must be base64 text as guest_quote returns it, got %s" % (where, type(quote).__name__))
    for key in ("nonce", "user_data", "report_data", "verify_at", "collateral", "event_log", "event_log_table"):
        if given.get(key) is not None and not isinstance(given[key], str):
            raise EntryError("%s.%s: must be a string, got %s" % (where, key, type(given[key]).__name__))
    skip = given.get("skip_freshness_check")
    if skip is None:
        skip = skip_freshness_check
    elif not isinstance(skip, bool):
        raise EntryError("%s.skip_freshness_check: must be true or false, got %r" % (where, skip))
    try:
        expected = expectation(given.get("report_data"), given.get("nonce"), given.get("user_data"), where + ".")
        at = verify_at_of(given.get("verify_at"), where + ".verify_at")
        # PolicyError names policy.KEY: prefixed, it names the entry too.
        policy = policy_from(given["policy"]) if given.get("policy") is not None else None
    except ValueError as exc:
        raise EntryError(str(exc) if str(exc).startswith(where) else "%s.%s" % (where, exc))
    return Entry(name, quote, expected, at if at is not None else default_at, given.get("collateral"), skip, policy,
                 given.get("event_log"), given.get("event_log_table"))


def batch_entries(quotes, default_at, skip_freshness_check=False):
    """The Entry list of a batch (a list or a dict by name); EntryError naming the first bad one.

    ``skip_freshness_check`` is the default of entries that do not say.
    """
    skip = skip_freshness_check
    if isinstance(quotes, dict):
        entries = [_entry("quotes[%r]" % key, value, default_at, name=str(key), skip_freshness_check=skip)
                   for key, value in quotes.items()]
    elif isinstance(quotes, list):
        entries = [_entry("quotes[%d]" % index, value, default_at, skip_freshness_check=skip)
                   for index, value in enumerate(quotes)]
    else:
        raise EntryError("quotes: must be a list of entries or a dictionary of name: entry, got %s"
                         % type(quotes).__name__)
    if not entries:
        raise EntryError("quotes: is empty; give at least one entry")
    seen = set()
    for index, entry in enumerate(entries):
        if entry.name in seen:
            raise EntryError("quotes[%d].name: %r is given more than once" % (index, entry.name))
        seen.add(entry.name)
    return entries
