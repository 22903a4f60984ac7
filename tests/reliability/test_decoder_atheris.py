"""A bounded atheris (libFuzzer) run on the TDX decoder: only its own error may escape.

``make test`` runs CONFIDENTIAL_TDX_ATHERIS_RUNS inputs (default 100000, a few
seconds); ``make reliability`` runs for CONFIDENTIAL_TDX_ATHERIS_SECONDS
instead. The seed corpus is the builders' valid quotes and report, so
mutations start past the header checks. Skipped, saying so, where atheris is
not installed (it is pinned in requirements-dev.txt; its wheels are for
CPython on x86-64 Linux).
"""

import os
import re
import subprocess
import sys

import pytest

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from tests.conftest import SOURCE_COLLECTIONS

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "atheris_decoder.py")


def seed_corpus(directory):
    seeds = {
        "quote_v4": build.quote_v4()[0],
        "quote_v5_tdx10": build.quote_v5(body_type=2)[0],
        "quote_v5_tdx15": build.quote_v5(body_type=3)[0],
        "tdreport": build.tdreport()[0],
    }
    os.makedirs(directory)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)
    return directory


def test_the_decoder_under_atheris_raises_only_its_own_error(tmp_path, ledger):
    try:
        import atheris  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        pytest.skip("atheris is not installed (pip install -r requirements-dev.txt; wheels for CPython x86-64 Linux)")
    seconds = os.environ.get("CONFIDENTIAL_TDX_ATHERIS_SECONDS")
    limits = ["-max_total_time=%d" % int(seconds), "-runs=-1"] if seconds else [
        "-runs=%d" % int(os.environ.get("CONFIDENTIAL_TDX_ATHERIS_RUNS", "100000"))]
    corpus = seed_corpus(str(tmp_path / "corpus"))
    command = [sys.executable, HARNESS, corpus, "-seed=1", "-rss_limit_mb=1024", "-max_len=8192",
               "-artifact_prefix=%s/" % tmp_path] + limits
    env = dict(os.environ, PYTHONPATH=SOURCE_COLLECTIONS)
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, check=False)
    done = re.search(r"Done (\d+) runs in (\d+) second", completed.stderr)
    problems = []
    if completed.returncode != 0:
        problems.append("atheris found an input that escapes the decoder: %s" % completed.stderr[-1500:])
    if not done:
        problems.append("atheris did not finish its runs: %s" % completed.stderr[-1500:])
    runs = int(done.group(1)) if done else 0
    coverage = re.findall(r"cov: (\d+)", completed.stderr)
    if coverage and int(coverage[-1]) == 0:
        problems.append("no coverage: the decoder was not instrumented, so the run was blind")
    ledger.record("fuzz", "decoder under atheris (coverage-guided)", problems, engine="atheris", inputs=runs,
                  seconds=int(done.group(2)) if done else None, edges=int(coverage[-1]) if coverage else None)
    assert not problems, problems
