"""The gce inventory plugin's cache in-process: what a cached answer is reused for, and when it is not.

Each run is a fresh plugin object reading and writing the jsonfile cache on
disk, as successive ansible-inventory runs do; ``cache=False`` is what
``--flush-cache`` hands to parse(). The cache across real ansible-inventory
processes: tests/playbooks/inventory/test_gce_inventory_cache.py.
"""

import pytest

from tests.playbooks.inventory.harness import OTHER_PROJECT, aggregated_path, instance, mixed_fleet

pytestmark = pytest.mark.integration


def test_warm_cache_still_applies_tdx_only_hostnames_and_groups(inventory):
    inventory.load(mixed_fleet())
    assert inventory.run(inventory.cached_config()).ok
    inventory.admin.clear_requests()
    run = inventory.run(inventory.cached_config(tdx_only=False, hostnames=["name"],
                                                keyed_groups=[{"key": "gce.status", "prefix": "state"}]))
    assert inventory.admin.requests() == []
    assert run.hosts == set(item["name"] for item in mixed_fleet())
    assert run.group("state_STOPPING") == {"web-2"}


def test_cache_is_keyed_on_the_question(inventory):
    inventory.load(mixed_fleet())
    assert inventory.run(inventory.cached_config()).ok
    inventory.admin.clear_requests()
    narrowed = inventory.run(inventory.cached_config(filters=['labels.role = "db"']))
    assert set(narrowed.names().values()) == {"db-1"}
    assert [call["path"] for call in inventory.admin.requests()] == [
        aggregated_path(inventory.project), aggregated_path(OTHER_PROJECT)]


def test_flush_cache_lists_again_and_sees_changes(inventory):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    config = inventory.cached_config()
    assert inventory.run(config).hosts == {"10.128.0.10"}
    inventory.load([instance("web-1", internal_ip="10.128.0.10"), instance("web-2", internal_ip="10.128.0.11")])
    inventory.admin.clear_requests()
    assert inventory.run(config).hosts == {"10.128.0.10"}  # stale by design until flushed or expired
    assert inventory.admin.requests() == []
    flushed = inventory.run(config, cache=False)  # ansible-inventory --flush-cache
    assert flushed.hosts == {"10.128.0.10", "10.128.0.11"}
    assert len(inventory.admin.requests()) == 2
    inventory.admin.clear_requests()
    assert inventory.run(config).hosts == {"10.128.0.10", "10.128.0.11"}
    assert inventory.admin.requests() == []


def test_without_cache_every_run_lists(inventory):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    for _ in range(2):
        inventory.admin.clear_requests()
        assert inventory.run(inventory.config()).hosts == {"10.128.0.10"}
        assert [call["path"] for call in inventory.admin.requests()] == [aggregated_path(inventory.project)]
