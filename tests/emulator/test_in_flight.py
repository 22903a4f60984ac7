"""The in-flight gauge: how many Compute API calls the emulator serves at once."""

import threading
import time
import urllib.request

CALLS_AT_ONCE = 4


def _list_zone(gce_emulator, token, start):
    url = "%s/compute/v1/projects/%s/zones/us-central1-a/instances" % (gce_emulator.base_url, gce_emulator.project)
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    start.wait()
    urllib.request.urlopen(request, timeout=30).close()


def _settled(admin):
    """The gauge once the server has finished its calls.

    A client has its answer a moment before the server thread that sent it
    leaves the gauge, so ``current`` may still count that call for a moment.
    """
    deadline = time.monotonic() + 5
    gauge = admin.in_flight()
    while gauge["current"] and time.monotonic() < deadline:
        time.sleep(0.01)
        gauge = admin.in_flight()
    return gauge


def test_the_peak_counts_calls_served_together_and_reset_clears_it(gce_emulator):
    admin = gce_emulator.admin
    token = admin.mint_access_token()
    assert admin.in_flight() == {"current": 0, "peak": 0}
    # Each call is held long enough that calls started together overlap.
    admin.configure(latency_seconds=0.5)
    start = threading.Barrier(CALLS_AT_ONCE)
    threads = [threading.Thread(target=_list_zone, args=(gce_emulator, token, start)) for _ in range(CALLS_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _settled(admin) == {"current": 0, "peak": CALLS_AT_ONCE}

    admin.configure(latency_seconds=0)
    _list_zone(gce_emulator, token, threading.Barrier(1))
    assert _settled(admin)["peak"] == CALLS_AT_ONCE  # one call alone does not lower the peak
    admin.clear_in_flight_peak()
    assert _settled(admin) == {"current": 0, "peak": 0}
    _list_zone(gce_emulator, token, threading.Barrier(1))
    assert _settled(admin)["peak"] == 1
    admin.reset()
    assert admin.in_flight() == {"current": 0, "peak": 0}


def test_admin_and_token_calls_are_not_counted(gce_emulator):
    admin = gce_emulator.admin
    admin.mint_access_token()
    admin.requests()
    assert admin.in_flight()["peak"] == 0
