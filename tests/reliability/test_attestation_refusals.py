"""Every kind of bad evidence is refused by quote_verify, each with its own reason, and none is accepted.

The cases of issue 12, point 7, through the module's public surface (the
module harness): real quotes from shared/tdx-samples where they suffice
(flipped bits, expired collateral, another FMSPC's collateral, a real
OutOfDate platform, an SGX quote) and the test PKI of tools/tdx_pki for what
no real sample shows (a re-signed DEBUG quote, an unbound attestation key, a
look-alike root, expired or revoked PCK certificates, a Revoked TCB, nonces).
Each case is recorded in the reliability ledger as kind ``attestation``, and
each runs next to a control that is accepted, so a refusal is never the
verifier refusing everything.
"""

import hashlib

import pytest

from ansible_collections.confidential.tdx.plugins.modules import quote_verify
from tests.playbooks.attestation.materials import (
    b64,
    pki_evidence,
    sample_case,
    sample_collateral_path,
    sample_quote,
    tdx_pki,
)
from tests.unit.module_harness import run_module

# The genuine cloud quote the bit flips start from (an up-to-date Google Cloud-like platform: dynamic platform,
# cached keys, SMT), verified at a time its collateral is valid.
GENUINE = "near-mpc_2026-08_B0C06F"
# Offsets in a v4 quote: header 0..48, body 48..632, signature data from 636
# (signature 0..64, attestation key 64..128, QE report 134..518, its signature
# 518..582, QE auth data from 584).
SIGNATURE_DATA = 636
FLIPS = {
    "header": 30,                               # the QE's user data in the header
    "body": 48 + 136,                           # MRTD
    "signature": SIGNATURE_DATA + 5,
    "qe report": SIGNATURE_DATA + 134 + 10,
    "qe auth data": SIGNATURE_DATA + 584 + 3,
}
FLIP_REASONS = {"header": "quote signature", "body": "quote signature", "signature": "quote signature",
                "qe report": "qe report signature", "qe auth data": "attestation key binding"}
# The same for a v5 quote with a TDX 1.5 body (the signature data starts at 54 + 648 + 4).
V5_SIGNATURE_DATA = 54 + 648 + 4
V5_FLIPS = {"header": 30, "body": 54 + 136, "signature": V5_SIGNATURE_DATA + 5}


def flipped(data, offset):
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def nonce_of(label):
    return hashlib.sha256(label.encode()).hexdigest()


def report_data_for(nonce):
    return hashlib.sha512(bytes.fromhex(nonce)).digest()


def verify(args):
    result = run_module(quote_verify.main, args)
    assert not result.failed, result.get("msg")
    return result


def judge(ledger, case, result, reason, source):
    """Record the case: it must be refused, and one problem must name ``reason``."""
    problems = []
    if result["verified"]:
        problems.append("accepted: %s was verified" % case)
    if not any(line.startswith(reason + ":") for line in result["problems"]):
        problems.append("not refused for %r; problems: %s" % (reason, result["problems"]))
    ledger.record("attestation", case, problems, reason=reason, source=source, seen=result["problems"][:4])
    assert not problems, problems


@pytest.fixture(scope="module")
def genuine():
    case = sample_case(GENUINE)
    return {"quote": sample_quote(case), "collateral": sample_collateral_path(case), "verify_at": case["verify_at"]}


def test_the_genuine_sample_is_accepted_as_the_control(genuine):
    # A sample has no nonce of this run: its signature and TCB are the control, not its freshness.
    result = verify({"quote": b64(genuine["quote"]), "collateral": genuine["collateral"],
                     "verify_at": genuine["verify_at"], "skip_freshness_check": True})
    assert result["verified"], result["problems"]
    assert result["root_is_intel"] and result["tcb_status"] == "UpToDate"


@pytest.mark.parametrize("part", sorted(FLIPS))
def test_a_flipped_bit_in_a_real_v4_quote_is_refused(part, genuine, ledger):
    quote = flipped(genuine["quote"], FLIPS[part])
    result = verify({"quote": b64(quote), "collateral": genuine["collateral"], "verify_at": genuine["verify_at"]})
    judge(ledger, "flipped bit in the %s (real v4 quote)" % part, result, FLIP_REASONS[part], "real sample")


@pytest.fixture(scope="module")
def pki_v5(tmp_path_factory):
    return pki_evidence(tmp_path_factory.mktemp("v5"), version=5, tdx15=True, name="v5")


