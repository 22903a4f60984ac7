# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The highest TCB evaluation data number seen per FMSPC, kept in the collateral cache, and the rollbacks it refuses.

Intel raises a TCB info's ``tcbEvaluationDataNumber`` each time it re-evaluates
platforms (after a TCB recovery, levels that were UpToDate become
OutOfDate). Older collateral is still validly signed until its nextUpdate,
so a PCCS, a proxy or a hand on the cache that serves it makes an out-of-date
platform look up to date: a rollback. Signatures cannot tell; remembering the
highest number seen can. The numbers are kept per FMSPC in one small JSON
file in the cache directory, beside the entries, written atomically.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache

CollateralError = cache.CollateralError

SEEN_FILE = "tcb-evaluation-numbers.json"


def seen_path(cache_dir):
    return os.path.join(cache_dir, SEEN_FILE)


def evaluation_number(document):
    """The TCB info's tcbEvaluationDataNumber of a QuoteCollateralV3 document; CollateralError without one."""
    try:
        number = json.loads(document["tcb_info"])["tcbEvaluationDataNumber"]
    except (TypeError, ValueError, KeyError) as exc:
        raise CollateralError("its tcb_info has no tcbEvaluationDataNumber (%s)" % exc)
    if isinstance(number, bool) or not isinstance(number, int):
        raise CollateralError("its tcb_info's tcbEvaluationDataNumber is not a whole number: %r" % (number,))
    return number


def read_seen(cache_dir):
    """FMSPC -> highest number seen; {} when nothing was seen yet. CollateralError when the file is unreadable."""
    path = seen_path(cache_dir)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as handle:
            seen = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise CollateralError("%s, the TCB evaluation numbers seen before, cannot be read (%s): delete it to start "
                              "again from the numbers of the next fetch" % (path, exc))
    if not isinstance(seen, dict) or not all(isinstance(value, int) for value in seen.values()):
        raise CollateralError("%s is not a JSON object of FMSPC to number: delete it to start again from the numbers "
                              "of the next fetch" % path)
    return dict((key.upper(), value) for key, value in seen.items())


def rollback_problem(fmspc, number, seen):
    """The refusal of collateral with ``number`` for ``fmspc`` when a higher one was seen, else None."""
    highest = seen.get(fmspc.upper())
    if highest is None or number >= highest:
        return None
    return ("collateral: tcbEvaluationDataNumber %d is lower than %d seen before for FMSPC %s (a rollback)"
            % (number, highest, fmspc.upper()))


def remember(cache_dir, numbers):
    """Raise the numbers seen to ``numbers`` (FMSPC -> number), never lower them; True when the file changed."""
    seen = read_seen(cache_dir)
    changed = False
    for fmspc, number in numbers.items():
        if number > seen.get(fmspc.upper(), -1):
            seen[fmspc.upper()] = number
            changed = True
    if changed:
        cache.write_atomically(seen_path(cache_dir), json.dumps(seen, indent=2, sort_keys=True) + "\n")
    return changed


def cache_problem(cache_dir, fmspc, document):
    """quote_verify's problem with a cache entry's ``document`` for ``fmspc``: a rollback, or unreadable; else None."""
    try:
        return rollback_problem(fmspc, evaluation_number(document), read_seen(cache_dir))
    except CollateralError as exc:
        return "collateral: %s" % exc
