"""make demo fails unless its report shows every host attested and the same evidence refused against Intel's root."""

import json

import demo_checks  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

HOSTS = ["tdx-demo-1", "tdx-demo-2"]
REFUSED = ('"msg": "%s: then REFUSED: certificate chain: the quote\'s PCK chain ends in a root with SHA-256 5bee..., '
           'not Intel\'s SGX Root CA (44a0...): a look-alike root; now REFUSED: certificate chain: ..."')


def write_report(directory, host, attested):
    report = {"host": host, "attested": attested, "failures": [] if attested else ["quote: not verified"],
              "tcb_status": "UpToDate", "advisory_ids": [], "attestation": {"root": "5beef23e" * 8, "nonce": "ab" * 32}}
    (directory / (host + ".json")).write_text(json.dumps(report))


def test_every_host_attested_passes_and_prints_a_line_each(tmp_path, capsys):
    for host in HOSTS:
        write_report(tmp_path, host, True)
    (tmp_path / "summary.json").write_text(json.dumps({"hosts": 2}))  # not a host's report
    assert demo_checks.main(["attested", str(tmp_path)] + HOSTS) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == HOSTS
    assert all(" attested (root 5beef23e" in line for line in printed)


def test_a_host_not_attested_or_without_a_report_fails_naming_it(tmp_path, capsys):
    write_report(tmp_path, "tdx-demo-1", False)
    assert demo_checks.main(["attested", str(tmp_path)] + HOSTS) == 1
    captured = capsys.readouterr()
    assert "NOT attested: quote: not verified" in captured.out
    assert "not attested to the test root: tdx-demo-1, tdx-demo-2" in captured.err


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


def test_a_call_without_hosts_is_a_usage_error(tmp_path, capsys):
    assert demo_checks.main(["attested", str(tmp_path)]) == 2
    assert "python3 tools/demo_checks.py attested REPORT_DIR HOST" in capsys.readouterr().err
