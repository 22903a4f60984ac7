# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Quoting Enclave's TCB status, when dcap-qvl refuses a quote for an invalid status without saying whose.

dcap-qvl merges the QE identity's status into the platform's and, for a
status it never accepts (Revoked), fails with "TCB status is invalid:
Revoked" before returning any claims; its Python binding exposes neither
the QE report nor the QE's own status. So this reads the two facts that
decide it, by hand because no library here gives them: the QE report's
ISVSVN, from the quote's signature data (Intel DCAP, sgx_quote_4.h:
ECDSA signature and attestation key, 64 bytes each, then certification
data of type 6 whose first 384 bytes are the QE report, an
sgx_report_body_t with isv_svn at byte 258), and the first level of
Intel's QE identity (``enclaveIdentity.tcbLevels``, highest ISVSVN first)
whose ISVSVN the QE reaches. The signatures over both were checked by
dcap-qvl before it reached the status.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import struct

SIGNATURE_AND_ATTESTATION_KEY = 64 + 64
QE_REPORT_CERTIFICATION_DATA = 6
QE_REPORT_SIZE = 384
QE_REPORT_ISVSVN_OFFSET = 258
_CERTIFICATION_HEADER = struct.Struct("<HI")


def qe_isvsvn(raw, decoded):
    """The QE report's ISVSVN of ``raw`` (a quote ``decoded`` by tdx.decoder), or None when it carries none."""
    start = decoded["quote_size"] - decoded["signature_data_length"] + SIGNATURE_AND_ATTESTATION_KEY
    if len(raw) < start + _CERTIFICATION_HEADER.size + QE_REPORT_SIZE:
        return None
    kind, size = _CERTIFICATION_HEADER.unpack_from(raw, start)
    if kind != QE_REPORT_CERTIFICATION_DATA or size < QE_REPORT_SIZE:
        return None
    return struct.unpack_from("<H", raw, start + _CERTIFICATION_HEADER.size + QE_REPORT_ISVSVN_OFFSET)[0]


def qe_tcb_status(isvsvn, qe_identity_text):
    """The tcbStatus Intel's QE identity (its JSON text) gives a QE of ``isvsvn``, or None when it gives none."""
    try:
        levels = json.loads(qe_identity_text)["tcbLevels"]
        ranked = sorted(levels, key=lambda level: int(level["tcb"]["isvsvn"]), reverse=True)
        return next((str(level["tcbStatus"]) for level in ranked if isvsvn >= int(level["tcb"]["isvsvn"])), None)
    except (TypeError, ValueError, KeyError):
        return None


def invalid_status_problem(words, raw, decoded, document):
    """dcap-qvl's "TCB status is invalid: S" named as the Quoting Enclave's or the platform's, or None if unknown.

    Unknown when the quote carries no QE report or the QE identity gives its
    ISVSVN no level: the generic problem of dcap.py then stands.
    """
    prefix = "TCB status is invalid: "
    if not words.startswith(prefix) or decoded is None or not document:
        return None
    refused = words[len(prefix):].split()[0]
    isvsvn = qe_isvsvn(raw, decoded)
    status = None if isvsvn is None else qe_tcb_status(isvsvn, document.get("qe_identity"))
    if status is None:
        return None
    if status == refused:
        return ("qe tcb: the Quoting Enclave's TCB status is %s (Intel's QE identity, for its ISVSVN %d): Intel has "
                "revoked the TCB of the enclave that signed this quote's report (dcap-qvl: %s)"
                % (status, isvsvn, words))
    return ("tcb status: TCB status %s: Intel has revoked this platform's TCB; its Quoting Enclave's is %s "
            "(ISVSVN %d) (dcap-qvl: %s)" % (refused, status, isvsvn, words))
