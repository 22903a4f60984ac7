"""The verdict says what a quote_verify result proved: attested, platform only, test root or refused."""

import itertools

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import policy_from
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import (
    MRTD_NOT_PINNED,
    NOT_FRESH,
    RTMRS_NOT_PINNED,
    VERDICTS,
    verdict_of,
)

MRTD = "11" * 48
PINNED = {"mrtd": MRTD, "rtmr0": "a0" * 48, "rtmr1": "a1" * 48, "rtmr2": "a2" * 48}
EVENTS = {"events": [{"digest": "ab" * 48}]}


def result(**changes):
    """A quote_verify result with no problems, to Intel's root, over this run's nonce."""
    verified = {"verified": True, "problems": [], "root_is_intel": True, "root": "44a0196b" * 8,
                "report_data_checked": True}
    verified.update(changes)
    return verified


def test_intel_root_fresh_and_every_register_pinned_is_attested_with_no_reasons():
    verdict = verdict_of(result(), PINNED)
    assert verdict == {"verdict": "attested", "verdict_reasons": [], "proven": {
        "intel_root": True, "fresh": True, "mrtd": "pinned", "rtmrs": "pinned", "software_pinned": True}}


def test_an_mrtd_endorsed_by_google_and_rtmrs_replayed_from_named_events_is_attested():
    verdict = verdict_of(result(endorsement={"verified": True, "root_is_google": True}, event_log={"replayed": True}), EVENTS)
    assert verdict["verdict"] == "attested"
    assert (verdict["proven"]["mrtd"], verdict["proven"]["rtmrs"]) == ("endorsed", "event log")


def test_the_policy_object_the_verifier_holds_counts_as_its_keys():
    assert verdict_of(result(), policy_from(PINNED))["verdict"] == "attested"
    assert verdict_of(result(), policy_from({"mrtd": MRTD}))["verdict"] == "platform only"


def test_no_pinned_software_is_platform_only_naming_both_parts():
    verdict = verdict_of(result(), {})
    assert verdict["verdict"] == "platform only"
    assert verdict["verdict_reasons"] == [MRTD_NOT_PINNED, RTMRS_NOT_PINNED]
    assert verdict["proven"]["software_pinned"] is False and verdict["proven"]["intel_root"] is True


def test_an_endorsement_verified_only_to_a_testing_root_does_not_pin_the_mrtd():
    verdict = verdict_of(result(endorsement={"verified": True, "root_is_google": False}, event_log={"replayed": True}),
                         EVENTS)
    assert verdict["verdict"] == "platform only" and verdict["proven"]["mrtd"] is None


def test_an_endorsement_that_did_not_verify_does_not_pin_the_mrtd():
    rtmrs = dict((name, PINNED[name]) for name in ("rtmr0", "rtmr1", "rtmr2"))
    verdict = verdict_of(result(endorsement={"verified": False}), rtmrs)
    assert verdict["verdict_reasons"] == [MRTD_NOT_PINNED]
    assert verdict["proven"]["rtmrs"] == "pinned"


@pytest.mark.parametrize("event_log,policy", [
    ({"replayed": True}, {"mrtd": MRTD}),  # replayed, but the policy names no event
    ({"replayed": True}, {"mrtd": MRTD, "events": []}),
    ({"replayed": False}, dict(EVENTS, mrtd=MRTD)),  # named events, but no replay
    (None, {"mrtd": MRTD, "rtmr0": "a0" * 48, "rtmr1": "a1" * 48}),  # rtmr2 missing
])
def test_rtmrs_are_pinned_only_by_a_replay_with_named_events_or_all_three_values(event_log, policy):
    changes = {"event_log": event_log} if event_log is not None else {}
    verdict = verdict_of(result(**changes), policy)
    assert verdict["verdict"] == "platform only"
    assert verdict["verdict_reasons"] == [RTMRS_NOT_PINNED]
    assert verdict["proven"]["mrtd"] == "pinned" and verdict["proven"]["rtmrs"] is None


@pytest.mark.parametrize("changes", [
    {"freshness_checked": False},  # skip_freshness_check
    {"report_data_checked": False},  # no nonce given, from before freshness_checked existed
])
def test_a_quote_whose_freshness_was_not_checked_is_platform_only_even_when_pinned(changes):
    verdict = verdict_of(result(**changes), PINNED)
    assert verdict["verdict"] == "platform only"
    assert verdict["verdict_reasons"] == [NOT_FRESH]
    assert verdict["proven"]["fresh"] is False


def test_freshness_checked_wins_over_report_data_checked():
    assert verdict_of(result(freshness_checked=True, report_data_checked=False), PINNED)["verdict"] == "attested"


def test_no_problems_under_a_test_root_is_test_root_even_when_everything_else_is_proven():
    verdict = verdict_of(result(root_is_intel=False, root="5beef23e" * 8), PINNED)
    assert verdict["verdict"] == "test root"
    assert len(verdict["verdict_reasons"]) == 1
    assert verdict["verdict_reasons"][0].startswith("test root: ") and "5beef23e" in verdict["verdict_reasons"][0]
    assert verdict["proven"]["intel_root"] is False and verdict["proven"]["software_pinned"] is True


