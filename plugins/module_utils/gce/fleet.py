# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Work on many instances at once: one thread per instance, every outcome kept.

Each instance's work is a short series of API calls and operation waits.
Giving every instance its own thread lets all of them wait for their
operations at the same time, so a fleet takes about as long as its slowest
member; the load on the API is bounded separately, by the number of HTTP
calls in flight (ComputeApi.limit_concurrency), not by the number of
threads. A pool of N worker threads would instead hold a worker for each
operation being waited for, and a fleet larger than the pool would wait for
its operations one pool-full after the other.
"""

import threading


class Outcome:
    """What the work on one item returned, or the exception it raised."""

    def __init__(self, item, value=None, error=None):
        self.item = item
        self.value = value
        self.error = error

    @property
    def failed(self):
        return self.error is not None


def run_each(items, work):
    """Call ``work(item)`` for every item, each on its own thread; Outcomes in the items' order.

    An exception ends only its own item's work: it is kept in that Outcome,
    and the others go on. ``work`` must not exit the process (no fail_json).
    """
    outcomes = [Outcome(item) for item in items]

    def run(outcome):
        try:
            outcome.value = work(outcome.item)
        except Exception as error:  # pylint: disable=broad-except
            outcome.error = error

    threads = [threading.Thread(target=run, args=(outcome,), name="gce-fleet-%d" % index, daemon=True)
               for index, outcome in enumerate(outcomes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
