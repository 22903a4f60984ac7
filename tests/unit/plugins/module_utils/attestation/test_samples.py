"""The real quotes of shared/tdx-samples verify to Intel's pinned root exactly as their cases say, and not today."""

import base64

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import policy, roots, timestamps, verifier
from tests.playbooks.attestation.materials import (
    sample_case,
    sample_cases,
    sample_collateral_path,
    sample_ids,
    sample_quote,
)


def verify(case, at):
    checker = verifier.Verifier(roots.intel_root(), policy.policy_from(None),
                                collateral_path=sample_collateral_path(case))
    # Samples carry no nonce of ours: they test signatures and TCB, not freshness.
    return checker.verify(sample_quote(case), verify_at=at, skip_freshness_check=True)


def test_the_samples_are_there_to_test():
    assert sample_cases(), "cases.json lists no case"


@pytest.mark.parametrize("name", sample_ids())
def test_each_sample_verifies_at_its_time_with_the_status_intel_gives(name):
    case = sample_case(name)
    result = verify(case, timestamps.parse_iso(case["verify_at"], "verify_at"))
    expect = case["expect"]
    assert result["root_is_intel"]
    assert result["root"] == roots.INTEL_SGX_ROOT_CA_SHA256
    if case["tee"] != "TDX":
        assert result["problems"] == ["parse: an SGX quote (version 3, TEE type SGX), not a TDX quote: it attests "
                                      "an enclave, not a trust domain"]
    elif "error" in expect:
        assert not result["verified"]
        assert any(expect["error"] in problem and problem.startswith("tcb level:") for problem in result["problems"])
    else:
        assert result["tcb_status"] == expect["status"]
        assert result["advisory_ids"] == expect["advisory_ids"]
        assert result["fmspc"] == case["fmspc"]
        # The default policy allows UpToDate only.
        assert result["verified"] == (expect["status"] == "UpToDate"), result["problems"]


@pytest.mark.parametrize("name", sample_ids())
def test_each_sample_is_refused_today_because_its_collateral_expired(name):
    case = sample_case(name)
    result = verify(case, None)
    assert not result["verified"]
    if case["tee"] == "TDX":
        assert any(problem.startswith("collateral expired:") for problem in result["problems"]), result["problems"]


def _tdx_ids_with_a_status():
    """The cases with a TCB status inside their window: only theirs can change at its end."""
    return [name for name in sample_ids()
            if sample_case(name)["tee"] == "TDX" and "status" in sample_case(name)["expect"]]


@pytest.mark.parametrize("name", _tdx_ids_with_a_status())
def test_each_samples_verdict_changes_at_its_collateral_window(name):
    case = sample_case(name)
    after = timestamps.parse_iso(case["valid_window"][1], "end") + 1
    assert any(problem.startswith(("collateral expired:", "certificate expired:"))
               for problem in verify(case, after)["problems"])


def test_the_pinned_root_is_the_root_every_real_quote_carries():
    intel = roots.intel_root()
    for case in sample_cases():
        checker = verifier.Verifier(intel, policy.policy_from(None))
        dummy, dummy, chain, dummy, problem = checker.platform_of(sample_quote(case)[:])
        assert problem is None
        assert chain[-1] == intel.der, case["case"]
        assert roots.sha256_hex(chain[-1]) == "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"


def _wrapped(text):
    return "\n".join(text[at:at + 76] for at in range(0, len(text), 76)) + "\n"


@pytest.mark.parametrize("wrap", [str, _wrapped], ids=["one line, as guest_quote gives it", "wrapped at 76 columns"])
def test_a_quote_verifies_the_same_as_one_line_or_wrapped(wrap):
    case = next(sample_case(name) for name in _tdx_ids_with_a_status())
    quote = base64.b64encode(sample_quote(case)).decode()
    checker = verifier.Verifier(roots.intel_root(), policy.policy_from(None),
                                collateral_path=sample_collateral_path(case))
    result = checker.verify(wrap(quote), verify_at=timestamps.parse_iso(case["verify_at"], "verify_at"),
                            skip_freshness_check=True)
    assert result["tcb_status"] == case["expect"]["status"], result["problems"]


@pytest.mark.parametrize("text, problem", [
    ("QUJD%%%", "parse: the quote is not valid base64 text"),
    ("QUJDé", "parse: the quote is not valid base64 text"),
    (b"", "parse: the quote is empty"),
])
def test_a_quote_that_is_not_base64_is_named_so(text, problem):
    checker = verifier.Verifier(roots.intel_root(), policy.policy_from(None), collateral_path="/nonexistent")
    result = checker.verify(text, skip_freshness_check=True)
    assert result["problems"][0].startswith(problem), result["problems"]
