"""site and verify run by ansible-runner, AWX's executor, on a private data directory laid out as AWX lays it.

Two hosts of the emulator in backing mode (real systemd test hosts over real
SSH). ``site`` runs through ``ansible-runner run`` as AWX's worker starts a
job, ``verify`` through the Python API (``ansible_runner.run``) on the same
directory; both get the Google Compute Engine credential as AWX injects it
(env/envvars and a key file in env/) and the machine credential as an
ssh-agent key (env/ssh_key) and ``-u`` (env/cmdline). The tests read what a
controller would show: runner's status and rc, its job events per host, the
stats, and the report files the playbooks wrote.
"""

import json
import os

import pytest

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.hosts.awx.private_data import Artifacts, AwxJob
from tests.hosts.fleet.harness import FAST_HARDEN

pytestmark = marks_for_test_hosts()

HOSTS = {"awx-1": {"zone": "us-central1-a"}, "awx-2": None}


@pytest.fixture(scope="module")
def job(backed_emulator, tmp_path_factory):
    backed_emulator.admin.reset()
    job = AwxJob(tmp_path_factory.mktemp("awx-job"), backed_emulator, HOSTS,
                 group_vars=dict(FAST_HARDEN, verify_enforce=False), extravars={"tdx_batch_size": 2}).write()
    site = job.run_cli("site.yml", ident="site")
    return job, site


def test_site_through_ansible_runner_run_succeeds_for_every_host(job):
    job, site = job
    assert (site.returncode, site.rc, site.status) == (0, 0, "successful"), site.output[-4000:]
    # Per-host job events, as AWX's job output shows them.
    assert site.host_events("Record the verdict") == {"awx-1": ["runner_on_ok"], "awx-2": ["runner_on_ok"]}
    assert site.host_events("Record that the host is hardened") == {
        "awx-1": ["runner_on_ok"], "awx-2": ["runner_on_ok"]}
    assert not [event for event in site.events() if event["event"] in ("runner_on_failed", "runner_on_unreachable")]
    stats = site.stats()
    assert sorted(stats["ok"]) == sorted(HOSTS)
    assert stats["failures"] == {} and stats["dark"] == {}
    # One instance each, created once, through the credential AWX injected.
    inserts = [entry for entry in job.emulator.admin.requests()
               if entry["method"] == "POST" and entry["path"].endswith("/instances")]
    assert sorted(entry["body"]["name"] for entry in inserts) == sorted(HOSTS)
    assert sorted(row["instance"] for row in job.emulator.admin.backing_hosts()) == sorted(HOSTS)


def test_the_site_job_writes_the_fleet_report_and_the_host_reports(job):
    job, site = job
    report = job.report()
    assert sorted(row["host"] for row in report["rows"]) == sorted(HOSTS)
    assert (report["hosts"], report["provisioned"], report["hardened"]) == (2, 2, 2)
    assert report["rollout"] == "finished"
    for row in report["rows"]:
        # Report mode, and the truth: a container is not a TDX trust domain.
        assert row["verified"] is False and row["why"].startswith("not verified (verify_enforce is false)")
        assert row["attention"] == ["not verified"]
    for name in ("fleet-report.txt", "fleet-report.html"):
        assert os.path.getsize(os.path.join(job.report_dir, name)) > 0
    html = open(os.path.join(job.report_dir, "fleet-report.html")).read()
    assert all('data-host="%s"' % host in html for host in HOSTS)
    for stage in ("harden", "verify"):
        assert sorted(os.listdir(os.path.join(job.report_dir, stage))) == sorted(
            name + ".json" for name in HOSTS)
    # The printed report is in runner's stdout, as AWX shows it.
    assert "TDX fleet report: 2 hosts, 2 provisioned, 2 hardened, 0 verified" in site.stdout()


def test_verify_through_the_python_api_reports_each_host(job, monkeypatch):
    import ansible_runner

    job, dummy_site = job
    # A verify job template with "update on launch": the inventory source now finds the instances.
    job.sync_inventory()
    for name, value in job.process_env().items():
        monkeypatch.setenv(name, value)
    runner = ansible_runner.run(private_data_dir=job.root, playbook="verify.yml", ident="verify", quiet=True)
    assert (runner.status, runner.rc) == ("successful", 0), open(runner.stdout.name).read()[-4000:]
    artifacts = Artifacts(job.root, "verify")
    gathered = artifacts.host_events(
        "Collect every sign of TDX and the TD's own report, and judge them (root reads /dev/tdx_guest and "
        "the kernel log)")
    assert gathered == {"awx-1": ["runner_on_ok"], "awx-2": ["runner_on_ok"]}
    # The API's own view agrees with the artefacts.
    assert sorted(runner.stats["ok"]) == sorted(HOSTS) and runner.stats["failures"] == {}
    for host in HOSTS:
        results = [event["event_data"]["res"] for event in runner.host_events(host)
                   if event["event"] == "runner_on_ok" and event["event_data"]["task"] == "Keep the host's verdict as verify_result"]
        assert len(results) == 1
        verdict = results[0]["ansible_facts"]["verify_result"]
        assert verdict["verified"] is False and verdict["host"] == host
        with open(os.path.join(job.report_dir, "verify", host + ".json")) as handle:
            assert json.load(handle)["failures"] == verdict["failures"]
