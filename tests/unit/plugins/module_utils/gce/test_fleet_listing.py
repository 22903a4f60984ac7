"""Finding a whole fleet by name in few list calls, and the API call bound."""

import threading
import time

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import ComputeApi
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import (
    NAMES_FILTER_MAX_LENGTH,
    names_filters,
)


def test_names_become_one_anchored_alternation():
    assert names_filters(["web-2", "web-1", "web-2"]) == ['name eq "(web-1|web-2)"']


def test_a_long_list_of_names_is_split_and_every_name_is_in_exactly_one_filter():
    names = ["instance-with-a-long-name-%04d" % number for number in range(500)]
    filters = names_filters(names)
    assert len(filters) > 1
    assert all(len(expression) <= NAMES_FILTER_MAX_LENGTH + len('name eq "()"') for expression in filters)
    listed = [name for expression in filters for name in expression[len('name eq "('):-2].split("|")]
    assert sorted(listed) == sorted(names)


def test_a_hundred_typical_names_fit_in_one_call():
    assert len(names_filters(["tdx-worker-%03d" % number for number in range(100)])) == 1


class FakeComputeV1:
    """Stands in for google.cloud.compute_v1 where only client construction matters."""

    built = []

    class InstancesClient:
        def __init__(self, credentials, client_options):
            FakeComputeV1.built.append(self)
            self.users = 0
            self.most_users = 0


def fake_library(monkeypatch):
    FakeComputeV1.built = []
    monkeypatch.setattr("ansible_collections.confidential.tdx.plugins.module_utils.gce.api.compute_v1",
                        lambda: FakeComputeV1)


def run_threads(count, target):
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_the_call_bound_is_shared_by_every_thread_and_a_client_serves_one_call_at_a_time(monkeypatch):
    fake_library(monkeypatch)
    api = ComputeApi(credentials=None, project="p")
    api.limit_concurrency(2)
    lock = threading.Condition()
    state = {"now": 0, "peak": 0}

    def call(client):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            client.users += 1
            client.most_users = max(client.most_users, client.users)
            lock.notify_all()
            # The first call waits for a second (a sleep alone may end first on
            # a loaded machine), so the peak of 2 does not depend on timing.
            lock.wait_for(lambda: state["peak"] >= 2, timeout=10)
        time.sleep(0.05)  # in flight long enough for more to try to join
        with lock:
            state["now"] -= 1
            client.users -= 1

    run_threads(8, lambda: api._with_client("InstancesClient", call))
    assert state["peak"] == 2
    # However many threads, no more clients than calls in flight, each used by one call at a time.
    assert len(FakeComputeV1.built) == 2
    assert max(client.most_users for client in FakeComputeV1.built) == 1


def test_without_a_bound_each_thread_gets_its_own_client(monkeypatch):
    fake_library(monkeypatch)
    api = ComputeApi(credentials=None, project="p")
    mine = api.client("InstancesClient")
    assert api.client("InstancesClient") is mine
    theirs = []
    run_threads(1, lambda: theirs.extend([api.client("InstancesClient"), api.client("InstancesClient")]))
    assert theirs[0] is theirs[1] and theirs[0] is not mine
    assert len(FakeComputeV1.built) == 2
