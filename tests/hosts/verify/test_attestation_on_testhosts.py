"""The verify role attests real test hosts end to end, on the controller.

Two systemd-nspawn containers get the configfs-tsm stand-in (tools/tsm_standin:
quotes signed by a test PKI made here with tools/tdx_pki, each host with its
own PCK leaf and attestation key); the collateral comes over real HTTP from
the PCS stand-in (tools/pcs_standin). Against the test root the hosts'
verdict is TEST ROOT (they pass, as verify_accept_test_root lets them, and
are never attested); the same evidence is refused against Intel's pinned root with the
reason, in check mode too, and a second run changes nothing; a replayed quote
is refused for its stale nonce; learned golden measurements are enforced, and
a policy learned from one host's replayed event log refuses a host whose log
was altered;
reverify re-checks the archive offline; reattest, run twice with a TCB recovery
served in between, reports the change for every host and fails.

Last, for one run, the stand-in is taken away inside both hosts, so they are
what a container on this machine's kernel is: not TDs, with no quote service.
Enforcing, the role fails each with the reasons (no quote, and what the host
says about itself), one host judged from a constructed debug-TD TDREPORT for
its DEBUG attribute; guest_info on the real kernel finds no TD (the checks of
molecule/shared/tasks/guest_info_on_a_real_kernel.yml, which molecule/harden-vm
runs on its VM's own kernel).

Needs root and systemd-nspawn (the hosts), like every test-host test.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.fixtures.testhosts import marks_for_test_hosts
from tests.hosts.standin_pki import standin_pki, tool
from tests.playbooks.playbook import run_playbook

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOOLS = os.path.join(REPO_ROOT, "tools")
TESTHOSTS = os.path.join(TOOLS, "testhosts", "testhosts")
INTEL_ROOT_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"
HOSTS = ("att-a%d" % (os.getpid() % 1000), "att-b%d" % (os.getpid() % 1000))
DEBUG_TD_REPORT = "/root/debug-td.tdreport"
GUEST_INFO_ON_A_REAL_KERNEL = os.path.join(REPO_ROOT, "molecule", "shared", "tasks", "guest_info_on_a_real_kernel.yml")

pytestmark = marks_for_test_hosts()

if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)


class Fleet:
    def __init__(self, work, pki_dir, pcs, inventory):
        self.work = work
        self.pki_dir = pki_dir
        self.pcs = pcs
        self.inventory = inventory
        self.runs = 0

    def control(self, host):
        return self.inventory["all"]["hosts"][host]["testhost_tsm_standin"]

    def settings(self, **role_vars):
        """The role's variables for a run: report mode, this fleet's PCS and test root (accepted), a new report folder."""
        self.runs += 1
        report_dir = os.path.join(str(self.work), "reports-%d" % self.runs)
        settings = {"verify_enforce": False, "verify_report_dir": report_dir,
                    "verify_collateral_dir": os.path.join(str(self.work), "collateral"),
                    "verify_pccs_url": self.pcs.url,
                    "verify_endorsement_url": self.pcs.url,
                    "verify_testing_root_ca": os.path.join(self.pki_dir, "root.der"),
                    "verify_accept_test_root": True}
        settings.update(role_vars)
        return dict((key, value) for key, value in settings.items() if value is not None)

    def verify(self, tmp_path, check=False, **role_vars):
        """Run the role in report mode; return (run, {host: report}, report folder)."""
        settings = self.settings(**role_vars)
        run = run_playbook([{"hosts": "all", "gather_facts": False, "tasks": [
            {"ansible.builtin.include_role": {"name": "confidential.tdx.verify"}, "vars": settings}]}],
            tmp_path, inventory=self.inventory, check=check, timeout=900)
        return run, read_reports(settings["verify_report_dir"]), settings["verify_report_dir"]


def read_reports(report_dir):
    """{host: report} of the fleet's hosts that have one in ``report_dir``."""
    reports = {}
    for host in HOSTS:
        path = os.path.join(report_dir, host + ".json")
        if os.path.exists(path):
            with open(path) as handle:
                reports[host] = json.load(handle)
    return reports


