"""The bench times a run with the CPU of the commands it waited for: measured on a real child process.

The bench's own logic: tests/unit/tools/test_bench_report.py.
"""

import subprocess
import sys

from bench.measure import Sample, Side, timed  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)


def test_a_run_is_timed_with_the_cpu_of_the_commands_it_waited_for():
    burn = [sys.executable, "-c", "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"]
    sample = timed(lambda: subprocess.run(burn, check=True) and None)
    assert 0.25 <= sample.cpu <= sample.seconds + 0.05
    assert Side("x", [Sample(1.0, cpu=0.5), Sample(2.0, cpu=0.7), Sample(3.0, cpu=0.6)]).cpu == 0.6
    assert Side("x", [Sample(1.0, cpu=0.5), Sample(2.0)]).cpu is None
