import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import (
    PolicyError,
    body_problems,
    policy_from,
)

MRTD = "11" * 48
MRSEAM = "5e" * 48
TDX15 = {"version": 5, "tee_tcb_svn2": "0b020400" + "00" * 12}


def body(**changes):
    decoded = {"td_attributes": "0000000010000000", "xfam": "e71a060000000000", "mrtd": MRTD,
               "mrconfigid": "00" * 48, "mrowner": "00" * 48, "mrownerconfig": "00" * 48,
               "rtmr": ["a0" * 48, "a1" * 48, "a2" * 48, "a3" * 48], "tee_tcb_svn": "0b010400" + "00" * 12,
               "mrseam": MRSEAM, "version": 4}
    decoded.update(changes)
    return decoded


def test_the_default_policy_accepts_a_production_td():
    assert body_problems(body(), policy_from(None)) == []
    described = policy_from({}).describe()
    assert described["tcb_statuses"] == ["UpToDate"]
    assert described["allowed_attributes"] == ["SEPT_VE_DISABLE", "PKS", "PERFMON"]
    assert described["allow_dynamic_platform"] and described["allow_cached_keys"] and described["allow_smt"]


@pytest.mark.parametrize("attributes,says", [
    ("0000000010000001", "DEBUG is set"),
    ("0000000030000000", "MIGRATABLE set"),
    ("0000000010010000", "ICSSD set"),
    ("0000010010000000", "BIT40 set"),
])
def test_debug_and_unexpected_attribute_bits_are_named(attributes, says):
    problems = body_problems(body(td_attributes=attributes), policy_from(None))
    assert len(problems) == 1 and problems[0].startswith("td attributes:") and says in problems[0], problems


def test_pks_and_perfmon_are_allowed_by_default_and_can_be_refused():
    value = "%016x" % (1 << 28 | 1 << 30 | 1 << 63)
    assert body_problems(body(td_attributes=value), policy_from(None)) == []
    problems = body_problems(body(td_attributes=value), policy_from({"allowed_attributes": ["SEPT_VE_DISABLE"]}))
    assert problems and "PKS, PERFMON set" in problems[0]


def test_measurements_are_compared_one_of_a_list_for_mrtd():
    policy = policy_from({"mrtd": ["22" * 48, MRTD], "rtmr2": "a2" * 48, "mrowner": "00" * 48})
    assert body_problems(body(), policy) == []
    problems = body_problems(body(rtmr=["a0" * 48, "a1" * 48, "ff" * 48, "a3" * 48]), policy)
    assert problems == ["rtmr2: the quote has %s, the policy expects %s" % ("ff" * 48, "a2" * 48)]
    problems = body_problems(body(mrtd="33" * 48), policy)
    assert problems[0].startswith("mrtd: the quote has %s, the policy expects one of" % ("33" * 48))


def test_xfam_must_be_a_value_tdx_allows_and_the_expected_one():
    assert "not a value TDX allows" in body_problems(body(xfam="0000000000000000"), policy_from(None))[0]
    assert "the policy expects" in body_problems(body(), policy_from({"xfam": "e702060000000000"}))[0]


def test_tee_tcb_svn_is_compared_component_by_component():
    policy = policy_from({"min_tee_tcb_svn": "0b020400" + "00" * 12})
    assert body_problems(body(), policy) == [
        "tee_tcb_svn: %s is below the policy's minimum %s (component 1)" % ("0b010400" + "00" * 12,
                                                                             "0b020400" + "00" * 12)]
    assert body_problems(body(tee_tcb_svn="0c020400" + "00" * 12), policy) == []


def test_mrseam_is_one_or_one_of_a_list():
    assert body_problems(body(), policy_from({"mrseam": MRSEAM})) == []
    assert body_problems(body(), policy_from({"mrseam": ["77" * 48, MRSEAM]})) == []
    assert body_problems(body(mrseam="77" * 48), policy_from({"mrseam": MRSEAM})) == [
        "mrseam: the quote has %s, the policy expects %s" % ("77" * 48, MRSEAM)]
    problems = body_problems(body(mrseam="77" * 48), policy_from({"mrseam": [MRSEAM, "88" * 48]}))
    assert problems == ["mrseam: the quote has %s, the policy expects one of %s, %s" % ("77" * 48, MRSEAM, "88" * 48)]