def changed_tasks(run):
    return ["%s: %s" % (entry["host"], entry["task"]) for entry in run.results if entry["status"] == "changed"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    from pcs_standin import PcsStandin

    work = tmp_path_factory.mktemp("attest")
    pki_dir, served = standin_pki(work)
    inventory_path = str(work / "inventory.yml")
    with PcsStandin.from_directory(str(served)) as pcs:
        started = subprocess.run([TESTHOSTS, "up", *HOSTS, "--inventory", inventory_path, "--tsm-standin", pki_dir],
                                 capture_output=True, text=True, timeout=900, check=False)
        try:
            assert started.returncode == 0, started.stderr
            with open(inventory_path) as handle:
                yield Fleet(work, pki_dir, pcs, yaml.safe_load(handle))
        finally:
            stopped = subprocess.run([TESTHOSTS, "down", *HOSTS], capture_output=True, text=True, timeout=300,
                                     check=False)
            assert stopped.returncode == 0, stopped.stderr


def known_host_keys(fleet, host):
    with open(fleet.inventory["all"]["hosts"][host]["testhost_known_hosts"]) as handle:
        return sorted(" ".join(line.split()[1:3]) for line in handle if line.strip())


def test_guest_quote_gets_a_quote_over_exactly_its_report_data_from_the_standin(fleet, tmp_path):
    report_data = hashlib.sha512(b"stand-in").hexdigest()
    run = run_playbook([{"hosts": HOSTS[0], "gather_facts": False, "tasks": [
        {"name": "quote", "confidential.tdx.guest_quote": {"report_data": report_data}, "become": True},
        {"name": "generation", "ansible.builtin.shell": "set -e; cd /sys/kernel/config/tsm/report; mkdir g; "
                                                        "head -c 64 /dev/zero > g/inblob; head -c 64 /dev/zero > g/inblob; "
                                                        "cat g/generation; cat g/provider; rmdir g", "become": True},
    ]}], tmp_path, inventory=fleet.inventory)
    assert run.ok, run.output
    quote = base64.b64decode(run.result("quote", HOSTS[0])["quote"])
    assert quote[:2] == b"\x04\x00"  # version 4
    assert quote[48 + 520:48 + 584].hex() == report_data  # the body's report data is the inblob written
    assert run.result("generation", HOSTS[0])["stdout_lines"] == ["2", "tdx_guest"]


def test_hosts_verified_to_the_test_root_are_test_root_never_attested_with_the_evidence_kept(fleet, tmp_path):
    run, reports, report_dir = fleet.verify(tmp_path)
    assert run.ok, run.output
    assert sorted(reports) == sorted(HOSTS)
    for host, report in reports.items():
        evidence = report["attestation"]
        # Passes (verify_accept_test_root), but proves nothing about Intel hardware: never attested.
        assert report["verified"] is True and report["attested"] is False, report["failures"]
        assert report["verdict"] == evidence["verdict"] == "test root"
        assert report["verdict_reasons"][0].startswith("test root: ") and report["proven"]["intel_root"] is False
        assert report["proven"]["fresh"] is True and evidence["verified"] is True
        assert report["failures"] == []
        assert report["tcb_status"] == "UpToDate" and report["advisory_ids"] == []
        assert evidence["root"] != INTEL_ROOT_SHA256 and evidence["root_is_intel"] is False
        nonce = bytes.fromhex(evidence["nonce"])
        assert len(nonce) == 32
        quote = base64.b64decode(evidence["quote"])
        assert quote[48 + 520:48 + 584] == hashlib.sha512(nonce).digest()
        assert hashlib.sha256(quote).hexdigest() == evidence["quote_sha256"]
        with open(evidence["collateral"]["path"], "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == evidence["collateral"]["sha256"]
        assert evidence["collateral"]["document"]["tcb_info"]
        assert evidence["verify_at"].endswith("Z")
        seen = sorted(" ".join(line.split()[1:3]) for line in evidence["ssh_host_keys"]["keys"])
        assert seen == known_host_keys(fleet, host)
        # The guest's own findings are kept, labelled, and did not decide anything.
        assert report["self_reported"]["verified"] is False
        assert "cpu_flag: CPU flag tdx_guest is not set" in report["self_reported"]["failures"]
    # Fresh per host and run.
    assert len(set(report["attestation"]["nonce"] for report in reports.values())) == len(HOSTS)
    with open(os.path.join(report_dir, "summary.json")) as handle:
        summary = json.load(handle)
    assert summary["headline"].startswith("0 of 2 hosts attested; 2 TEST ROOT"), summary["headline"]
    assert "0 of 2 hosts attested; 2 TEST ROOT" in run.output
    # One platform type: one collateral fetch for the whole batch.
    assert fleet.pcs.count("/tdx/certification/v4/tcb") == 1


def test_the_same_evidence_is_refused_against_intels_root_with_the_reason_in_check_mode_too(fleet, tmp_path):
    # In check mode: the role reads, judges and reports all the same, and would change nothing.
    run, reports, _ = fleet.verify(tmp_path, check=True, verify_testing_root_ca=None)
    assert run.ok, run.output
    assert changed_tasks(run) == [], changed_tasks(run)
    assert sorted(reports) == sorted(HOSTS)
    for report in reports.values():
        # Not enforcing: refused hosts are only reported, the play goes on (run.ok above).
        assert report["verified"] is False and report["attested"] is False and report["enforced"] is False
        assert report["attestation"]["root"] == INTEL_ROOT_SHA256
        chain = [line for line in report["failures"] if line.startswith("attestation: certificate chain:")]
        assert chain and "not Intel's SGX Root CA" in chain[0], report["failures"]


def test_enforcing_fails_each_refused_host_with_the_reason_and_the_key_scan_can_be_turned_off(fleet, tmp_path):
    run, reports, _ = fleet.verify(tmp_path, verify_testing_root_ca=None, verify_enforce=True,
                                   verify_ssh_host_keys=False)
    assert not run.ok
    for host in HOSTS:
        assert "%s is not verified as an Intel TDX trust domain: attestation: " % host in run.output
        assert reports[host]["enforced"] is True
        # verify_ssh_host_keys false: no scan is started, and the report says so instead of listing no keys.
        assert reports[host]["attestation"]["ssh_host_keys"] == {"source": "not read (verify_ssh_host_keys is false)",
                                                                  "keys": []}
    for task in ("Start reading each host's SSH host keys from the controller (one scan for the batch)",
                 "Collect the SSH host keys scanned while the hosts answered and the quotes were verified"):
        assert run.status("confidential.tdx.verify : " + task) == "skipped", run.output


def test_a_replayed_quote_is_refused(fleet, tmp_path):
    host = HOSTS[0]
    tool("tools.tsm_standin", "replay", "--control", fleet.control(host), "on")
    try:
        run, reports, _ = fleet.verify(tmp_path)
    finally:
        tool("tools.tsm_standin", "replay", "--control", fleet.control(host), "off")
    assert run.ok, run.output
    replayed, fresh = reports[host], reports[HOSTS[1]]
    assert fresh["verified"] is True
    assert replayed["verified"] is False
    assert any("not the %s asked for" % replayed["attestation"]["report_data"] in line
               for line in replayed["failures"]), replayed["failures"]
    # guest_quote refused it on the host; a hostile root would hand it over anyway. The controller
    # refuses the very bytes the stand-in served, for this run's nonce, on its own.
    with open(os.path.join(fleet.control(host), "last-quote"), "rb") as handle:
        served = base64.b64encode(handle.read()).decode()
    check = run_playbook([{"hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "replayed", "confidential.tdx.quote_verify": {
            "quote": served, "nonce": replayed["attestation"]["nonce"],
            "collateral_dir": os.path.join(str(fleet.work), "collateral"),
            "testing_root_ca": os.path.join(fleet.pki_dir, "root.der")}}]}], tmp_path)
    assert check.ok, check.output
    verdict = check.result("replayed")
    assert verdict["verified"] is False
    assert [line for line in verdict["problems"] if line.startswith("freshness:")], verdict["problems"]


