# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The former home of the retry mechanism, now ``module_utils/retries.py``.

Kept so that code still importing from here (tests/reliability/test_deadlines.py)
gets the very same classes; new code imports ``module_utils.retries``. Remove
this file once nothing imports it.
"""

from ansible_collections.confidential.tdx.plugins.module_utils.retries import (
    Deadline,
    ExponentialBackoff,
    FullJitterBackoff,
    GaveUp,
    RetryPolicy,
)

__all__ = ["Deadline", "ExponentialBackoff", "FullJitterBackoff", "GaveUp", "RetryPolicy"]
