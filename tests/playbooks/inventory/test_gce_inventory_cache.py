"""Calls counted in the emulator's log: one list call per project and page when cold, none when warm."""

import pytest

from tests.playbooks.inventory.harness import OTHER_PROJECT, instance, mixed_fleet

pytestmark = pytest.mark.integration


def cached_config(inventory, tmp_path, **options):
    return inventory.config(projects=[inventory.project, OTHER_PROJECT], cache=True,
                            cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"),
                            **options)


def aggregated_path(project):
    return "/compute/v1/projects/%s/aggregated/instances" % project


def test_cold_cache_lists_once_per_project_and_page_warm_cache_calls_nothing(inventory, tmp_path):
    # 600 TDX instances in the first project: two pages of 500; one in the other project.
    fleet = [instance("tdx-%03d" % number, ("us-central1-a", "europe-west4-b")[number % 2]) for number in range(600)]
    fleet.append(instance("other-1", project=OTHER_PROJECT, internal_ip="10.200.0.2"))
    inventory.load(fleet)
    config = cached_config(inventory, tmp_path, hostnames=["private_ip", "name"])

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


def test_warm_cache_still_applies_tdx_only_hostnames_and_groups(inventory, tmp_path):
    inventory.load(mixed_fleet())
    assert inventory.run(cached_config(inventory, tmp_path)).ok
    inventory.admin.clear_requests()
    run = inventory.run(cached_config(inventory, tmp_path, tdx_only=False, hostnames=["name"],
                                      keyed_groups=[{"key": "gce.status", "prefix": "state"}]))
    assert inventory.admin.requests() == []
    assert run.hosts == set(item["name"] for item in mixed_fleet())
    assert run.group("state_STOPPING") == {"web-2"}


def test_cache_is_keyed_on_the_question(inventory, tmp_path):
    inventory.load(mixed_fleet())
    assert inventory.run(cached_config(inventory, tmp_path)).ok
    inventory.admin.clear_requests()
    narrowed = inventory.run(cached_config(inventory, tmp_path, filters=['labels.role = "db"']))
    assert set(narrowed.names().values()) == {"db-1"}
    assert [call["path"] for call in inventory.admin.requests()] == [
        aggregated_path(inventory.project), aggregated_path(OTHER_PROJECT)]


def test_flush_cache_lists_again_and_sees_changes(inventory, tmp_path):
    inventory.load([instance("web-1", internal_ip="10.128.0.10")])
    config = cached_config(inventory, tmp_path)
    assert inventory.run(config).hosts == {"10.128.0.10"}
    inventory.load([instance("web-1", internal_ip="10.128.0.10"), instance("web-2", internal_ip="10.128.0.11")])
    inventory.admin.clear_requests()
    assert inventory.run(config).hosts == {"10.128.0.10"}  # stale by design until flushed or expired
    assert inventory.admin.requests() == []
    flushed = inventory.run(config, args=("--list", "--flush-cache"))
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