def test_learned_golden_measurements_are_enforced_and_a_differing_host_is_named(fleet, tmp_path):
    policy_file = os.path.join(str(fleet.work), "golden.json")
    learned, _, _ = fleet.verify(tmp_path, verify_learn=True, verify_policy_file=policy_file)
    assert learned.ok, learned.output
    with open(policy_file) as handle:
        golden = json.load(handle)
    assert sorted(golden["learned_from"]) == sorted(HOSTS)
    assert len(golden["policy"]["mrtd"]) == 96

    other = HOSTS[1]
    with open(os.path.join(fleet.control(other), "td.json"), "w") as handle:
        json.dump({"mrtd": "ab" * 48}, handle)
    try:
        run, reports, _ = fleet.verify(tmp_path, verify_policy_file=policy_file)
        relearn, _, _ = fleet.verify(tmp_path, verify_learn=True, verify_policy_file=policy_file + ".2")
    finally:
        os.unlink(os.path.join(fleet.control(other), "td.json"))
    assert run.ok, run.output
    assert reports[HOSTS[0]]["verified"] is True
    assert reports[other]["verified"] is False
    assert [line for line in reports[other]["failures"] if line.startswith("attestation: mrtd")], \
        reports[other]["failures"]
    assert not relearn.ok
    assert "mrtd differs among the hosts" in relearn.output and other in relearn.output
    assert not os.path.exists(policy_file + ".2")

    # From one reference host: its event log, replayed to its quote, gives the digests per boot component.
    reference_file = os.path.join(str(fleet.work), "reference.json")
    learned_one, _, _ = fleet.verify(tmp_path, verify_learn=True, verify_learn_from=HOSTS[0],
                                     verify_policy_file=reference_file)
    assert learned_one.ok, learned_one.output
    verdicts = learned_one.result("confidential.tdx.verify : Verify every quote of the batch on the controller, "
                                  "in one run")["verdicts"]
    assert [verdicts[host]["event_log"]["replayed"] for host in HOSTS] == [True, True]
    with open(reference_file) as handle:
        reference = json.load(handle)
    assert reference["learned_from"] == [HOSTS[0]]
    provenance = reference["provenance"]
    assert (provenance["host"], provenance["quote_sha256"], provenance["root"], provenance["root_is_intel"]) == (
        HOSTS[0], verdicts[HOSTS[0]]["quote_sha256"], verdicts[HOSTS[0]]["root"], False)
    assert {"kernel", "initrd", "kernel_cmdline", "shim", "grub", "secure_boot", "secure_boot_db"} <= set(
        reference["policy"]["events"])
    assert reference["policy"]["mrtd"] == verdicts[HOSTS[0]]["quote"]["mrtd"]
    # The other host shows a log altered after the boot its quotes measure: refused, naming the event log.
    tool("tools.tsm_standin", "eventlog", "--control", fleet.control(other), "altered")
    try:
        enforced, reports, _ = fleet.verify(tmp_path, verify_policy_file=reference_file)
    finally:
        tool("tools.tsm_standin", "eventlog", "--control", fleet.control(other), "genuine")
    assert enforced.ok, enforced.output
    assert reports[HOSTS[0]]["verified"] is True, reports[HOSTS[0]]["failures"]
    assert reports[other]["verified"] is False
    assert [line for line in reports[other]["failures"] if line.startswith(
        "attestation: event log: the event log does not reproduce the quote's RTMR2: ")], reports[other]["failures"]


