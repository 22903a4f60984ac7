"""dcap-qvl's refusals that the test PKI can provoke, each reaching the user under its check's name, and the PCE ID
check dcap-qvl does not make.

The names of the others are in test_freshness_and_dcap.py's table of dcap-qvl's messages.
"""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.modules import quote_verify
from tests.playbooks.attestation.materials import b64, pki_evidence, tdx_pki
from tests.unit.module_harness import run_module

SEPT_VE_DISABLE = 1 << 28


def refusal(directory, policy=None, status="UpToDate", **options):
    evidence = pki_evidence(directory, status, **options)
    args = {"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
            "testing_root_ca": evidence.root, "skip_freshness_check": True}
    if policy:
        args["policy"] = policy
    result = run_module(quote_verify.main, args)
    assert not result.failed, result.get("msg")
    assert result["verified"] is False
    return result["problems"]


@pytest.mark.parametrize("bit", [4, 5, 6])
def test_a_profiling_attribute_is_refused_by_dcap_qvl_as_td_profiling(tmp_path, bit):
    problems = refusal(tmp_path, policy={"allowed_attributes": ["SEPT_VE_DISABLE", "HGS_PLUS_PROF", "PERF_PROF",
                                                                "PMT_PROF"]},
                       body=tdx_pki.TdBody().with_(td_attributes=SEPT_VE_DISABLE | 1 << bit))
    assert problems == ["td attributes: the TD has a profiling attribute set (HGS_PLUS_PROF, PERF_PROF or PMT_PROF): "
                        "the host can observe it (dcap-qvl: TD profiling is enabled)"]


def test_an_out_of_date_qe_past_the_grace_period_is_refused_as_qe_tcb(tmp_path):
    problems = refusal(tmp_path, policy={"tcb_statuses": ["UpToDate", "OutOfDate"]}, qe_status="OutOfDate")
    assert len(problems) == 1 and problems[0].startswith("qe tcb: the Quoting Enclave's TCB level is not UpToDate"), \
        problems
    assert "(dcap-qvl: QE TCB too old: tcb_date_tag" in problems[0]


def test_a_qe_below_every_level_of_its_identity_is_refused_as_qe_tcb(tmp_path):
    problems = refusal(tmp_path, quote_options={"qe": tdx_pki.QeParams(isvsvn=1)})
    assert problems == ["qe tcb: the Quoting Enclave's ISVSVN 1 is below every TCB level of Intel's QE identity (the "
                        "lowest is 8) (dcap-qvl: QE ISVSVN 1 is below minimum required 8 from QE Identity)"]


def test_collateral_below_the_minimum_evaluation_number_is_refused_as_tcb_evaluation_number(tmp_path):
    problems = refusal(tmp_path, policy={"min_tcb_eval_data_number": 18}, tcb_evaluation_data_number=17)
    assert problems == ["tcb evaluation number: the collateral's TCB evaluation data number 17 is below the policy's "
                        "min_tcb_eval_data_number 18 (dcap-qvl: TCB eval data number 17 is below minimum 18)"]


def test_collateral_for_another_pce_is_refused_as_pce_id(tmp_path):
    """dcap-qvl accepts this quote with this collateral; the PCE ID check is ours (go-tdx-guest makes it too)."""
    case = tdx_pki.build_case(platform=tdx_pki.Platform(pce_id="0000"))
    other = tdx_pki.build_collateral(case.pki, tdx_pki.Platform(pce_id="0100"))
    collateral = tmp_path / "other-pce.json"
    collateral.write_text(other.to_json())
    root = tmp_path / "root.der"
    root.write_bytes(case.root_der)
    args = {"quote": b64(case.quote), "verify_at": timestamps.iso(case.now), "testing_root_ca": str(root),
            "skip_freshness_check": True}
    result = run_module(quote_verify.main, dict(args, collateral=str(collateral)))
    assert result["verified"] is False
    assert result["problems"] == [
        "pce id: the PCK certificate's PCE ID is 0000, the TCB info's pceId is 0100: the collateral is for another "
        "Provisioning Certification Enclave, so its TCB levels do not apply to this platform"]
    collateral.write_text(case.collateral.to_json())
    assert run_module(quote_verify.main, dict(args, collateral=str(collateral)))["verified"]


def test_an_out_of_date_qe_on_an_up_to_date_platform_is_refused_as_qe_tcb(tmp_path):
    """dcap-qvl says only "TCB status OutOfDate"; its claims say the status is the Quoting Enclave's."""
    (problem,) = refusal(tmp_path, qe_status="OutOfDate")
    assert problem == ("qe tcb: the Quoting Enclave's TCB status OutOfDate (from Intel's QE identity) is not allowed "
                       "by the policy; the platform's own is UpToDate (dcap-qvl: TCB status OutOfDate is not "
                       "acceptable by policy)")
    (problem,) = refusal(tmp_path, module_status="OutOfDate")
    assert problem.startswith("tcb status: TCB status OutOfDate is not allowed by the policy")


def test_a_revoked_qe_is_named_as_the_qe_and_a_revoked_platform_as_the_platform(tmp_path):
    """dcap-qvl says only "TCB status is invalid: Revoked", with no claims; qe_status.py reads whose it is."""
    (problem,) = refusal(tmp_path / "qe", qe_status="Revoked")
    assert problem == ("qe tcb: the Quoting Enclave's TCB status is Revoked (Intel's QE identity, for its ISVSVN 8): "
                       "Intel has revoked the TCB of the enclave that signed this quote's report (dcap-qvl: TCB "
                       "status is invalid: Revoked)")
    (problem,) = refusal(tmp_path / "platform", status="Revoked")
    assert problem == ("tcb status: TCB status Revoked: Intel has revoked this platform's TCB; its Quoting Enclave's "
                       "is UpToDate (ISVSVN 8) (dcap-qvl: TCB status is invalid: Revoked)")
