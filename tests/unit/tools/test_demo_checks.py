"""make demo fails unless each host's report has the verdict the demo expects (TEST ROOT, the demo's PKI) and the
same evidence is refused against Intel's root."""

import json

import demo_checks  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

HOSTS = ["tdx-demo-1", "tdx-demo-2"]
TEST_ROOT = ["%s=test root" % host for host in HOSTS]
REFUSED = ('"msg": "%s: then REFUSED: certificate chain: the quote\'s PCK chain ends in a root with SHA-256 5bee..., '
           'not Intel\'s SGX Root CA (44a0...): a look-alike root; now REFUSED: certificate chain: ..."')
ROOT_REASON = "test root: the quote chains to a root that is not Intel's SGX Root CA (root 5beef23e...)"


def write_report(directory, host, verdict, reasons=(ROOT_REASON,)):
    report = {"host": host, "verdict": verdict, "verdict_reasons": list(reasons), "attested": verdict == "attested",
              "failures": [], "tcb_status": "UpToDate", "advisory_ids": [],
              "attestation": {"root": "5beef23e" * 8, "nonce": "ab" * 32}}
    (directory / (host + ".json")).write_text(json.dumps(report))


def test_every_host_with_its_expected_verdict_passes_and_prints_test_root_on_its_line(tmp_path, capsys):
    for host in HOSTS:
        write_report(tmp_path, host, "test root")
    (tmp_path / "summary.json").write_text(json.dumps({"hosts": 2}))  # not a host's report
    assert demo_checks.main(["verdicts", str(tmp_path)] + TEST_ROOT) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == HOSTS
    assert all(" TEST ROOT: test root: the quote chains" in line and "(root 5beef23e" in line for line in printed)


def test_each_host_has_its_own_expected_verdict(tmp_path, capsys):
    write_report(tmp_path, "tdx-demo-1", "test root")
    write_report(tmp_path, "tdx-demo-3", "refused", ["rtmr1: the event log replays to 11..., the quote has 22..."])
    assert demo_checks.main(["verdicts", str(tmp_path), "tdx-demo-1=test root", "tdx-demo-3=refused"]) == 0
    assert "tdx-demo-3   refused: rtmr1: the event log replays" in capsys.readouterr().out


def test_a_host_refused_for_another_reason_than_the_one_expected_fails(tmp_path, capsys):
    write_report(tmp_path, "tdx-demo-3", "refused", ["event log: the event log does not reproduce the quote's RTMR2"])
    assert demo_checks.main(["verdicts", str(tmp_path), "tdx-demo-3=refused:event log"]) == 0
    write_report(tmp_path, "tdx-demo-3", "refused", ["quote signature: bad"])
    assert demo_checks.main(["verdicts", str(tmp_path), "tdx-demo-3=refused:event log"]) == 1
    assert "tdx-demo-3 (refused, but no reason says 'event log')" in capsys.readouterr().err


def test_a_host_attested_or_without_a_report_fails_naming_it_and_both_verdicts(tmp_path, capsys):
    # Attested to a test root would be the bug this check exists for.
    write_report(tmp_path, "tdx-demo-1", "attested", [])
    assert demo_checks.main(["verdicts", str(tmp_path)] + TEST_ROOT) == 1
    captured = capsys.readouterr()
    assert "tdx-demo-1   attested (root" in captured.out
    assert ("not the verdict the demo expects: tdx-demo-1 (expected TEST ROOT, got attested), "
            "tdx-demo-2 (expected TEST ROOT, got no report)") in captured.err


def test_every_host_refused_against_intels_root_passes(tmp_path, capsys):
    log = tmp_path / "reverify.log"
    log.write_text("\n".join(REFUSED % host for host in HOSTS))
    assert demo_checks.main(["refused", str(log)] + HOSTS) == 0
    assert capsys.readouterr().out.count("then REFUSED: certificate chain") == 2


def test_a_host_verified_or_missing_in_reverify_fails_naming_it(tmp_path, capsys):
    log = tmp_path / "reverify.log"
    log.write_text(REFUSED % "tdx-demo-1" + '\n"msg": "tdx-demo-2: then verified (UpToDate); now verified"')
    assert demo_checks.main(["refused", str(log)] + HOSTS + ["tdx-demo-3"]) == 1
    assert "not refused against Intel's root for tdx-demo-2, tdx-demo-3" in capsys.readouterr().err


def test_a_call_without_hosts_or_with_a_bad_verdict_is_a_usage_error(tmp_path, capsys):
    assert demo_checks.main(["verdicts", str(tmp_path)]) == 2
    assert "python3 tools/demo_checks.py verdicts REPORT_DIR HOST=VERDICT" in capsys.readouterr().err
    assert demo_checks.main(["verdicts", str(tmp_path), "tdx-demo-1=green"]) == 2
    assert "tdx-demo-1=green: give HOST=VERDICT[:REASON], VERDICT one of attested" in capsys.readouterr().err