def test_reverify_rechecks_the_archive_offline_at_its_time_and_now(fleet, tmp_path):
    run, reports, report_dir = fleet.verify(tmp_path)
    assert run.ok, run.output
    # The first test's run again: nothing changes (the collateral cache is current).
    assert changed_tasks(run) == [], changed_tasks(run)
    before = fleet.pcs.count("/tdx/certification/v4/tcb")
    again = run_playbook([{"ansible.builtin.import_playbook": "confidential.tdx.reverify"}], tmp_path, extra_args=(
        "-e", "tdx_reverify_dir=%s" % report_dir,
        "-e", "tdx_reverify_testing_root_ca=%s" % os.path.join(fleet.pki_dir, "root.der")))
    assert again.ok, again.output
    with open(os.path.join(report_dir, "reverify.json")) as handle:
        verdicts = json.load(handle)
    for host in HOSTS:
        assert verdicts["at_recorded_time"][host]["verified"] is True
        assert verdicts["at_recorded_time"][host]["verify_at"] == reports[host]["attestation"]["verify_at"]
        assert verdicts["now"][host]["verified"] is True
    assert fleet.pcs.count("/tdx/certification/v4/tcb") == before  # offline: nothing fetched


def reattest(fleet, tmp_path, reattest_dir, check=False):
    """One run of playbooks/reattest.yml over the fleet, with this fleet's PCS and test root (accepted), its own
    collateral cache fetched again every run (verify_collateral_max_age 0); returns (run, changes.json or None)."""
    settings = fleet.settings(verify_collateral_dir=os.path.join(str(fleet.work), "reattest-collateral"),
                              verify_collateral_max_age=0, verify_report_dir=None, verify_enforce=None)
    settings.update(tdx_group="all", tdx_reattest_dir=reattest_dir)
    extra_vars = os.path.join(str(tmp_path), "reattest-vars-%d.json" % fleet.runs)
    with open(extra_vars, "w") as handle:
        json.dump(settings, handle)
    run = run_playbook([{"ansible.builtin.import_playbook": "confidential.tdx.reattest"}], tmp_path,
                       inventory=fleet.inventory, check=check, timeout=900, extra_args=("-e", "@" + extra_vars))
    changes = os.path.join(reattest_dir, "last", "changes.json")
    if check or not os.path.exists(changes):
        return run, None
    with open(changes) as handle:
        return run, json.load(handle)


