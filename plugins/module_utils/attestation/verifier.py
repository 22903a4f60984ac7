# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Verify TDX quotes on the controller, in go-tdx-guest's composable steps.

1. parse: the collection's own decoder (the ``tdx_quote`` keys); bad bytes
   become a ``problems`` line, never an exception;
2. cryptography and collateral: dcap-qvl, with the chosen root and the
   collateral half of the policy, at the time to verify at;
3. validation: the body half of the policy on the decoded quote;
4. freshness: the report data recomputed from this run's nonce.

Every step runs that can run, so a refused quote lists every reason at
once. One :class:`Verifier` checks any number of quotes in one process,
reading each collateral file once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import json
import os
import struct

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import chain as pck_chain
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import rollback
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement_step
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import qe_status
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.dcap import (
    dcap_qvl,
    dcap_words,
    named_problem,
    qe_status_problem,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_step import event_log_step
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import freshness_problems
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.pce import pce_id_problems
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import body_problems, dcap_policy
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import verdict_of
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError

# dcap-qvl refusals that are the policy's verdict on a quote it verified:
# the claims are then read once more without the policy, for the report.
# An SGX enclave's quote (Intel DCAP sgx_quote_3.h): refused by name rather than as an unknown version.
SGX_QUOTE_VERSION = 3
TEE_TYPE_SGX = 0x00000000

PLATFORMS_REMEMBERED = 1024

POLICY_CHECKS = ("tcb status", "advisory", "tcb grace period", "platform flags", "td attributes", "qe tcb",
                 "tcb evaluation number")


def quote_bytes(text):
    """(bytes, problem) of a base64 quote as guest_quote returns it."""
    if text is None:
        return None, "parse: no quote was given (the host returned none)"
    if isinstance(text, (bytes, bytearray)):
        return bytes(text), None
    if not isinstance(text, str):
        return None, "parse: the quote must be base64 text, got %s" % type(text).__name__
    try:
        return base64.b64decode("".join(text.split()).encode("ascii"), validate=True), None
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        return None, "parse: the quote is not valid base64 text (%s)" % exc


def parse_step(raw):
    """(decoded, the quote's own bytes, problems): the decoder's verdict on ``raw``."""
    if not raw:
        return None, None, ["parse: the quote is empty"]
    if len(raw) >= 8 and struct.unpack_from("<HHI", raw, 0)[::2] == (SGX_QUOTE_VERSION, TEE_TYPE_SGX):
        return None, None, ["parse: an SGX quote (version 3, TEE type SGX), not a TDX quote: it attests an enclave, "
                            "not a trust domain"]
    try:
        decoded = decode_quote(raw)
    except TdxDecodeError as exc:
        return None, None, ["parse: %s" % exc]
    problems = []
    # Zero bytes after the quote are the kernel's buffer padding; anything else was added to it.
    if raw[decoded["quote_size"]:].strip(b"\0"):
        problems.append("parse: %d bytes that are not zero padding follow the end of the quote (it declares %d "
                        "bytes): the input is a quote with garbage appended"
                        % (decoded["trailing_bytes"], decoded["quote_size"]))
    return decoded, raw[:decoded["quote_size"]], problems


def _flag(value):
    if isinstance(value, str):
        return value.lower() == "true"
    return None if value is None else bool(value)


def _hex(value):
    return bytes(value).hex() if isinstance(value, list) else value


def claims_summary(claims):
    """What the result keeps of dcap-qvl's claims."""
    platform = claims.get("platform") or {}
    pck = platform.get("pck") or {}
    level = platform.get("tcb_level") or {}
    qe_level = (claims.get("qe") or {}).get("tcb_level") or {}
    return {
        "tcb_status": (claims.get("tcb") or {}).get("status"),
        "advisory_ids": list((claims.get("tcb") or {}).get("advisory_ids") or []),
        "tcb_eval_data_number": (claims.get("tcb") or {}).get("eval_data_number"),
        "platform": {
            "fmspc": (_hex(pck.get("fmspc")) or "").upper(),
            "pce_id": _hex(pck.get("pce_id")),
            "sgx_type": pck.get("sgx_type"),
            "dynamic_platform": _flag(pck.get("dynamic_platform")),
            "cached_keys": _flag(pck.get("cached_keys")),
            "smt_enabled": _flag(pck.get("smt_enabled")),
            "tcb_date": level.get("tcbDate"),
            "tcb_level_status": level.get("tcbStatus"),
            "qe_tcb_status": qe_level.get("tcbStatus"),
        },
    }


class LoadedCollateral:
    def __init__(self, path, collateral=None, dates=None, problem=None, document=None):
        self.path = path
        self.collateral = collateral
        self.dates = dates
        self.problem = problem
        self.document = document
        self._described = None
        self._pce_problems = {}

    def describe(self):
        if self._described is None:
            self._described = {"path": self.path}
            for key, value in (self.dates or {}).items():
                self._described[key] = timestamps.iso(value) if key.endswith(("_date", "_update")) else value
        return dict(self._described)

    def pce_problems(self, pce_id):
        """pce_id_problems of this collateral's TCB info, once per PCE ID (it parses the TCB info)."""
        if pce_id not in self._pce_problems:
            self._pce_problems[pce_id] = pce_id_problems(pce_id, self.document)
        return list(self._pce_problems[pce_id])


class Verifier:
    """Verifies quotes against one root and one policy; collateral files are read once each."""

    def __init__(self, root, policy, collateral_path=None, collateral_dir=None, endorsement_root=None):
        # A testing launch endorsement root; None: Google's, found in each endorsement by its pinned SHA-256.
        self.endorsement_root = endorsement_root
        self._dcap_policy_at = None
        self.dcap = dcap_qvl()
        self.root = root
        self.policy = policy
        self.collateral_path = collateral_path
        self.collateral_dir = collateral_dir
        self._verifier = self.dcap.QuoteVerifier(root.der)
        self._loaded = {}
        self._platforms = {}

    def _load(self, path):
        if path not in self._loaded:
            try:
                text, document = cache.read_document(path)
                dates = cache.signed_dates(document)
                loaded = LoadedCollateral(path, self.dcap.QuoteCollateralV3.from_json(text), dates,
                                          document=document)
            except cache.CollateralError as exc:
                loaded = LoadedCollateral(path, problem="collateral: %s" % exc)
            except ValueError as exc:  # dcap-qvl's from_json
                loaded = LoadedCollateral(path, problem="collateral: dcap-qvl cannot read %s (%s)"
                                                        % (path, " ".join(str(exc).split())))
            self._loaded[path] = loaded
        return self._loaded[path]

    def platform_of(self, quote):
        """(fmspc, ca, PCK chain, PCE ID or None, problem) from the PCK certificate chain in the quote.

        Remembered per chain: the TDs of one machine carry its one PCK
        certificate, and each value is a parse of it in dcap-qvl (together
        a third of a quote's verification, without the memory).
        """
        try:
            parsed = self.dcap.parse_quote(quote)
            pem = parsed.cert_chain_pem_bytes()
        except ValueError:
            parsed, pem = None, None
        if pem is None or pem not in self._platforms:
            platform = self._read_platform(parsed, quote)
            if pem is None:
                return platform
            if len(self._platforms) >= PLATFORMS_REMEMBERED:
                self._platforms.clear()
            self._platforms[pem] = platform
        return self._platforms[pem]

    def _read_platform(self, parsed, quote):
        try:
            parsed = parsed or self.dcap.parse_quote(quote)
            fmspc, ca = parsed.fmspc().upper(), parsed.ca().lower()
        except ValueError as exc:
            return None, None, [], None, ("pck certificate: the quote's PCK certificate gives no FMSPC (dcap-qvl: %s)"
                                          % " ".join(str(exc).split()))
        try:
            pce_id = parsed.pck_extension().pce_id
        except ValueError:
            pce_id = None
        return fmspc, ca, pck_chain.chain_of(parsed), pce_id, None

    def collateral_for(self, fmspc, ca, path=None):
        """The LoadedCollateral for a quote: the given file, else the cache entry of its FMSPC and CA."""
        path = path or self.collateral_path
        if path:
            return self._load(path)
        if fmspc is None:
            return None
        path = cache.entry_path(self.collateral_dir, fmspc, ca)
        if path not in self._loaded and not os.path.exists(path):
            return LoadedCollateral(path, problem="collateral: no collateral for FMSPC %s (PCK CA %s) in %s (no %s): "
                                                  "run confidential.tdx.tdx_collateral for these quotes first"
                                                  % (fmspc, ca, self.collateral_dir, os.path.basename(path)))
        loaded = self._load(path)
        # A cache entry older than one tdx_collateral saw is a rollback (rollback.py); checked once per file.
        if loaded.problem is None and not getattr(loaded, "rollback_checked", False):
            loaded.rollback_checked = True
            loaded.problem = rollback.cache_problem(self.collateral_dir, fmspc, loaded.document)
        return loaded

    def _dcap_policy(self, at):
        """dcap-qvl's policy at ``at``, built once per verification time (a batch has one)."""
        if self._dcap_policy_at is None or self._dcap_policy_at[0] != at:
            self._dcap_policy_at = (at, dcap_policy(self.dcap, self.policy, at))
        return self._dcap_policy_at[1]

    @staticmethod
    def pce_step(pce_id, loaded):
        """The PCE ID check dcap-qvl does not make (pce.py says why)."""
        if pce_id is None:
            return []  # dcap-qvl names an unreadable PCK certificate
        return loaded.pce_problems(bytes(pce_id))

    def crypto_step(self, quote, decoded, loaded, chain, at):
        """(claims, problems): dcap-qvl's verdict at ``at`` under the policy (``decoded``: parse_step's)."""
        collateral = loaded.collateral
        try:
            claims = self._verifier.verify_with_policy(quote, collateral, at, self._dcap_policy(at))
            return json.loads(claims.to_json()), []
        except ValueError as exc:
            error = exc
        name, problem = named_problem(error)
        if name == "certificate chain":
            causes = pck_chain.chain_causes(chain, loaded.document, at)
            if causes:
                return None, ["%s (dcap-qvl: %s)" % (cause, dcap_words(error)) for cause in causes]
        claims = None
        if name in POLICY_CHECKS:
            try:
                claims = json.loads(self._verifier.verify_with_policy(
                    quote, collateral, at, self.dcap.QuotePolicy.claims_only(at)).to_json())
            except ValueError:
                claims = None
        if name == "tcb status" and claims is not None:
            summary = claims_summary(claims)["platform"]
            problem = qe_status_problem(dcap_words(error), summary["qe_tcb_status"], summary["tcb_level_status"],
                                        self.policy.tcb_statuses) or problem
        elif name == "tcb status":  # refused before any claims: an invalid status, the platform's or the QE's
            problem = qe_status.invalid_status_problem(dcap_words(error), quote, decoded, loaded.document) or problem
        return claims, [problem]

    def verify(self, quote, expected=None, verify_at=None, collateral_path=None, skip_freshness_check=False,
               event_log=None, event_log_table=None):
        """The verdict on one quote (base64 text or bytes): a result dict with ``verified`` and ``problems``.

        Without ``expected`` the quote is refused as a possible replay unless ``skip_freshness_check``.
        ``event_log`` and ``event_log_table`` are the host's CCEL data and table (base64), replayed by eventlog_step.py.
        """
        at = timestamps.now() if verify_at is None else verify_at
        result = {"verified": False, "verify_at": timestamps.iso(at), "root": self.root.sha256,
                  "root_is_intel": self.root.is_intel, "tcb_status": None, "advisory_ids": [], "fmspc": None,
                  "ca": None, "quote": None, "quote_sha256": None, "collateral": None, "platform": None,
                  "tcb_eval_data_number": None, "report_data_checked": expected is not None,
                  "freshness_checked": expected is not None}
        result["event_log"] = None  # set by the event-log step once the quote is parsed
        raw, problem = quote_bytes(quote)
        if problem:
            result["problems"] = [problem]
            result.update(verdict_of(result, self.policy))
            return result
        decoded, own, problems = parse_step(raw)
        result["quote"] = decoded
        if decoded is None:
            result["problems"] = problems
            result.update(verdict_of(result, self.policy))
            return result
        result["quote_sha256"] = hashlib.sha256(own).hexdigest()
        fmspc, ca, chain, pce_id, problem = self.platform_of(own)
        result["fmspc"], result["ca"] = fmspc, ca
        if problem:
            problems.append(problem)
        # A chain to another root is refused as such; dcap-qvl would only say what first failed on the way.
        problem = pck_chain.root_problem(chain, self.root)
        if problem:
            problems.append(problem)
        loaded = self.collateral_for(fmspc, ca, collateral_path)
        if loaded is not None:
            result["collateral"] = loaded.describe()
            if loaded.problem:
                problems.append(loaded.problem)
            elif not problem:
                problems.extend(self.pce_step(pce_id, loaded))
                claims, crypto = self.crypto_step(own, decoded, loaded, chain, at)
                problems.extend(crypto)
                if claims is not None:
                    summary = claims_summary(claims)
                    result["platform"] = summary.pop("platform")
                    result.update(summary)
        problems.extend(body_problems(decoded, self.policy))
        problems.extend(freshness_problems(expected, decoded, skip_freshness_check))
        result["endorsement"], refusals = endorsement_step.check(decoded, self.collateral_dir, at,
                                                                 self.endorsement_root)
        problems.extend(refusals)
        result["event_log"], log_problems = event_log_step(decoded, event_log, event_log_table, self.policy)
        problems.extend(log_problems)
        result["problems"] = problems
        result["verified"] = not problems
        result.update(verdict_of(result, self.policy))
        return result
