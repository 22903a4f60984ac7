"""A per-minute rate limit seen by one call is known to the next call before it can take the lane.

With a concurrency bound, a refused call hands its lane back; the thread
that takes it next must already see the used-up quota and wait, not send
a write into the same refusal.
"""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import ComputeApi
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline
from tests.unit.plugins.module_utils.gce.test_errors import RATE_LIMIT_MESSAGE, api_error


class Refused(object):
    """The one client of the lane: every call is refused by the write rate limit."""

    def insert_unary(self, **dummy):
        raise api_error(403, "rateLimitExceeded", RATE_LIMIT_MESSAGE, date="Wed, 02 Dec 2026 10:00:15 GMT")


def test_the_refill_is_noted_before_the_refused_call_hands_its_lane_back():
    api = ComputeApi(credentials=None, project="p", deadline=Deadline(600), sleep=lambda seconds: None)
    api.limit_concurrency(1)
    lanes = api._lanes
    lane = lanes.get()
    lane["InstancesClient"] = Refused()
    lanes.put(lane)
    seen_by_the_next_taker = []
    real_put = lanes.put

    def put(lane):
        # The moment the lane is free again: what would a thread waiting for it see?
        seen_by_the_next_taker.append(api._refill_pending("write"))
        real_put(lane)

    lanes.put = put
    with pytest.raises(Exception):
        api._with_client("InstancesClient", lambda client: client.insert_unary(), kind="write")
    assert seen_by_the_next_taker and seen_by_the_next_taker[-1] > 40, seen_by_the_next_taker
    assert api._refill_pending("read") == 0.0  # a write limit leaves reads alone
