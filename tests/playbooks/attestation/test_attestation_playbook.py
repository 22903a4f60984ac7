"""tdx_collateral then quote_verify through ansible-playbook on localhost, as the verify role runs them."""

import hashlib

import pytest

from tests.playbooks.attestation.materials import b64, tdx_pki
from tests.playbooks.playbook import localhost_play, run_playbook

from pcs_standin import PcsStandin  # noqa: E402  (tools/ is on sys.path through materials)

pytestmark = pytest.mark.integration


def test_collateral_then_a_batch_verified_on_the_controller(tmp_path):
    nonces = dict((host, hashlib.sha256(host.encode()).hexdigest()) for host in ("web-1", "web-2"))
    cases = dict((host, tdx_pki.build_case(body=tdx_pki.TdBody().with_(
        report_data=hashlib.sha512(bytes.fromhex(nonce)).digest()))) for host, nonce in nonces.items())
    root = tmp_path / "root.der"
    root.write_bytes(cases["web-1"].root_der)
    cache_dir = str(tmp_path / "collateral")
    entries = dict((host, {"quote": b64(case.quote), "nonce": nonces[host]}) for host, case in cases.items())
    # web-2's quote handed in as web-3's: the nonce of web-3 is not in it.
    entries["web-3"] = {"quote": b64(cases["web-2"].quote), "nonce": hashlib.sha256(b"web-3").hexdigest()}
    with PcsStandin([cases["web-1"].collateral]) as standin:
        tasks = [
            {"name": "collateral", "confidential.tdx.tdx_collateral": {
                "quotes": [entry["quote"] for entry in entries.values()], "cache_dir": cache_dir,
                "pccs_url": standin.url, "endorsements": False}},
            {"name": "collateral again", "confidential.tdx.tdx_collateral": {
                "quotes": [entry["quote"] for entry in entries.values()], "cache_dir": cache_dir, "offline": True}},
            {"name": "verify batch", "confidential.tdx.quote_verify": {
                "quotes": entries, "collateral_dir": cache_dir, "testing_root_ca": str(root)}},
            {"name": "verify one", "confidential.tdx.quote_verify": {
                "quote": entries["web-1"]["quote"], "nonce": nonces["web-1"], "collateral_dir": cache_dir,
                "testing_root_ca": str(root), "policy": {"mrtd": cases["web-1"].body.mrtd.hex()}}},
            {"name": "verify against Intel", "confidential.tdx.quote_verify": {
                "quote": entries["web-1"]["quote"], "nonce": nonces["web-1"], "collateral_dir": cache_dir}},
        ]
        run = run_playbook([localhost_play(tasks)], tmp_path)
        calls = len(standin.requests())
    assert run.ok, run.output[-3000:]
    assert run.status("collateral") == "changed" and run.result("collateral")["fetched"] == 1
    assert run.status("collateral again") == "ok" and run.result("collateral again")["calls"] == 0
    assert calls == 4
    batch = run.result("verify batch")
    assert run.status("verify batch") == "ok"
    assert batch["refused"] == ["web-3"]
    assert batch["verdicts"]["web-3"]["problems"][0].startswith("freshness: report data does not match the nonce")
    assert run.result("verify one")["verified"] and not run.result("verify one")["root_is_intel"]
    intel = run.result("verify against Intel")
    assert not intel["verified"] and intel["root_is_intel"]
    assert intel["problems"][0].startswith("certificate chain: the quote's PCK chain ends in a root")


def test_check_mode_fetches_nothing_and_still_verifies_what_is_cached(tmp_path):
    case = tdx_pki.build_case()
    root = tmp_path / "root.der"
    root.write_bytes(case.root_der)
    collateral_file = tmp_path / "collateral.json"
    collateral_file.write_text(case.collateral.to_json())
    with PcsStandin([case.collateral]) as standin:
        tasks = [
            {"name": "collateral", "confidential.tdx.tdx_collateral": {
                "quotes": [b64(case.quote)], "cache_dir": str(tmp_path / "cache"), "pccs_url": standin.url,
                "endorsements": False}},
            {"name": "verify", "confidential.tdx.quote_verify": {
                "quote": b64(case.quote), "report_data": case.body.report_data.hex(),
                "collateral": str(collateral_file), "testing_root_ca": str(root)}},
        ]
        run = run_playbook([localhost_play(tasks)], tmp_path, check=True, diff=True)
        calls = len(standin.requests())
    assert run.ok, run.output[-3000:]
    assert calls == 0 and not (tmp_path / "cache").exists()
    assert run.status("collateral") == "changed"
    assert run.result("verify")["verified"]
