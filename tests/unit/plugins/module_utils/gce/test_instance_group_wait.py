"""gce_instance_group's wait until stable, without I/O: when it asks again.

A group whose write is DONE is often a moment from stable (its members'
own inserts end just after), so the second look comes soon; a long wait
asks less and less often, never less often than STABLE_POLL_MAX.
"""

import copy

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group import task
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group.options import ARGUMENT_SPEC


class Deadline:
    seconds = 900

    @staticmethod
    def expired():
        return False


class Api:
    project = "p"
    deadline = Deadline()

    def __init__(self):
        self.pauses = []

    def pause(self, seconds):
        self.pauses.append(seconds)


class Gce:
    check_mode = False

    def __init__(self):
        self.params = dict((name, copy.deepcopy(spec.get("default"))) for name, spec in ARGUMENT_SPEC.items())
        self.params.update(name="web", zone="us-central1-a", template="web-tdx", size=100)
        self.api = Api()

    def fail(self, msg, **result):
        raise AssertionError(msg)


def group(stable):
    return {"name": "web", "status": {"isStable": stable}}


def waited(looks_until_stable):
    """The pauses of a wait on a group first seen unstable and stable at the given look after that."""
    gce = Gce()
    wait = task.GroupTask(gce)
    answers = [group(False)] * (looks_until_stable - 1) + [group(True)]
    wait.door.get = lambda: answers.pop(0)
    assert wait.until_stable(group(False))["status"]["isStable"] is True
    assert answers == []
    return gce.api.pauses


def test_a_group_stable_at_the_first_look_is_not_waited_for():
    gce = Gce()
    assert task.GroupTask(gce).until_stable(group(True))["name"] == "web"
    assert gce.api.pauses == []


def test_a_group_nearly_stable_is_looked_at_again_soon():
    # A fixed 2 s pause here cost the bench's group of 100 two whole seconds in one run of four.
    assert waited(1) == [task.STABLE_POLL_FIRST]
    assert task.STABLE_POLL_FIRST <= 0.5


def test_a_long_wait_asks_less_often_up_to_the_most_between_looks():
    pauses = waited(40)
    assert len(pauses) == 40
    assert all(later >= earlier for earlier, later in zip(pauses, pauses[1:]))
    assert max(pauses) == task.STABLE_POLL_MAX and pauses[-1] == task.STABLE_POLL_MAX
    # A wait of about two minutes asks fewer times than a fixed 2 s pause would.
    assert len(pauses) < sum(pauses) / 2.0
