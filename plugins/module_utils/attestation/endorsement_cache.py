# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where the collateral cache keeps Google's launch endorsements; shared by tdx_collateral and quote_verify.

``<cache_dir>/endorsements/tdx/<MRTD in lower-case hex>.binarypb``: the
object's bytes as Google's bucket serves them, named as Google names them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

CACHE_FOLDER = os.path.join("endorsements", "tdx")


def endorsement_path(cache_dir, mrtd_hex):
    return os.path.join(cache_dir, CACHE_FOLDER, "%s.binarypb" % mrtd_hex.lower())
