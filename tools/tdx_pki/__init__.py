"""A test PKI and signer for Intel TDX attestation (a test double).

Built on demand with ``cryptography``; independent of the collection
(never imports plugins/) and of dcap-qvl, which is its judge in
tests/unit/tools/test_tdx_pki.py. See README.md for the API.
"""

import time
from dataclasses import dataclass
from typing import Optional

from .collateral import (DEFAULT_TEE_TCB_SVN, INTEL_TD_QE_MRSIGNER, MODULE_STATUSES, QE_STATUSES, STATUSES,
                         TEST_ADVISORIES, Collateral, QeParams, TcbLevel, build_collateral, iso, sign_raw,
                         tcb_levels_for)
from .pki import (INTEL_NAMES, SGX_EXTENSION_OID, TEST_NAMES, Issued, Names, PckLeaf, Platform, TestPki,
                  default_pki, look_alike_of, sgx_extension_der)
from .layout import DEBUG, SEPT_VE_DISABLE
from .quote import TdBody, build_quote, qe_report, raw_public_key

__all__ = [
    "Case", "Collateral", "DEBUG", "DEFAULT_TEE_TCB_SVN", "INTEL_NAMES", "INTEL_TD_QE_MRSIGNER", "Issued",
    "MODULE_STATUSES", "Names", "PckLeaf", "Platform", "QE_STATUSES", "QeParams", "SEPT_VE_DISABLE",
    "SGX_EXTENSION_OID", "STATUSES", "TEST_ADVISORIES", "TEST_NAMES", "TcbLevel", "TdBody", "TestPki",
    "build_case", "build_collateral", "build_quote", "default_pki", "iso", "look_alike_of", "qe_report",
    "raw_public_key", "sgx_extension_der", "sign_raw", "tcb_levels_for",
]


@dataclass
class Case:
    """A quote, the collateral for it, the root to trust, and a time to verify at."""

    quote: bytes
    collateral: Collateral
    root_der: bytes
    now: int
    pki: TestPki
    pck: PckLeaf
    body: TdBody


def build_case(status="UpToDate", *, body: Optional[TdBody] = None, pki: Optional[TestPki] = None,
               platform: Optional[Platform] = None, pck: Optional[PckLeaf] = None, version=4, tdx15=False,
               now=None, quote_options=None, **collateral_options) -> Case:
    """One call for the common case: quote + collateral giving ``status``.

    ``quote_options`` go to :func:`build_quote`, the other keywords to
    :func:`build_collateral` (module_status, qe_status, fmspc, dates,
    revoked_pck, ...).
    """
    pki = pki or default_pki()
    body = body or TdBody()
    pck = pck or pki.pck(platform)
    now = int(time.time() if now is None else now)
    quote = build_quote(body, pki=pki, pck=pck, version=version, tdx15=tdx15, **(quote_options or {}))
    tee_tcb_svn = body.tee_tcb_svn
    collateral = build_collateral(pki, pck.platform, tee_tcb_svn=tee_tcb_svn, status=status, now=now,
                                  **collateral_options)
    return Case(quote, collateral, pki.root_der, now, pki, pck, body)