def test_a_test_root_still_says_what_software_was_not_pinned():
    verdict = verdict_of(result(root_is_intel=False), {})
    assert verdict["verdict"] == "test root"
    assert verdict["verdict_reasons"][1:] == [MRTD_NOT_PINNED, RTMRS_NOT_PINNED]


@pytest.mark.parametrize("root_is_intel", [True, False])
def test_any_problem_is_refused_with_the_problems_as_reasons_and_nothing_proven(root_is_intel):
    problems = ["freshness: report data does not match", "mrtd: 22... is not allowed"]
    verdict = verdict_of(result(verified=False, problems=problems, root_is_intel=root_is_intel), PINNED)
    assert verdict == {"verdict": "refused", "verdict_reasons": problems, "proven": {
        "intel_root": False, "fresh": False, "mrtd": None, "rtmrs": None, "software_pinned": False}}


def test_not_verified_without_a_problem_is_still_refused_and_says_so():
    verdict = verdict_of(result(verified=False), PINNED)
    assert verdict["verdict"] == "refused" and "named no problem" in verdict["verdict_reasons"][0]


def test_a_missing_root_is_intel_is_not_intels_root():
    unknown = result()
    del unknown["root_is_intel"]
    assert verdict_of(unknown, PINNED)["verdict"] == "test root"


# Every combination of what a result and a policy can say: no path is green without Intel's root.
ROOTS = [True, False, None, "true"]
PROBLEMS = [[], ["parse: the quote is empty"]]
FRESHNESS = [{}, {"freshness_checked": False}, {"freshness_checked": True}, {"report_data_checked": False}]
ENDORSEMENTS = [{}, {"endorsement": {"verified": True, "root_is_google": True}},
                {"endorsement": {"verified": True, "root_is_google": False}}, {"endorsement": {"verified": False}}]
EVENT_LOGS = [{}, {"event_log": {"replayed": True}}, {"event_log": {"replayed": False}}]
POLICIES = [{}, PINNED, EVENTS, dict(PINNED, **EVENTS), {"mrtd": MRTD}]


def test_no_path_gives_attested_without_intels_root_and_every_verdict_is_one_of_the_four():
    seen = set()
    for root, problems, fresh, endorsement, event_log, policy in itertools.product(
            ROOTS, PROBLEMS, FRESHNESS, ENDORSEMENTS, EVENT_LOGS, POLICIES):
        given = result(root_is_intel=root, problems=problems, verified=not problems)
        for part in (fresh, endorsement, event_log):
            given.update(part)
        verdict = verdict_of(given, policy)
        seen.add(verdict["verdict"])
        assert verdict["verdict"] in VERDICTS
        if root is not True:
            assert verdict["verdict"] != "attested" and verdict["proven"]["intel_root"] is False, (given, policy)
        assert (verdict["verdict"] == "attested") == (verdict["verdict_reasons"] == []), (given, policy)
    assert seen == set(VERDICTS)


def _up_to_date_sample():
    from tests.playbooks.attestation.materials import sample_case, sample_ids
    for name in sample_ids():
        case = sample_case(name)
        if case["tee"] == "TDX" and case["expect"].get("status") == "UpToDate":
            return case
    pytest.skip("shared/tdx-samples has no UpToDate TDX quote")


def test_a_real_intel_quote_is_platform_only_until_its_software_is_pinned_then_attested():
    """Intel's own evidence through the Verifier: every verdict to Intel's root is reachable with real parts."""
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation import roots, timestamps, verifier
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import expectation
    from tests.playbooks.attestation.materials import sample_collateral_path, sample_quote

    case = _up_to_date_sample()
    at = timestamps.parse_iso(case["verify_at"], "verify_at")

    def verify(given, report_data=None):
        checker = verifier.Verifier(roots.intel_root(), policy_from(given),
                                    collateral_path=sample_collateral_path(case))
        return checker.verify(sample_quote(case), expectation(report_data) if report_data else None, at)

    # The quote's own report data stands in for this run's nonce (freshness itself: test_freshness_and_dcap.py).
    decoded = verify({})["quote"]
    report_data = decoded["report_data"]
    unpinned = verify({}, report_data)
    assert (unpinned["verdict"], unpinned["verified"]) == ("platform only", True), unpinned["problems"]
    assert unpinned["verdict_reasons"] == [MRTD_NOT_PINNED, RTMRS_NOT_PINNED]
    pinned = dict(mrtd=decoded["mrtd"], rtmr0=decoded["rtmr"][0], rtmr1=decoded["rtmr"][1], rtmr2=decoded["rtmr"][2])
    attested = verify(pinned, report_data)
    assert (attested["verdict"], attested["verdict_reasons"]) == ("attested", []), attested["problems"]
    assert attested["proven"] == {"intel_root": True, "fresh": True, "mrtd": "pinned", "rtmrs": "pinned",
                                  "software_pinned": True}
    # One register off: a problem, so refused, whatever else was proven.
    wrong = verify(dict(pinned, rtmr1="00" * 48), report_data)
    assert wrong["verdict"] == "refused" and wrong["verdict_reasons"] == wrong["problems"] != []
