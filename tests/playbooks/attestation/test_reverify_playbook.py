"""The reverify playbook on archived reports of hosts verified with different policies: each with its own."""

import hashlib
import json
import time

import pytest

from tests.playbooks.attestation.materials import b64, tdx_pki
from tests.playbooks.playbook import run_playbook

pytestmark = pytest.mark.integration


def archived_report(host, mrtd, policy):
    """A report as the verify role archives it, for a quote of a TD with ``mrtd`` over this host's nonce."""
    nonce = hashlib.sha256(host.encode()).hexdigest()
    case = tdx_pki.build_case(body=tdx_pki.TdBody().with_(
        mrtd=mrtd, report_data=hashlib.sha512(bytes.fromhex(nonce)).digest()))
    verified_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(case.now))
    return case, {"host": host, "attestation": {
        "quote": b64(case.quote), "nonce": nonce, "user_data": "", "verify_at": verified_at,
        "collateral": {"document": json.loads(case.collateral.to_json())}, "policy": policy}}


def test_each_archived_host_is_reverified_with_the_policy_its_own_report_recorded(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    mrtds = {"web-1": bytes([0x11]) * 48, "web-2": bytes([0x22]) * 48}
    for host, mrtd in mrtds.items():
        # As quote_verify's result records it: every key, null when not checked.
        policy = {"mrtd": [mrtd.hex()], "xfam": None, "min_tee_tcb_svn": None, "tcb_statuses": ["UpToDate"],
                  "allowed_attributes": ["SEPT_VE_DISABLE", "PKS", "PERFMON"]}
        case, report = archived_report(host, mrtd, policy)
        (reports / ("%s.json" % host)).write_text(json.dumps(report))
    root = tmp_path / "root.der"
    root.write_bytes(case.root_der)
    run = run_playbook([{"ansible.builtin.import_playbook": "confidential.tdx.reverify"}], tmp_path, extra_args=(
        "-e", "tdx_reverify_dir=%s" % reports, "-e", "tdx_reverify_testing_root_ca=%s" % root))
    assert run.ok, run.output[-3000:]
    verdicts = json.loads((reports / "reverify.json").read_text())
    for host, mrtd in mrtds.items():
        for when in ("at_recorded_time", "now"):
            verdict = verdicts[when][host]
            assert verdict["verified"], (host, when, verdict["problems"])
            assert verdict["policy"]["mrtd"] == [mrtd.hex()]