@pytest.fixture(scope="module")
def pki_v4(tmp_path_factory):
    return pki_evidence(tmp_path_factory.mktemp("v4"), name="v4")


@pytest.mark.parametrize("version", ["v4", "v5"])
def test_the_test_pki_quotes_are_accepted_against_the_test_root(version, pki_v4, pki_v5):
    evidence = pki_v4 if version == "v4" else pki_v5
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
                     "testing_root_ca": evidence.root, "skip_freshness_check": True})
    assert result["verified"], result["problems"]
    assert not result["root_is_intel"]
    assert result["quote"]["version"] == int(version[1])


@pytest.mark.parametrize("part", sorted(V5_FLIPS))
def test_a_flipped_bit_in_a_v5_quote_is_refused(part, pki_v5, ledger):
    quote = flipped(pki_v5.quote, V5_FLIPS[part])
    result = verify({"quote": b64(quote), "collateral": pki_v5.collateral, "verify_at": pki_v5.verify_at,
                     "testing_root_ca": pki_v5.root})
    judge(ledger, "flipped bit in the %s (v5 quote, TDX 1.5 body)" % part, result, "quote signature", "test PKI")


def test_an_attestation_key_not_bound_by_the_qe_report_is_refused(tmp_path, ledger):
    evidence = pki_evidence(tmp_path, quote_options={"unbind_attestation_key": True})
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
                     "testing_root_ca": evidence.root})
    judge(ledger, "attestation key not bound by the QE report", result, "attestation key binding", "test PKI")


def test_a_chain_to_a_look_alike_root_with_intels_names_is_refused(tmp_path, ledger):
    look_alike = tdx_pki.TestPki.build(names=tdx_pki.INTEL_NAMES)
    evidence = pki_evidence(tmp_path, pki=look_alike)
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at})
    assert result["root_is_intel"]
    judge(ledger, "chain to a look-alike root with Intel's names", result, "certificate chain", "test PKI")
    assert "look-alike" in " ".join(result["problems"])


def test_an_expired_pck_certificate_is_refused(tmp_path, ledger):
    pki = tdx_pki.default_pki()
    case = tdx_pki.build_case()
    expired = pki.issue_pck(not_before=case.now - 400 * 86400, not_after=case.now - 86400)
    evidence = pki_evidence(tmp_path, pck=expired, now=case.now)
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
                     "testing_root_ca": evidence.root})
    judge(ledger, "expired PCK certificate", result, "certificate expired", "test PKI")


def test_a_revoked_pck_certificate_is_refused(tmp_path, ledger):
    pck = tdx_pki.default_pki().issue_pck()
    evidence = pki_evidence(tmp_path, pck=pck, revoked_pck=[pck])
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
                     "testing_root_ca": evidence.root})
    judge(ledger, "revoked PCK certificate", result, "pck revoked", "test PKI")


def test_expired_collateral_is_refused_today(genuine, ledger):
    result = verify({"quote": b64(genuine["quote"]), "collateral": genuine["collateral"]})
    judge(ledger, "expired collateral (real sample, verified now)", result, "collateral expired", "real sample")


def test_collateral_for_another_fmspc_is_refused(genuine, ledger):
    other = sample_case("phala_near-gas-test_20A06F")
    result = verify({"quote": b64(sample_quote(other)), "collateral": genuine["collateral"],
                     "verify_at": genuine["verify_at"]})
    judge(ledger, "collateral for another FMSPC (real samples)", result, "collateral fmspc", "real sample")


def test_a_real_out_of_date_platform_is_refused_by_the_default_policy(ledger):
    case = sample_case("dcap-rs_own_quote_00806F050000")
    result = verify({"quote": b64(sample_quote(case)), "collateral": sample_collateral_path(case),
                     "verify_at": case["verify_at"]})
    judge(ledger, "TCB OutOfDate under the default policy (real dcap-rs sample)", result, "tcb status", "real sample")
    assert result["tcb_status"] == "OutOfDate"
    assert result["advisory_ids"] == case["expect"]["advisory_ids"]


def test_a_revoked_tcb_is_refused(tmp_path, ledger):
    evidence = pki_evidence(tmp_path, "Revoked")
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
                     "testing_root_ca": evidence.root})
    judge(ledger, "TCB Revoked", result, "tcb status", "test PKI")


@pytest.mark.parametrize("bits,label", [(1 << 28 | 1, "DEBUG"), (1 << 28 | 1 << 29, "MIGRATABLE (unexpected bit)"),
                                        (1 << 28 | 1 << 16, "ICSSD (unexpected bit)")])
