# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The door to dcap-qvl (Phala-Network's Rust implementation of Intel's quote verification library).

Controller only: guest-side code never imports this package. dcap_qvl is
imported on first use, so a task that fails on its arguments does not pay
for the import, and a controller without it gets one line naming the
package and how to install it.

dcap-qvl says what failed in an English sentence (through ``ValueError``);
:func:`named_problem` turns each sentence it is known to give into the name
of the check that failed and what that means, keeping dcap-qvl's own words
at the end, so a message this table does not know still reaches the user.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import importlib
import re

PACKAGE = "dcap-qvl"
PINNED = "dcap-qvl==0.7.0"
MISSING = ("quote verification needs the Python package %s on the controller: install it with "
           "'pip install %s' (it is in the collection's requirements.txt)" % (PACKAGE, PINNED))

_dcap_qvl = None


class MissingDcapQvl(ImportError):
    """dcap-qvl is not installed on the controller."""


def dcap_qvl():
    """The dcap_qvl module, imported on first use; MissingDcapQvl with the one-line fix when absent."""
    global _dcap_qvl  # pylint: disable=global-statement
    if _dcap_qvl is None:
        try:
            _dcap_qvl = importlib.import_module("dcap_qvl")
        except ImportError:
            raise MissingDcapQvl(MISSING)
    return _dcap_qvl


def _iso(seconds):
    return datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix_times(text):
    """``UnixTime(N)`` values in a webpki error, as ISO 8601."""
    return [_iso(value) for value in re.findall(r"UnixTime\((\d+)\)", text)]


def _crl_expired(text, match):
    times = _unix_times(text)
    if len(times) == 2:
        return "a CRL of the collateral had its next update due %s, before the time verified at %s" % (times[1], times[0])
    return "a CRL of the collateral is past its next update"


def _cert_expired(text, match):
    times = _unix_times(text)
    detail = " (not after %s, verified at %s)" % (times[1], times[0]) if len(times) == 2 else ""
    return "a certificate of the PCK chain or the collateral has expired%s" % detail