def test_reattest_reports_a_tcb_recovery_for_every_host_and_fails(fleet, tmp_path):
    reattest_dir = os.path.join(str(fleet.work), "reattest")
    first, changes = reattest(fleet, tmp_path, reattest_dir)
    # The first run: nothing to compare, every host passes (test root accepted): exit 0.
    assert first.ok, first.output
    assert changes["first_run"] is True and changes["changed"] == [] and changes["failing"] == []
    assert [changes["hosts"][host]["state"] for host in HOSTS] == ["first proof", "first proof"]
    assert "first proof of 2 hosts, nothing to compare" in first.output
    [first_run] = os.listdir(os.path.join(reattest_dir, "runs"))
    assert sorted(os.listdir(os.path.join(reattest_dir, "runs", first_run))) == sorted(
        [host + ".json" for host in HOSTS] + ["summary.json", "changes.json", "changes.txt"])
    for host in HOSTS:  # the report keeps the boot ID, to see a restart next time
        with open(os.path.join(reattest_dir, "last", host + ".json")) as handle:
            assert len(json.load(handle)["self_reported"]["boot_id"]) == 36

    # Intel re-evaluates: newer collateral (a higher TCB evaluation data number) in which the
    # platform's TCB level is OutOfDate, served by the PCS stand-in from now on.
    recovery = os.path.join(str(fleet.work), "recovery-collateral.json")
    tool("tools.tdx_pki", "collateral", fleet.pki_dir, "--out", recovery, "--status", "OutOfDate",
         "--tcb-evaluation-data-number", "18")
    fleet.pcs.add(recovery)
    try:
        checked, _ = reattest(fleet, tmp_path, reattest_dir, check=True)
        second, changes = reattest(fleet, tmp_path, reattest_dir)
    finally:
        fleet.pcs.add(os.path.join(str(fleet.work), "served", "collateral.json"))
    # Check mode: the change is computed and shown, and nothing is written under the directory.
    assert not checked.ok
    assert "TCB status UpToDate → OutOfDate" in checked.output
    # The run: the change for every host, the text report leading with it, and a failed run naming the hosts.
    assert not second.ok, second.output
    runs = sorted(os.listdir(os.path.join(reattest_dir, "runs")))
    assert len(runs) == 2 and runs[0] == first_run
    assert os.path.realpath(os.path.join(reattest_dir, "last")) == os.path.join(reattest_dir, "runs", runs[1])
    assert changes["first_run"] is False and changes["changed"] == sorted(HOSTS)
    for host in HOSTS:
        tcb = [change for change in changes["hosts"][host]["changes"] if change["kind"] == "tcb_status"]
        assert [(change["before"], change["after"]) for change in tcb] == [("UpToDate", "OutOfDate")], changes
    with open(os.path.join(reattest_dir, "last", "changes.txt")) as handle:
        lines = handle.read().splitlines()
    assert lines[0].startswith("reattest %s: 2 of 2 hosts changed since the last run" % runs[1]), lines
    assert sorted(line.split(": ")[0] for line in lines[1:3]) == sorted(HOSTS), lines
    assert all("TCB status UpToDate → OutOfDate" in line for line in lines[1:3]), lines
    failed = second.result("Fail the run when anything changed or a host does not pass", "localhost")["msg"]
    assert "changed: %s" % ", ".join(sorted(HOSTS)) in failed, failed


