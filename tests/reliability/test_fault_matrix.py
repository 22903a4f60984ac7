"""Every write path (instances, templates, groups) under every fault, in-process over the real client, emulator.

See fault_matrix.py for the cases and what each must show. One test per
fault; its cases run one after the other in this process, each judged on its
own and recorded in the reliability ledger. One playbook test keeps what
only a module process run by Ansible can show.
"""

import json

import pytest

from tests.inprocess.gce.harness import GCP_ENVIRONMENT
from tests.playbooks.playbook import localhost_play, run_playbook
from tests.reliability.fault_matrix import (
    FAULTS, FAULTS_BY_NAME, WRITE_PATHS, Case, MatrixRun, judge, module_environment,
    wait_for_emulator_quiet)

# Minutes of waiting on one worker (its cases run one after another, the emulator delaying them):
# started with the test-host modules, so that other modules fill the cores meanwhile.
pytestmark = [pytest.mark.integration, pytest.mark.waits]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_every_write_path_survives_the_fault(fault, gce_emulator, access_token, monkeypatch, ledger):
    module_environment(monkeypatch, access_token)
    run = MatrixRun(gce_emulator, access_token, fault)
    try:
        run.run()
        failures = []
        for case in run.cases:
            problems, facts = judge(run, case)
            ledger.record("fault", case.label, problems, fault=fault.name, mode=case.mode, path=case.path.name,
                          **facts)
            failures.extend("%s: %s" % (case.label, problem) for problem in problems)
        results = dict(("%s %s" % (case.label, which), runs[case.key].result)
                       for which, runs in (("first", run.first), ("rerun", run.rerun))
                       for case in run.cases if case.key in runs)
        assert not failures, "\n".join(failures) + "\n" + json.dumps(results, indent=1, default=str)[-3000:]
    finally:
        # A slowed call may still be on its way; the next test must not see it.
        wait_for_emulator_quiet(gce_emulator.admin)


# The module's exit and Ansible's handling on a busy machine, on top of wait_timeout.
PLAYBOOK_RETURN_ALLOWANCE_SECONDS = 8
# Slower than the whole wait_timeout: when the module gives up, both inserts are still held.
PLAYBOOK_SLOW_CALL_SECONDS = 20.0


@pytest.mark.playbook
def test_a_module_process_that_gives_up_ends_its_task_by_wait_timeout(gce_emulator, access_token, tmp_path):
    """What only a module process under ansible-playbook shows, for the case with the most left in flight.

    The fleet's create under latency that never stops: when the module gives
    up, its threads' inserts are still held by the emulator. In-process,
    main() returning is the end; here the task ends only when the module's
    process has exited (interpreter shut-down, threads and open connections
    left behind: a non-daemon thread or an exit handler waiting on a held
    call would keep it alive for the rest of the 20 s) and Ansible has read
    its JSON: the task must fail by wait_timeout plus Ansible's handling,
    with Ansible reporting the module's own one line (not a MODULE FAILURE
    of output it could not read). Everything else about the case (one
    requestId, nothing duplicated, the rerun) the in-process matrix proves.
    """
    fault = FAULTS_BY_NAME["latency"]
    path = [path for path in WRITE_PATHS if path.name == "fleet-create"][0]
    case = Case(fault, "persistent", path)
    run = MatrixRun(gce_emulator, access_token, fault, cases=[case])
    try:
        run.set_up()
        gce_emulator.admin.set_faults([dict(case.emulator_rule(), latency_seconds=PLAYBOOK_SLOW_CALL_SECONDS)])
        env = dict((name, None) for name in GCP_ENVIRONMENT)
        env["GCP_ACCESS_TOKEN"] = access_token
        task = {"name": "under the fault", "confidential.tdx.gce_instance": case.task_args(), "ignore_errors": True}
        defaults = {"group/confidential.tdx.gce": {"project": gce_emulator.project,
                                                   "api_endpoint": gce_emulator.base_url}}
        playbook_run = run_playbook([localhost_play([task], module_defaults=defaults)], tmp_path, env=env)
        ended = playbook_run.results[0]["end"]
        calls = [entry["time"] for entry in gce_emulator.admin.requests()
                 if entry["path"].startswith("/compute/") and case.mentions(entry)]

        assert playbook_run.status("under the fault") == "failed", playbook_run.output
        message = playbook_run.result("under the fault").get("msg", "")
        assert "timed out" in message and "\n" not in message and "MODULE FAILURE" not in message, message
        assert calls, "the task made no API call about its instances"
        seconds = ended - min(calls)
        assert seconds <= case.wait_timeout + PLAYBOOK_RETURN_ALLOWANCE_SECONDS, (
            "the task ended %.1f s after its first API call, over its wait_timeout of %d s"
            % (seconds, case.wait_timeout))
        assert gce_emulator.admin.in_flight()["current"] > 0, "the inserts were no longer held: the case showed nothing"
    finally:
        wait_for_emulator_quiet(gce_emulator.admin, seconds=PLAYBOOK_SLOW_CALL_SECONDS + 10)
