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


def test_the_call_bound_is_shared_by_every_thread():
    api = ComputeApi(credentials=None, project="p")
    api.limit_concurrency(2)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def call():
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1

    threads = [threading.Thread(target=api._in_slot, args=(call,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state["peak"] == 2


def test_each_thread_gets_its_own_client(monkeypatch):
    built = []

    class FakeClient:
        def __init__(self, credentials, client_options):
            built.append(threading.get_ident())

    class FakeComputeV1:
        InstancesClient = FakeClient

    monkeypatch.setattr("ansible_collections.confidential.tdx.plugins.module_utils.gce.api.compute_v1",
                        lambda: FakeComputeV1)
    api = ComputeApi(credentials=None, project="p")
    mine = api.client("InstancesClient")
    assert api.client("InstancesClient") is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.extend([api.client("InstancesClient"), api.client("InstancesClient")]))
    thread.start()
    thread.join()
    assert theirs[0] is theirs[1] and theirs[0] is not mine
    assert len(built) == 2
