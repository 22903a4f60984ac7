# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The verdict on a quote: what quote_verify's result proves, in one of four words.

``verified`` only says no check failed. A quote with no problems may still
prove little: a test root signs anything its owner likes, a quote without
this run's nonce may be replayed, and a policy without MRTD or RTMR0-2 lets
any firmware and kernel through. The verdict says which of these was proven:

- ``attested``: no problems, Intel's root, this run's nonce, and the software
  pinned (MRTD endorsed by Google or pinned; RTMR0-2 reproduced from an event
  log the policy names events of, or pinned exactly);
- ``platform only``: a genuine, fresh TDX platform, but the software is not
  pinned (or freshness was deliberately not checked);
- ``test root``: no problems, but the chain ends in a root that is not Intel's;
  it proves nothing about Intel hardware;
- ``refused``: a check failed.

Pure: the result dict and the policy in, a dict out, no I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ATTESTED = "attested"
PLATFORM_ONLY = "platform only"
TEST_ROOT = "test root"
REFUSED = "refused"
VERDICTS = (ATTESTED, PLATFORM_ONLY, TEST_ROOT, REFUSED)

PINNED_RTMRS = ("rtmr0", "rtmr1", "rtmr2")

MRTD_NOT_PINNED = "MRTD neither endorsed by Google nor pinned"
RTMRS_NOT_PINNED = "RTMR0-2 not pinned: no event log replayed with named events, no rtmr0-2 in the policy"
NOT_FRESH = "freshness not checked"
NOT_INTEL = ("test root: the quote chains to a root that is not Intel's SGX Root CA (root %s); it proves nothing "
             "about Intel hardware")


def _policy_keys(policy):
    """The policy as a dict: quote_verify's ``policy`` result, or the Policy object the Verifier holds."""
    if policy is None:
        return {}
    if isinstance(policy, dict):
        return policy
    described = dict(policy.describe())
    # Another part of the policy (the named events) may live on the object only.
    if getattr(policy, "events", None) and "events" not in described:
        described["events"] = policy.events
    return described


def _fresh(result):
    # A result from before skip_freshness_check existed has no freshness_checked: then
    # the report data check is the freshness check.
    checked = result.get("freshness_checked")
    if checked is None:
        checked = result.get("report_data_checked")
    return checked is True


def _mrtd(result, policy):
    endorsement = result.get("endorsement")
    # Google's word only under Google's pinned root: an endorsement verified to a testing root pins nothing.
    if isinstance(endorsement, dict) and endorsement.get("verified") is True \
            and endorsement.get("root_is_google") is True:
        return "endorsed"
    return "pinned" if policy.get("mrtd") else None


def _rtmrs(result, policy):
    event_log = result.get("event_log")
    if isinstance(event_log, dict) and event_log.get("replayed") is True and policy.get("events"):
        return "event log"
    return "pinned" if all(policy.get(name) for name in PINNED_RTMRS) else None


def verdict_of(result, policy=None):
    """{verdict, verdict_reasons, proven} of a quote_verify result under ``policy`` (dict or Policy)."""
    policy = _policy_keys(policy)
    problems = list(result.get("problems") or [])
    intel_root = result.get("root_is_intel") is True
    fresh = _fresh(result)
    mrtd = _mrtd(result, policy)
    rtmrs = _rtmrs(result, policy)
    # Problems first: a refused quote is refused whatever its root, the reasons are the problems, and it
    # proves nothing (its root or report data may be the very thing that failed).
    if problems or result.get("verified") is False:
        reasons = problems or ["refused: quote_verify did not verify the quote and named no problem"]
        return {"verdict": REFUSED, "verdict_reasons": reasons,
                "proven": {"intel_root": False, "fresh": False, "mrtd": None, "rtmrs": None,
                           "software_pinned": False}}
    proven = {"intel_root": intel_root, "fresh": fresh, "mrtd": mrtd, "rtmrs": rtmrs,
              "software_pinned": bool(mrtd and rtmrs)}
    # Under a test root the software's gaps are still said: the root is what makes it never green.
    reasons = [] if intel_root else [NOT_INTEL % (result.get("root") or "unknown")]
    if not fresh:
        reasons.append(NOT_FRESH)
    if not mrtd:
        reasons.append(MRTD_NOT_PINNED)
    if not rtmrs:
        reasons.append(RTMRS_NOT_PINNED)
    if not intel_root:
        verdict = TEST_ROOT
    else:
        verdict = PLATFORM_ONLY if reasons else ATTESTED
    return {"verdict": verdict, "verdict_reasons": reasons, "proven": proven}