# (pattern in dcap-qvl's message, check name, what it means or a function of (message, match)).
# Order matters: the first pattern found wins.
KNOWN_ERRORS = (
    (r"Failed to load root ca|Failed to parse root CA certificate", "root",
     "the root certificate cannot be used as a trust anchor"),
    (r"Unknown QE vendor ID", "qe vendor", "the quote's QE vendor id is not Intel's"),
    (r"Failed to decode quote|Failed to parse quote|Unsupported DCAP quote|Unsupported body type|"
     r"Invalid body size|Invalid TEE type|must have version|Unsupported DCAP attestation key type|"
     r"Unsupported quote version|Unsupported TEE type|Invalid QE auth data length|Unsupported auth data version|"
     r"Failed to parse TD attributes|Invalid MR service TD|Failed to decode QE report",
     "parse", "dcap-qvl cannot read the quote"),
    (r"ISV enclave report signature is invalid", "quote signature",
     "the attestation key's signature over the quote header and TD body does not verify: the quote was changed "
     "after it was signed"),
    (r"QE report hash mismatch", "attestation key binding",
     "the QE report does not bind the quote's attestation key and QE auth data (its report data is not their "
     "SHA-256): the attestation key is not the Quoting Enclave's"),
    (r"Signature is invalid for qe_report", "qe report signature",
     "the PCK key's signature over the QE report does not verify"),
    (r"Signature is invalid for tcb_info", "collateral signature", "the TCB info is not signed by its issuer chain"),
    (r"Signature is invalid for qe_identity", "collateral signature",
     "the QE identity is not signed by its issuer chain"),
    (r"CertRevoked|certificate revoked|Revoked certificate", "pck revoked",
     "a certificate of the PCK chain is on the collateral's revocation list"),
    (r"CrlExpired|certificate revocation list expired", "collateral expired", _crl_expired),
    (r"TCBInfo expired|TCB Info expired", "collateral expired", "the TCB info is past its next update"),
    (r"QE Identity expired", "collateral expired", "the QE identity is past its next update"),
    (r"Collateral expired", "collateral expired", "the collateral is past its earliest expiration"),
    (r"issue date is in the future|CertNotValidYet|not valid yet", "collateral not yet valid",
     "the collateral or a certificate was issued after the time verified at"),
    (r"CertExpired|certificate expired", "certificate expired", _cert_expired),
    (r"UnknownIssuer|InvalidSignatureForPublicKey|Failed to verify certificate chain|BadSignature",
     "certificate chain", "the PCK certificate chain does not lead to the root in use"),
    (r"UnknownRevocationStatus|InvalidCrl|invalid certificate revocation list|IssuerNotCrlSigner|CRL",
     "revocation list", "the collateral's revocation lists cannot be read or are not signed by the root in use"),
    (r"Fmspc mismatch", "collateral fmspc", "the collateral's TCB info is for another platform (FMSPC) than the quote's"),
    (r"non-TDX TCB info|non-SGX TCB info", "collateral kind", "the collateral's TCB info is not for this kind of quote"),
    (r"No matching TCB level found|TCB level mismatch", "tcb level",
     "the platform's TCB is below every TCB level Intel lists for its FMSPC"),
    (r"(?:TDX|SGX) component count mismatch|Unknown TCB status|Unrecognized TCB status", "collateral",
     "the collateral's TCB info is not one dcap-qvl can match a platform against"),
    (r"Failed to decode TcbInfo|Failed to parse TCB Info|Failed to decode QeIdentity|Failed to parse QE Identity|"
     r"Certificate chain is too short for (?:TCB Info|QE Identity)|No certificate found in QE identity issuer chain|"
     r"No TCB levels found in QE Identity",
     "collateral", "the collateral's TCB info or QE identity cannot be read"),
    (r"Unsupported QE Identity id/version|TDX TCB Info is missing tdxModule", "collateral kind",
     "the collateral's QE identity or TCB info is not for this kind of quote"),
    (r"TCB eval data number (\d+) is below minimum (\d+)", "tcb evaluation number",
     "the collateral's TCB evaluation data number %(1)s is below the policy's min_tcb_eval_data_number %(2)s"),
    # dcap-qvl merges the platform's and the Quoting Enclave's statuses; verifier.py names which with qe_status.py.
    (r"TCB status is invalid: (\w+)", "tcb status",
     "TCB status %(1)s: Intel has revoked the TCB of this platform or of its Quoting Enclave"),
    (r"TCB status (\w+) is not acceptable by policy", "tcb status", "TCB status %(1)s is not allowed by the policy"),
    (r"Advisory ID ([\w-]+) is rejected by policy", "advisory", "advisory %(1)s is refused by the policy"),
    (r"Platform TCB too old", "tcb grace period",
     "the platform's TCB level is older than the policy's tcb_grace_period allows"),
    (r"QE TCB too old", "qe tcb",
     "the Quoting Enclave's TCB level is not UpToDate and older than the policy's tcb_grace_period allows"),
    (r"QE ISVSVN (\d+) is below minimum required (\d+)", "qe tcb",
     "the Quoting Enclave's ISVSVN %(1)s is below every TCB level of Intel's QE identity (the lowest is %(2)s)"),
    (r"SGX type (\w+) is not in accepted types", "sgx type", "the PCK certificate's SGX type %(1)s is not accepted"),
    (r"(Dynamic platform|Cached keys|SMT)[\w ()]* (is|are) not allowed by policy", "platform flags",
     "%(1)s is not allowed by the policy"),
    (r"Debug mode is enabled", "td attributes", "the TD has the DEBUG attribute"),
    (r"TD migration is enabled", "td attributes", "the TD has the MIGRATABLE attribute"),
    (r"Reserved bits in TD attributes are set", "td attributes", "reserved TD attribute bits are set"),
    (r"SEPT_VE_DISABLE is not enabled", "td attributes", "SEPT_VE_DISABLE is not set"),
    # HGS_PLUS_PROF, PERF_PROF or PMT_PROF: the host can profile the TD.
    (r"TD profiling is enabled", "td attributes", "the TD has a profiling attribute set (HGS_PLUS_PROF, PERF_PROF "
                                                  "or PMT_PROF): the host can observe it"),
    (r"SERVTD_EXT is enabled", "td attributes", "the TD has the SERVTD_EXT attribute"),
    (r"TDX module ISVSVN (\d+) is below minimum", "tdx module tcb",
     "the TDX module's ISVSVN %(1)s is below every TDX module TCB level of the collateral"),
    (r"TDX module MRSIGNER mismatch|TDX module SEAMATTRIBUTES|TDX module identity", "tdx module identity",
     "the TDX module is not one the collateral names"),
    (r"QE (ISVPRODID|MISCSELECT|ATTRIBUTES|MRSIGNER)[\w ]* mismatch|QE [Ii]dentity", "qe identity",
     "the Quoting Enclave is not the one Intel's QE identity names"),
    (r"Unsupported DCAP PCK cert format|Certificate chain is too short|Failed to parse PCK certificate|"
     r"Intel extension|Empty PCK certificate chain|Failed to extract PCK certificates|"
     r"Too many intermediate certificates", "pck certificate",
     "the quote's PCK certificate chain is missing or unreadable"),
)

_COMPILED = [(re.compile(pattern), name, meaning) for pattern, name, meaning in KNOWN_ERRORS]


def dcap_words(error):
    """dcap-qvl's message without its "Verification failed: " prefix, on one line."""
    text = " ".join(str(error).split())
    prefix = "Verification failed: "
    return text[len(prefix):] if text.startswith(prefix) else text


def qe_status_problem(words, qe_status, platform_status, allowed):
    """The ``qe tcb`` problem when the status dcap-qvl refused is the Quoting Enclave's, else None.

    dcap-qvl merges the QE identity's TCB status into the quote's one status and names neither; its claims
    (read again without the policy) keep both: when the platform's status is allowed and the QE's is the one
    refused, the QE is what failed.
    """
    match = re.search(r"TCB status (\w+) is not acceptable by policy", words)
    if not match or qe_status != match.group(1) or platform_status not in allowed:
        return None
    return ("qe tcb: the Quoting Enclave's TCB status %s (from Intel's QE identity) is not allowed by the policy; the "
            "platform's own is %s (dcap-qvl: %s)" % (qe_status, platform_status, words))


def named_problem(error):
    """(check name, one-line problem) for an error dcap-qvl raised."""
    words = dcap_words(error)
    for pattern, name, meaning in _COMPILED:
        match = pattern.search(words)
        if match:
            if callable(meaning):
                text = meaning(words, match)
            else:
                text = meaning % dict(("%d" % index, group) for index, group in enumerate(match.groups(), 1))
            return name, "%s: %s (dcap-qvl: %s)" % (name, text, words)
    return "verification", "verification: dcap-qvl refused the quote (dcap-qvl: %s)" % words
