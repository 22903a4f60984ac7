# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The verify role's verdict on one host (its verify_result): quote_verify's verdict, whether it passes, the evidence.

Pure but for reading the collateral file the quote was checked with, so the
report holds the document itself. The verify_judgement filter is its one caller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import (
    ATTESTED,
    PLATFORM_ONLY,
    REFUSED,
    TEST_ROOT,
)

NOT_ATTEMPTED = "not attempted (verify_attest is false), so the host is not verified"
# What a host that is not refused, but does not pass, needs: the argument that accepts it, or the fix.
NOT_ACCEPTED = {
    PLATFORM_ONLY: "verdict platform only does not pass: pin MRTD and RTMR0-2 in verify_policy (or "
                   "verify_policy_file), or set verify_accept_platform_only=true to accept a genuine TDX platform "
                   "running any software",
    TEST_ROOT: "verdict test root does not pass: the quote chains to a testing root, not Intel's; set "
               "verify_accept_test_root=true only in tests and demos",
}
NO_PROOF = {"intel_root": False, "fresh": False, "mrtd": None, "rtmrs": None, "software_pinned": False}


def passes(verdict, accept_platform_only=False, accept_test_root=False):
    """Whether a host with this verdict passes enforcement."""
    return verdict == ATTESTED or (verdict == PLATFORM_ONLY and accept_platform_only) or (
        verdict == TEST_ROOT and accept_test_root)


def host_verdict(attestation, host, attest, guest_quote):
    """(quote_verify's result for the host, {verdict, verdict_reasons, proven}) as the role sees it."""
    if not attest:
        return {}, {"verdict": REFUSED, "verdict_reasons": [NOT_ATTEMPTED], "proven": dict(NO_PROOF)}
    # The host's own reason for giving no quote comes first: quote_verify only knows there was none.
    reasons = [] if "quote" in guest_quote else ["quote: %s" % (guest_quote.get("msg") or "none")]
    result = (attestation.get("verdicts") or {}).get(host)
    if not isinstance(result, dict):
        reasons.append("quote_verify gave no verdict for this host: %s" % (attestation.get("msg") or "it did not run"))
        return {}, {"verdict": REFUSED, "verdict_reasons": reasons, "proven": dict(NO_PROOF)}
    reasons.extend(result.get("verdict_reasons") or [])
    return result, {"verdict": result.get("verdict") or REFUSED, "verdict_reasons": reasons,
                    "proven": result.get("proven") or dict(NO_PROOF)}


def collateral_of(result):
    """{path, sha256, dates, document} of the collateral file the quote was checked with (read on the controller)."""
    dates = result.get("collateral") or {}
    path = dates.get("path") or None
    sha256 = document = None
    if path:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
            sha256 = hashlib.sha256(raw).hexdigest()
            document = json.loads(raw.decode("utf-8"))
        except (IOError, OSError, ValueError):
            pass  # quote_verify already named the file's problem among the verdict's reasons
    return {"path": path, "sha256": sha256, "dates": dates, "document": document}


def host_keys(keyscan, host):
    """The report's ssh_host_keys: the host's lines from the batch's confidential.tdx.ssh_host_keys result, or,
    when that task was skipped (verify_ssh_host_keys false) or did not run, that none were read."""
    if not keyscan or keyscan.get("skipped"):
        return {"source": "not read (verify_ssh_host_keys is false)", "keys": []}
    return {"source": "read from the controller over SSH (the key exchange, no login)",
            "keys": list((keyscan.get("keys") or {}).get(host) or [])}


def evidence(result, judged, attestation, nonce, user_data, guest_quote, keys):
    return {
        "attempted": True,
        # quote_verify's own word: no check failed (the verdict says what that proved).
        "verified": result.get("verified") is True,
        "verdict": judged["verdict"],
        "verdict_reasons": judged["verdict_reasons"],
        "proven": judged["proven"],
        "problems": list(result.get("problems") or []),
        "nonce": nonce,
        "user_data": user_data,
        "report_data": guest_quote.get("report_data"),
        "quote": guest_quote.get("quote"),
        # The CCEL log and table as the host gave them (base64), so reverify can replay them again; and what
        # the replay found (the named events, whether it reproduced the RTMRs).
        "event_log": guest_quote.get("event_log"),
        "event_log_table": guest_quote.get("event_log_table"),
        "event_log_replay": result.get("event_log"),
        "endorsement": result.get("endorsement"),
        "quote_sha256": result.get("quote_sha256"),
        "verify_at": result.get("verify_at"),
        "root": result.get("root"),
        "root_is_intel": result.get("root_is_intel") is True,
        "tcb_status": result.get("tcb_status"),
        "advisory_ids": list(result.get("advisory_ids") or []),
        "fmspc": result.get("fmspc"),
        "platform": result.get("platform") or {},
        "decoded": result.get("quote"),
        "policy": result.get("policy") or attestation.get("policy") or {},
        "collateral": collateral_of(result),
        "ssh_host_keys": keys,
    }


def self_reported(guest_info, quote):
    verdict = guest_info.get("verdict") or {}
    tdx = dict(guest_info.get("tdx") or {})
    report = tdx.pop("report", None)
    gce = guest_info.get("gce_metadata") or {}
    return {"note": "what a module running as root on the host said about itself; not proof",
            "verified": verdict.get("verified"), "failures": verdict.get("failures"), "checks": verdict.get("checks"),
            "kernel_release": guest_info.get("kernel_release"), "boot_id": guest_info.get("boot_id"),
            # Compute Engine's metadata server, as the host relayed it (verify_gce_metadata): the instance's ID
            # (new when it was made again) and a maintenance event; the error when it could not be asked.
            "instance_id": gce.get("instance_id"), "maintenance_event": gce.get("maintenance_event"),
            "gce_metadata_error": gce.get("error"),
            "tdx": tdx, "report": report,
            "evidence": guest_info.get("evidence"), "quote": guest_info.get("quote") if quote else None}


def verify_judgement(attestation, host, attest=True, enforce=True, accept_platform_only=False,
                     accept_test_root=False, guest_info=None, guest_quote=None, nonce=None, user_data="",
                     keyscan=None, quote=False):
    attestation = attestation or {}
    guest_info = guest_info or {}
    guest_quote = guest_quote or {}
    result, judged = host_verdict(attestation, host, attest, guest_quote)
    verified = passes(judged["verdict"], accept_platform_only, accept_test_root)
    failures = []
    if not verified:
        failures = ["attestation: %s" % reason for reason in judged["verdict_reasons"]]
        if judged["verdict"] in NOT_ACCEPTED:
            failures.append("attestation: %s" % NOT_ACCEPTED[judged["verdict"]])
        failures.extend((guest_info.get("verdict") or {}).get("failures") or [])
    judgement = {
        "host": host,
        "verified": verified,
        "attested": judged["verdict"] == ATTESTED,
        "verdict": judged["verdict"],
        "verdict_reasons": judged["verdict_reasons"],
        "proven": judged["proven"],
        "enforced": bool(enforce),
        "failures": failures,
        "tcb_status": result.get("tcb_status"),
        "advisory_ids": list(result.get("advisory_ids") or []),
        "attestation": evidence(result, judged, attestation, nonce, user_data, guest_quote,
                                host_keys(keyscan, host)) if attest else {"attempted": False},
        "self_reported": self_reported(guest_info, quote),
    }
    return judgement