def test_debug_or_an_unexpected_attribute_bit_is_refused(bits, label, tmp_path, ledger):
    evidence = pki_evidence(tmp_path, body=tdx_pki.TdBody().with_(td_attributes=bits))
    result = verify({"quote": evidence.quote_b64, "collateral": evidence.collateral, "verify_at": evidence.verify_at,
                     "testing_root_ca": evidence.root})
    judge(ledger, "TD attribute %s" % label, result, "td attributes", "test PKI (re-signed body)")


@pytest.mark.parametrize("register", ["mrtd", "rtmr0", "rtmr3"])
def test_a_wrong_measurement_is_refused(register, pki_v4, ledger):
    result = verify({"quote": pki_v4.quote_b64, "collateral": pki_v4.collateral, "verify_at": pki_v4.verify_at,
                     "testing_root_ca": pki_v4.root, "policy": {register: "ab" * 48}})
    judge(ledger, "wrong %s" % register.upper(), result, register, "test PKI")


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory):
    """Quotes of two hosts, each over the report data of its own nonce of this run."""
    directory = tmp_path_factory.mktemp("hosts")
    hosts = {}
    for host in ("web-1", "web-2"):
        nonce = nonce_of("this run " + host)
        hosts[host] = (nonce, pki_evidence(directory, body=tdx_pki.TdBody().with_(report_data=report_data_for(nonce)),
                                           name=host))
    return hosts


def test_fresh_quotes_of_both_hosts_are_accepted(two_hosts):
    collateral, root = two_hosts["web-1"][1].collateral, two_hosts["web-1"][1].root
    result = verify({"quotes": dict((host, {"quote": evidence.quote_b64, "nonce": nonce})
                                    for host, (nonce, evidence) in two_hosts.items()),
                     "collateral": collateral, "testing_root_ca": root, "verify_at": two_hosts["web-1"][1].verify_at})
    assert result["verified"], result["verdicts"]


def test_a_stale_nonce_is_refused(two_hosts, ledger):
    nonce, evidence = two_hosts["web-1"]
    result = verify({"quote": evidence.quote_b64, "nonce": nonce_of("the next run web-1"),
                     "collateral": evidence.collateral, "verify_at": evidence.verify_at, "testing_root_ca": evidence.root})
    judge(ledger, "stale nonce (a quote of an earlier run)", result, "freshness", "test PKI")
    assert "replayed or stale" in result["problems"][0]


def test_a_quote_from_another_host_is_refused(two_hosts, ledger):
    (nonce_1, evidence_1), (dummy, evidence_2) = two_hosts["web-1"], two_hosts["web-2"]
    result = verify({"quotes": {"web-1": {"quote": evidence_2.quote_b64, "nonce": nonce_1}},
                     "collateral": evidence_1.collateral, "verify_at": evidence_1.verify_at,
                     "testing_root_ca": evidence_1.root})
    assert result["refused"] == ["web-1"]
    judge(ledger, "quote from another host (web-2's quote given for web-1)", result["verdicts"]["web-1"], "freshness",
          "test PKI")


BAD_BYTES = {
    "empty": lambda quote: b"",
    "truncated header": lambda quote: quote[:40],
    "truncated body": lambda quote: quote[:400],
    "truncated signature data": lambda quote: quote[:len(quote) - 100],
    "padded garbage (garbage appended)": lambda quote: quote + b"\x5a" * 64,
    "garbage of a quote's length": lambda quote: hashlib.sha512(b"garbage").digest() * (len(quote) // 64 + 1),
    "zeros of a quote's length": lambda quote: bytes(len(quote)),
}


@pytest.mark.parametrize("kind", sorted(BAD_BYTES))
def test_bad_bytes_are_a_parse_problem_never_an_error(kind, genuine, ledger):
    data = BAD_BYTES[kind](genuine["quote"])
    result = verify({"quote": b64(data), "collateral": genuine["collateral"], "verify_at": genuine["verify_at"]})
    judge(ledger, "%s input" % kind, result, "parse", "real sample, cut or padded")


def test_an_sgx_quote_is_refused_as_not_tdx(ledger):
    case = sample_case("phala_sample_sgx_quote_00A067110000")
    result = verify({"quote": b64(sample_quote(case)), "collateral": sample_collateral_path(case),
                     "verify_at": case["verify_at"]})
    judge(ledger, "SGX quote (real sample)", result, "parse", "real sample")
    assert "not a TDX quote" in result["problems"][0]
