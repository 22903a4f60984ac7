"""Recorded real API runs replayed against the emulator, field by field (tools/api_recording).

The fidelity test is the first: every recording of a real run kept under
tests/fixtures/recorded/ must replay without a difference that its
``accepted`` list does not name. The second proves the machinery only:
recording a run against the emulator and replaying it against a fresh one
must find nothing, and the recording must hold no credential. It says
nothing about the emulator's fidelity (both sides are ours).
"""

import glob
import os

import pytest

from api_recording import RecordingProxy, load, replay
from api_recording.replay import unaccepted
from tests.inprocess.gce.conftest import IN_PROCESS_OPERATION_SECONDS
from tests.inprocess.gce.harness import instance_task

pytestmark = pytest.mark.integration

RECORDED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "fixtures", "recorded")
RECORDINGS = sorted(glob.glob(os.path.join(RECORDED_DIR, "*.json")))
NO_RECORDING = ("no recording of a real run yet: run tests/live/real_gcp with CONFIDENTIAL_TDX_REAL_GCP=1 "
                "and CONFIDENTIAL_TDX_RECORD=tests/fixtures/recorded/NAME.json (docs/emulator.md)")


def report(found):
    return "\n".join("exchange %d %s %s:\n  %s" % (index, method, path, "\n  ".join(differences))
                     for index, method, path, differences in found)


@pytest.mark.parametrize("path", RECORDINGS or [pytest.param(None, marks=pytest.mark.skip(reason=NO_RECORDING))],
                         ids=[os.path.basename(path) for path in RECORDINGS] or ["none"])
def test_a_recorded_real_run_replays_against_the_emulator_without_a_difference(path, gce_emulator, access_token):
    recording = load(path)
    gce_emulator.admin.reset()
    found = unaccepted(recording, replay(recording, gce_emulator.base_url, access_token, gce_emulator.project))
    assert not found, report(found)


def test_the_recorder_keeps_every_call_without_credentials_and_the_replay_of_its_own_run_finds_nothing(
        gce, gce_emulator, access_token, tmp_path):
    with RecordingProxy(gce_emulator.base_url, gce_emulator.project) as proxy:
        defaults = gce.module_defaults(api_endpoint=proxy.base_url)
        for tasks in ([instance_task(name="tdx-rec", labels={"env": "a"})],
                      [instance_task(name="tdx-rec", labels={"env": "b"})],
                      [instance_task(name="tdx-rec", state="stopped")],
                      [instance_task(name="tdx-rec", state="absent")]):
            assert gce.run(tasks, module_defaults=defaults).status("create") == "changed"
        path = str(tmp_path / "run.json")
        proxy.save(path)
    text = open(path).read()
    assert access_token not in text and "Bearer" not in text and "Authorization" not in text
    assert gce_emulator.project not in text  # the project is the placeholder
    recording = load(path)
    kinds = [(exchange["method"], exchange["path"].rsplit("/", 1)[-1]) for exchange in recording["exchanges"]]
    assert ("POST", "instances") in kinds and ("POST", "setLabels") in kinds and ("POST", "stop") in kinds
    assert ("DELETE", "tdx-rec") in kinds and len(kinds) == gce.mark()
    gce_emulator.admin.reset()
    gce_emulator.admin.configure(operation_seconds=IN_PROCESS_OPERATION_SECONDS)  # as long as they took recorded
    found = replay(recording, gce_emulator.base_url, access_token, gce_emulator.project)
    assert not found, report(found)
    replayed = [(call["method"], call["path"].rsplit("/", 1)[-1]) for call in gce.calls()]
    assert replayed == kinds  # every call sent again, in order, operation names mapped to the emulator's