def test_tee_tcb_svn2_is_a_minimum_compared_as_tee_tcb_svn_and_a_v4_quote_cannot_meet_it():
    policy = policy_from({"tee_tcb_svn2": "0b020400" + "00" * 12})
    assert body_problems(body(**TDX15), policy) == []
    assert body_problems(body(**dict(TDX15, tee_tcb_svn2="0c000500" + "00" * 12)), policy) == [
        "tee_tcb_svn2: %s is below the policy's minimum %s (component 1)" % ("0c000500" + "00" * 12,
                                                                              "0b020400" + "00" * 12)]
    (problem,) = body_problems(body(), policy)
    assert problem.startswith("tee_tcb_svn2: the quote (v4, TDX 1.0 body) carries no TEE_TCB_SVN2"), problem
    assert body_problems(body(), policy_from(None)) == []


@pytest.mark.parametrize("given,names", [
    ({"mrseam": "5e" * 47}, "policy.mrseam"),
    ({"mrseam": []}, "policy.mrseam"),
    ({"mrseam": [MRSEAM, "zz"]}, "policy.mrseam"),
    ({"tee_tcb_svn2": "00" * 15}, "policy.tee_tcb_svn2"),
    ({"tee_tcb_svn2": 3}, "policy.tee_tcb_svn2"),
    ("UpToDate", "policy:"),
    ({"colour": "blue"}, "policy.colour"),
    ({"mrtd": "zz"}, "policy.mrtd"),
    ({"mrtd": []}, "policy.mrtd"),
    ({"rtmr1": "11" * 47}, "policy.rtmr1"),
    ({"xfam": 3}, "policy.xfam"),
    ({"allowed_attributes": ["DEBUG"]}, "policy.allowed_attributes"),
    ({"allowed_attributes": ["FAST"]}, "policy.allowed_attributes"),
    ({"tcb_statuses": ["Revoked"]}, "policy.tcb_statuses"),
    ({"tcb_statuses": ["Fine"]}, "policy.tcb_statuses"),
    ({"tcb_statuses": []}, "policy.tcb_statuses"),
    ({"refused_advisories": ["CVE-2024-1"]}, "policy.refused_advisories"),
    ({"tcb_grace_period": -1}, "policy.tcb_grace_period"),
    ({"allow_smt": "yes"}, "policy.allow_smt"),
    ({"min_tee_tcb_svn": "00"}, "policy.min_tee_tcb_svn"),
    ({"events": ["kernel"]}, "policy.events: must be a non-empty dictionary of boot component"),
    ({"events": {}}, "policy.events: must be a non-empty dictionary of boot component"),
    ({"events": {"vmlinuz": "ab" * 48}}, "policy.events.vmlinuz: not a boot component; the components are "
                                         "secure_boot, "),
    ({"events": {"kernel": "ab" * 32}}, "policy.events.kernel: must be 48 bytes (96 hex digits), got 32 bytes"),
    ({"events": {"initrd": []}}, "policy.events.initrd: an empty list allows no initrd"),
])
def test_a_bad_policy_is_refused_in_one_line_naming_the_key(given, names):
    with pytest.raises(PolicyError) as error:
        policy_from(given)
    assert str(error.value).startswith(names) and "\n" not in str(error.value)


@pytest.mark.parametrize("given", [None, {"mrtd": MRTD, "rtmr0": "a0" * 48, "tcb_statuses": ["UpToDate", "OutOfDate"],
                                          "tcb_grace_period": 86400, "allow_smt": False,
                                          "events": {"kernel": ["AB" * 48, "cd" * 48], "secure_boot": "ef" * 48}},
                                   {"mrseam": [MRSEAM], "tee_tcb_svn2": "01" * 16}])
def test_the_described_policy_given_back_is_the_same_policy(given):
    described = policy_from(given).describe()
    assert policy_from(described).describe() == described
