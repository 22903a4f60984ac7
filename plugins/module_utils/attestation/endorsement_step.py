# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""quote_verify's endorsement step: the quote's MRTD against Google's cached launch endorsement.

Three outcomes, and only one refuses the quote:

- no endorsement for the MRTD (not in the cache: a firmware Google did not
  sign, or tdx_collateral not run): reported, not refused; the policy must
  then pin the MRTD for the verdict to trust the firmware;
- an endorsement that is invalid (bad signature, another root, an expired
  certificate, the MRTD not listed, not an endorsement at all): refused,
  its problems become the quote's;
- an endorsement whose signer cannot be judged because the collection
  holds no pin of Google's root (see endorsement.py): reported, not refused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.endorsement_cache import endorsement_path


# The hosts of a fleet share one firmware (one MRTD) and a batch one time to
# verify at: its endorsement is read and verified once, not once per quote.
_CHECKED = {}
_CHECKED_LIMIT = 64


def check(decoded, cache_dir, at, root):
    """(the ``endorsement`` result dict, problems that refuse the quote) for a decoded quote."""
    # The root by its hash, not by id(): a freed root's id can be another's.
    key = (cache_dir, decoded["mrtd"].lower(), at, root.sha256 if root is not None else endorsement.GOOGLE_ROOT_SHA256)
    if key not in _CHECKED:
        if len(_CHECKED) >= _CHECKED_LIMIT:
            _CHECKED.clear()
        _CHECKED[key] = _check(decoded["mrtd"].lower(), cache_dir, at, root)
    result, problems = _CHECKED[key]
    return dict(result), list(problems)


def _check(mrtd_hex, cache_dir, at, root):
    if not cache_dir:
        return endorsement.missing(mrtd_hex, "no collateral_dir: endorsements are read from the cache of "
                                             "confidential.tdx.tdx_collateral", root), []
    path = endorsement_path(cache_dir, mrtd_hex)
    if not os.path.isfile(path):
        return endorsement.missing(mrtd_hex, "no %s: Google did not sign this firmware, or "
                                             "confidential.tdx.tdx_collateral has not fetched it" % path, root), []
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except (IOError, OSError) as exc:
        result = endorsement.missing(mrtd_hex, "cannot read %s: %s" % (path, exc.strerror or exc), root)
        return result, []
    result = endorsement.verify(blob, bytes.fromhex(mrtd_hex), at, root)
    result["path"] = path
    return result, list(result["problems"]) if result["status"] == endorsement.INVALID else []
