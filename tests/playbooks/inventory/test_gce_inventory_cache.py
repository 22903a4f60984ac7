"""Calls counted in the emulator's log: one list call per project and page when cold, none when warm.

Two real ansible-inventory runs, for what only separate processes show: the
answer kept by Ansible's cache plugin (named by its FQCN, as users write it)
from one run to the next. What a cached answer is reused for and when it is
not (tdx_only, hostnames and groups on a warm cache, the key on the
question, --flush-cache, no cache) is asserted in-process, each run a fresh
plugin over the same jsonfile cache on disk, in
tests/inprocess/inventory/test_plugin_cache.py.
"""

import pytest

from tests.playbooks.inventory.harness import OTHER_PROJECT, aggregated_path, instance

pytestmark = pytest.mark.integration


def test_cold_cache_lists_once_per_project_and_page_warm_cache_calls_nothing(inventory):
    # 600 TDX instances in the first project: two pages of 500; one in the other project.
    fleet = [instance("tdx-%03d" % number, ("us-central1-a", "europe-west4-b")[number % 2]) for number in range(600)]
    fleet.append(instance("other-1", project=OTHER_PROJECT, internal_ip="10.200.0.2"))
    inventory.load(fleet)
    config = inventory.cached_config(hostnames=["private_ip", "name"])

    inventory.admin.clear_requests()
    cold = inventory.run(config)
    assert len(cold.hosts) == 601
    calls = inventory.admin.requests()
    assert [(call["method"], call["path"]) for call in calls] == [
        ("GET", aggregated_path(inventory.project)),
        ("GET", aggregated_path(inventory.project)),
        ("GET", aggregated_path(OTHER_PROJECT)),
    ]
    assert [call["query"].get("pageToken") is not None for call in calls] == [False, True, False]

    inventory.admin.clear_requests()
    warm = inventory.run(config)
    assert warm.data == cold.data
    assert inventory.admin.requests() == []
