# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The verify role's fleet summary: the hosts by verdict, and a headline that never calls a test root attested."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import (
    ATTESTED,
    PLATFORM_ONLY,
    REFUSED,
    TEST_ROOT,
    VERDICTS,
)

# How the headline names each verdict that is not attested; a test root in capitals, as on every report.
HEADLINE_WORDS = (
    (PLATFORM_ONLY, "%d platform only (a genuine TDX platform, its software not pinned)"),
    (TEST_ROOT, "%d TEST ROOT (a testing root, not Intel's: proves nothing about Intel hardware)"),
    (REFUSED, "%d refused"),
)


def headline(fleet):
    parts = ["%d of %d hosts attested" % (len(fleet["attested"]), fleet["hosts"])]
    parts += [words % len(fleet["verdicts"][verdict]) for verdict, words in HEADLINE_WORDS
              if fleet["verdicts"][verdict]]
    if fleet["not_checked"]:
        parts.append("%d not checked" % len(fleet["not_checked"]))
    parts.append("%d of %d pass" % (len(fleet["verified"]), fleet["hosts"]))
    return "; ".join(parts)


def verify_fleet(results, hosts):
    results = [result for result in results if isinstance(result, dict)]
    judged = [result.get("host") for result in results]
    fleet = {
        "hosts": len(hosts),
        "verified": [result["host"] for result in results if result.get("verified") is True],
        "attested": [result["host"] for result in results if result.get("verdict") == ATTESTED],
        "verdicts": dict((verdict, [result["host"] for result in results if result.get("verdict") == verdict])
                         for verdict in VERDICTS),
        "failed": dict((result["host"], result.get("failures") or []) for result in results
                       if result.get("verified") is not True),
        "not_checked": [host for host in hosts if host not in judged],
    }
    fleet["headline"] = headline(fleet)
    return fleet
