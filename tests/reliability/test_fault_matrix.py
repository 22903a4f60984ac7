"""Every gce_instance write path under every fault, through ansible-playbook, the real client and the emulator.

See fault_matrix.py for the cases and what each must show. One test per
fault; its cases run in one playbook, each judged on its own and recorded
in the reliability ledger.
"""

import pytest

from tests.reliability.fault_matrix import FAULTS, MatrixRun, judge, wait_for_emulator_quiet

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_every_write_path_survives_the_fault(fault, gce_emulator, access_token, tmp_path, ledger):
    run = MatrixRun(gce_emulator, access_token, tmp_path, fault)
    try:
        run.run()
        failures = []
        for case in run.cases:
            problems, facts = judge(run, case)
            ledger.record("fault", case.label, problems, fault=fault.name, mode=case.mode, path=case.path.name,
                          **facts)
            failures.extend("%s: %s" % (case.label, problem) for problem in problems)
        assert not failures, "\n".join(failures) + "\n" + run.playbook_run.output[-3000:]
    finally:
        # A slowed call may still be on its way; the next test must not see it.
        wait_for_emulator_quiet(gce_emulator.admin)
