"""One site rollout as 3 job slices at once, as AWX slices a job template, and their reports merged into one.

AWX runs a sliced job as N jobs at the same time, each with its own private
data directory and ``--limit`` to its share of the inventory (host i to
slice i mod N). Here three ``ansible-runner run`` processes do the same on
the emulator in backing mode (three real test hosts), each writing its
report into its own directory; then ``confidential.tdx.merge_reports``
makes one fleet report of them.
"""

import json
import os
import subprocess
import time

import pytest

from tests.browser.chromium import dump_dom, missing_reason, rendered_rows, screenshot
from tests.fixtures.testhosts import marks_for_test_hosts
from tests.hosts.awx.private_data import Artifacts, AwxJob
from tests.hosts.fleet.harness import FAST_HARDEN
from tests.playbooks.playbook import run_playbook

pytestmark = marks_for_test_hosts()

HOSTS = {"slice-host-1": {"zone": "us-central1-a"}, "slice-host-2": {"zone": "us-central1-b"},
         "slice-host-3": None}
SLICES = 3


def awx_slices(hosts, count):
    """AWX's split: the i-th host of the inventory goes to slice i mod count."""
    names = list(hosts)
    return [names[index::count] for index in range(count)]


@pytest.fixture(scope="module")
def sliced(backed_emulator, tmp_path_factory):
    backed_emulator.admin.reset()
    root = tmp_path_factory.mktemp("sliced")
    jobs = []
    for number, limit in enumerate(awx_slices(HOSTS, SLICES), start=1):
        job = AwxJob(root / ("job-slice-%d" % number), backed_emulator, HOSTS,
                     group_vars=dict(FAST_HARDEN, verify_enforce=False), extravars={"tdx_run_id": "slice-%d" % number},
                     report_dir=root / "reports" / ("slice-%d" % number))
        jobs.append((job.write(), limit))
    processes = []
    for job, limit in jobs:
        log = open(os.path.join(job.root, "runner.log"), "w")
        processes.append((subprocess.Popen(job.command("site.yml", "site", limit=",".join(limit)),
                                           env=job.process_env(), stdout=log, stderr=subprocess.STDOUT), log))
    ended = []
    for process, log in processes:
        process.wait(timeout=2400)
        ended.append(time.time())
        log.close()
    return root, jobs, [process.returncode for process, dummy in processes], ended


def output_of(job):
    with open(os.path.join(job.root, "runner.log")) as handle:
        return handle.read()[-4000:]


def test_every_slice_succeeds_with_only_its_own_hosts(sliced):
    dummy_root, jobs, returncodes, dummy_ended = sliced
    for (job, limit), returncode in zip(jobs, returncodes):
        site = Artifacts(job.root, "site")
        assert (returncode, site.status) == (0, "successful"), output_of(job)
        assert sorted(site.stats()["ok"]) == sorted(limit)
        hosts_seen = set(event["event_data"]["host"] for event in site.events() if event["event"].startswith("runner_on")
                         and event["event_data"].get("host") not in (None, "localhost"))
        assert hosts_seen == set(limit)
        assert sorted(row["host"] for row in job.report()["rows"]) == sorted(limit)


def test_every_host_is_provisioned_hardened_and_verified_exactly_once(sliced):
    dummy_root, jobs, dummy_returncodes, ended = sliced
    inserts = [entry for entry in jobs[0][0].emulator.admin.requests()
               if entry["method"] == "POST" and entry["path"].endswith("/instances")]
    assert sorted(entry["body"]["name"] for entry in inserts) == sorted(HOSTS)
    # The slices ran at once: every instance was asked for before any slice had finished.
    assert max(entry["time"] for entry in inserts) < min(ended)
    for task in ("Record that the host is provisioned", "Record that the host is hardened", "Record the verdict"):
        done = {}
        for job, dummy_limit in jobs:
            for host, events in Artifacts(job.root, "site").host_events(task).items():
                done.setdefault(host, []).extend(events)
        assert done == dict((host, ["runner_on_ok"]) for host in HOSTS), task
    for stage in ("harden", "verify"):
        written = sorted(name for job, dummy in jobs for name in os.listdir(os.path.join(job.report_dir, stage)))
        assert written == sorted(host + ".json" for host in HOSTS)


def merge(root, sources, target):
    return run_playbook([{"ansible.builtin.import_playbook": "confidential.tdx.merge_reports"}], root,
                        extra_args=["-e", json.dumps({"tdx_slice_report_dirs": [str(path) for path in sources],
                                                      "tdx_report_dir": str(target), "tdx_run_id": "rollout-1"})])


def test_merge_reports_gives_one_report_with_every_host_exactly_once(sliced):
    root, jobs, dummy_returncodes, dummy_ended = sliced
    target = root / "reports" / "merged"
    run = merge(root, [job.report_dir for job, dummy in jobs], target)
    assert run.ok, run.output[-3000:]
    merged = json.loads((target / "fleet-report.json").read_text())
    hosts = [row["host"] for row in merged["rows"]]
    assert sorted(hosts) == sorted(HOSTS) and len(hosts) == len(set(hosts))
    assert (merged["hosts"], merged["provisioned"], merged["hardened"]) == (3, 3, 3)
    assert merged["rollout"] == "finished"
    assert [entry["run"]["id"] for entry in merged["slices"]] == ["slice-1", "slice-2", "slice-3"]
    assert merged["run"]["id"] == "rollout-1"
    shown = run.result("Show the merged fleet report")["msg"]
    assert shown[0] == "TDX fleet report: 3 hosts, 3 provisioned, 3 hardened, 0 verified, 0 attested, 3 refused"
    assert (target / "fleet-report.txt").read_text().splitlines() == shown
    html = (target / "fleet-report.html").read_text()
    assert all(html.count('data-host="%s"' % host) == 1 for host in HOSTS)
    if missing_reason() is None:
        assert sorted(rendered_rows(dump_dom(str(target / "fleet-report.html"))).rows) == sorted(HOSTS)
        screenshot(str(target / "fleet-report.html"), "merged-slices-report.png", size="1400,600")


def test_a_host_in_two_slices_fails_the_merge_naming_it_and_writes_nothing(sliced):
    root, jobs, dummy_returncodes, dummy_ended = sliced
    target = root / "reports" / "overlap"
    sources = [jobs[0][0].report_dir, jobs[1][0].report_dir, jobs[0][0].report_dir]
    run = merge(root, sources, target)
    assert not run.ok
    assert ("sources: host slice-host-1 is in two slice reports, %s and %s; job slices must be disjoint"
            % (sources[0], sources[2])) in run.output
    assert not target.exists()
