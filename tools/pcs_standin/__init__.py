"""A local stand-in for Intel's PCS v4 / a PCCS, serving collateral documents (a test double).

Independent of the collection (never imports plugins/) and of tools/tdx_pki;
dcap-qvl's own collateral client is its judge in
tests/unit/tools/test_pcs_standin.py.
"""

from .server import CONTROL_PREFIX, CollateralStore, PcsStandin

__all__ = ["CONTROL_PREFIX", "CollateralStore", "PcsStandin"]