def test_without_a_quote_service_enforcing_fails_each_host_with_its_own_reasons(fleet, tmp_path):
    """The hosts as plain containers on this kernel: no TDs, no configfs-tsm; one carries a debug-TD TDREPORT.

    Last in the module: the stand-in is hidden inside each host for this run
    (empty file systems over /sys/kernel/config and the event log's
    /sys/firmware/acpi/tables) and shown again after it.
    """
    from tdx_pki.unsigned import tdreport  # tools/ is on sys.path

    debug_td = HOSTS[1]
    report_file = os.path.join(str(fleet.work), "debug-td.tdreport")
    with open(report_file, "wb") as handle:
        handle.write(tdreport(td_attributes=0x10000001)[0])  # DEBUG | SEPT_VE_DISABLE
    settings = fleet.settings(verify_enforce=True, verify_tdreport_file="{{ %r if inventory_hostname == %r else '' }}"
                              % (DEBUG_TD_REPORT, debug_td))
    # Without the inventory's ansible_become, which would override guest_info's run without root.
    inventory = {"all": {"hosts": dict(
        (name, dict((key, value) for key, value in variables.items() if key != "ansible_become"))
        for name, variables in fleet.inventory["all"]["hosts"].items())}}
    run = run_playbook([{"hosts": "all", "gather_facts": False, "tasks": [
        {"name": "debug-TD report", "ansible.builtin.copy": {
            "src": report_file, "dest": DEBUG_TD_REPORT, "owner": "root", "group": "root", "mode": "0600"},
         "become": True, "when": "inventory_hostname == %r" % debug_td},
        # The stand-in's event log goes too: a CCEL table is a sign of TDX that guest_info reports.
        {"name": "no quote service", "ansible.builtin.shell": (
            "mount -t tmpfs -o ro,mode=0755 no-configfs /sys/kernel/config && "
            "mount -t tmpfs -o ro,mode=0755 no-ccel /sys/firmware/acpi/tables"),
         "become": True},
        {"block": [
            {"ansible.builtin.import_tasks": GUEST_INFO_ON_A_REAL_KERNEL},
            {"ansible.builtin.include_role": {"name": "confidential.tdx.verify"}, "vars": settings},
            {"name": "enforced", "ansible.builtin.debug": {"msg": "the role let the host pass"}},
        ], "rescue": [
            {"name": "enforced", "ansible.builtin.debug": {"msg": "{{ ansible_failed_result.msg }}"}},
        ], "always": [
            {"name": "quote service back", "ansible.builtin.command": {
                "argv": ["umount", "/sys/kernel/config", "/sys/firmware/acpi/tables"]},
             "become": True},
        ]},
    ]}], tmp_path, inventory=inventory, timeout=900)
    assert run.ok, run.output
    reports = read_reports(settings["verify_report_dir"])
    assert sorted(reports) == sorted(HOSTS)
    for host, report in reports.items():
        failures = report["failures"]
        assert report["host"] == host
        assert (report["verified"], report["attested"], report["enforced"]) == (False, False, True)
        # Not attested: no quote, and the reason says why.
        assert report["attestation"]["attempted"] is True and len(report["attestation"]["nonce"]) == 64
        assert failures[0].startswith("attestation: quote: /sys/kernel/config/tsm/report does not exist: "
                                      "this kernel has no configfs-tsm report interface"), failures
        assert report["tcb_status"] is None
        # What the host says about itself is kept as such, and listed after it.
        assert report["self_reported"]["verified"] is False and report["self_reported"]["failures"]
        assert set(report["self_reported"]["failures"]) <= set(failures)
        for prefix in ("attestation: parse: no quote was given", "tdx_active: not a TDX guest: no tdx_guest CPU flag",
                       "cpu_flag: CPU flag tdx_guest is not set", "device: no /dev/tdx_guest"):
            assert len([line for line in failures if line.startswith(prefix)]) == 1, (prefix, failures)
        debug = ("debug: DEBUG attribute is set (td_attributes 0000000010000001): the host can read and change"
                 if host == debug_td else "debug: no TDREPORT to read the attributes from")
        assert len([line for line in failures if line.startswith(debug)]) == 1, failures
        # Enforcing: the host failed, the message naming it and the reasons.
        message = run.result("enforced", host)["msg"]
        assert message.startswith("%s is not verified as an Intel TDX trust domain: " % host), message
        assert "tdx_active: not a TDX guest: no tdx_guest CPU flag" in message and debug in message, message
    with open(os.path.join(settings["verify_report_dir"], "summary.json")) as handle:
        summary = json.load(handle)
    assert (summary["hosts"], summary["verified"], summary["not_checked"]) == (len(HOSTS), [], []), summary
    assert sorted(summary["failed"]) == sorted(HOSTS)
    assert [line for line in summary["failed"][debug_td] if line.startswith("debug: DEBUG attribute is set")]
    # The stand-in is back in both hosts.
    assert [run.status("quote service back", host) for host in HOSTS] == ["changed", "changed"]
