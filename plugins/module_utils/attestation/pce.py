# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The PCE ID check: the collateral's TCB info must be for the quote's Provisioning Certification Enclave.

A TCB info names one FMSPC and one PCE ID; its TCB levels (the PCE SVN
among them) only mean something for that PCE. dcap-qvl 0.7 compares the
FMSPC but not the PCE ID, so a TCB info for another PCE would be matched
against this platform's PCE SVN; go-tdx-guest refuses that, and so do we.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import json


def pce_id_problems(pck_pce_id, document):
    """The ``pce id`` problem of the PCK certificate's PCE ID (bytes) against the TCB info of ``document``, or []."""
    try:
        tcb_info = json.loads(document["tcb_info"])
        expected = str(tcb_info["pceId"]).lower()
    except (TypeError, ValueError, KeyError):
        return ["pce id: the collateral's TCB info has no pceId to compare with the PCK certificate's PCE ID"]
    seen = binascii.hexlify(bytes(pck_pce_id)).decode("ascii")
    if seen == expected:
        return []
    return ["pce id: the PCK certificate's PCE ID is %s, the TCB info's pceId is %s: the collateral is for another "
            "Provisioning Certification Enclave, so its TCB levels do not apply to this platform" % (seen, expected)]
