"""Google's launch endorsement: verified, and each way it can be wrong refused with its reason.

The endorsements come from tools/tdx_pki/gce_endorsement.py, which writes
its own schema (protobuf text format) and signs with its own RSA keys; the
collection's verifier knows nothing of it but the root it is told to trust.
"""

import calendar
import datetime
import hashlib

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement
from tests.playbooks.attestation.materials import tdx_pki  # noqa: F401  (puts tools/ on sys.path)
from tdx_pki import gce_endorsement as ge

MRTD = bytes(range(100, 148))
OTHER_MRTD = bytes(range(1, 49))
AT = calendar.timegm((2026, 3, 1, 0, 0, 0))


def trusted(pki):
    return endorsement.EndorsementRoot(pki.root_der, "test root")


def configurations(mrtd=MRTD):
    return [ge.Configuration(2, OTHER_MRTD), ge.Configuration(8, mrtd, early_accept=True)]


def test_a_valid_endorsement_is_verified_and_names_the_firmware_it_endorses():
    pki = ge.default_pki()
    result = endorsement.verify(ge.build_endorsement(configurations(), svn=7, cl_spec=123), MRTD, AT, trusted(pki))
    assert result["problems"] == [] and result["verified"] and result["status"] == endorsement.VERIFIED
    firmware = result["firmware"]
    assert firmware["tdx_svn"] == 7 and firmware["cl_spec"] == 123 and firmware["tdx_configurations"] == 2
    assert firmware["matching_configurations"] == [{"ram_gib": 8, "early_accept": True}]
    assert firmware["digest"] == bytes(range(48)).hex() and firmware["timestamp"] == "2025-03-01T00:00:00Z"
    assert result["root_sha256"] == hashlib.sha256(pki.root_der).hexdigest()
    assert result["root_is_google"] is False  # a test root is never Google's


def test_a_signature_by_another_key_is_refused():
    forger = ge.look_alike_pki()
    blob = ge.build_endorsement(configurations(), signing_key=forger.signer.key)
    result = endorsement.verify(blob, MRTD, AT, trusted(ge.default_pki()))
    assert not result["verified"] and result["status"] == endorsement.INVALID
    assert [p for p in result["problems"] if "signature does not verify" in p], result["problems"]


def test_signed_bytes_altered_after_signing_are_refused():
    # Changing one MRTD byte inside the signed message: the signature no longer covers what is read.
    blob = ge.build_endorsement(configurations(OTHER_MRTD), golden_hook=lambda signed: signed.replace(OTHER_MRTD, MRTD))
    result = endorsement.verify(blob, MRTD, AT, trusted(ge.default_pki()))
    assert result["status"] == endorsement.INVALID
    assert any("signature does not verify" in p for p in result["problems"])


def test_a_signer_from_another_root_is_refused_as_a_wrong_root():
    look_alike = ge.look_alike_pki()
    blob = ge.build_endorsement(configurations(), pki=look_alike)  # self-consistent, under another root
    result = endorsement.verify(blob, MRTD, AT, trusted(ge.default_pki()))
    assert result["status"] == endorsement.INVALID
    assert len(result["problems"]) == 1 and "not signed by" in result["problems"][0]
    assert "wrong root" in result["problems"][0]


def test_an_expired_signing_certificate_is_refused_at_verify_at_and_accepted_before():
    expired = ge.default_pki().with_signer(not_before=datetime.datetime(2024, 1, 1, tzinfo=ge.UTC),
                                           not_after=datetime.datetime(2025, 1, 1, tzinfo=ge.UTC))
    blob = ge.build_endorsement(configurations(), pki=expired)
    result = endorsement.verify(blob, MRTD, AT, trusted(expired))
    assert result["status"] == endorsement.INVALID
    assert result["problems"] == ["endorsement: the certificate CN=%s,O=confidential.tdx test PKI (not Google),"
                                  "C=US is valid from 2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z, not at "
                                  "2026-03-01T00:00:00Z" % ge.TEST_SIGNER_NAME]
    archived = endorsement.verify(blob, MRTD, calendar.timegm((2024, 6, 1, 0, 0, 0)), trusted(expired))
    assert archived["verified"], archived["problems"]


def test_an_mrtd_the_endorsement_does_not_list_is_refused():
    result = endorsement.verify(ge.build_endorsement(configurations()), bytes(48), AT, trusted(ge.default_pki()))
    assert result["status"] == endorsement.INVALID
    assert result["problems"] == ["endorsement: the quote's MRTD %s is not among the 2 MRTDs it endorses for TDX: the "
                                  "TD launched firmware or a configuration this endorsement does not cover"
                                  % bytes(48).hex()]
    assert result["firmware"]["matching_configurations"] == []


@pytest.mark.parametrize("blob, reason", [
    (b"", "it has no signed golden measurement"),
    (b"\xff\xff\xff", "not a VMLaunchEndorsement protobuf"),
    (b"<html>NoSuchKey</html>", "not a VMLaunchEndorsement protobuf"),
])
def test_garbage_is_refused_as_not_an_endorsement(blob, reason):
    result = endorsement.verify(blob, MRTD, AT, trusted(ge.default_pki()))
    assert result["status"] == endorsement.INVALID and len(result["problems"]) == 1
    assert result["problems"][0].startswith("endorsement: ") and reason in result["problems"][0]


def test_a_truncated_endorsement_is_refused():
    blob = ge.build_endorsement(configurations())
    for cut in (len(blob) // 2, len(blob) - 1):
        result = endorsement.verify(blob[:cut], MRTD, AT, trusted(ge.default_pki()))
        assert result["status"] == endorsement.INVALID and result["problems"][0].startswith("endorsement: not a ")


def test_a_golden_measurement_with_garbage_as_certificate_is_refused():
    result = endorsement.verify(ge.build_endorsement(configurations(), cert_der=b"\x30\x03abc"), MRTD, AT,
                                trusted(ge.default_pki()))
    assert result["status"] == endorsement.INVALID
    assert any("signing certificate is not a DER certificate" in p for p in result["problems"])


def test_an_endorsement_naming_no_changelist_nor_commit_is_refused_as_google_refuses_it():
    blob = ge.build_endorsement(configurations(), cl_spec=0, commit=b"")
    result = endorsement.verify(blob, MRTD, AT, trusted(ge.default_pki()))
    assert result["status"] == endorsement.INVALID
    assert result["problems"] == ["endorsement: signed 2025-03-01T00:00:00Z but names neither the changelist nor "
                                  "the commit its firmware was built from (Google records them since 2024-08-02)"]
    # Before Google recorded provenance, its absence is no reason.
    older = ge.build_endorsement(configurations(), cl_spec=0, commit=b"",
                                 timestamp=datetime.datetime(2024, 7, 1, tzinfo=ge.UTC))
    assert endorsement.verify(older, MRTD, AT, trusted(ge.default_pki()))["verified"]


def test_a_ca_bundle_intermediate_must_be_a_ca():
    pki = ge.default_pki()
    # The signer's own certificate offered as the intermediate that issued it: not a CA, and not its issuer.
    blob = ge.build_endorsement(configurations(), ca_bundle=pki.signer.pem)
    result = endorsement.verify(blob, MRTD, AT, trusted(pki))
    assert result["status"] == endorsement.INVALID
    assert any("in its ca_bundle is not a CA" in p for p in result["problems"]), result["problems"]


def test_a_ca_bundle_that_holds_the_root_itself_is_accepted():
    pki = ge.default_pki()
    blob = ge.build_endorsement(configurations(), ca_bundle=pki.root.pem)
    assert endorsement.verify(blob, MRTD, AT, trusted(pki))["verified"]


def pinned_to(monkeypatch, pki):
    monkeypatch.setattr(endorsement, "GOOGLE_ROOT_SHA256", hashlib.sha256(pki.root.der).hexdigest())


def test_googles_root_is_taken_from_the_ca_bundle_only_when_it_hashes_to_the_pin(monkeypatch):
    pinned_to(monkeypatch, ge.default_pki())
    result = endorsement.verify(ge.build_endorsement(configurations()), MRTD, AT, None)
    assert result["status"] == endorsement.VERIFIED and result["root_is_google"], result["problems"]
    assert result["root_sha256"] == endorsement.GOOGLE_ROOT_SHA256


@pytest.mark.parametrize("bundle", [b"", "look-alike root"])
def test_without_the_pinned_root_in_its_ca_bundle_a_sound_endorsement_is_unverifiable_not_invalid(monkeypatch, bundle):
    # A root with the same names and another key, or none at all: Google's signer cannot be judged; not refused.
    pinned_to(monkeypatch, ge.default_pki())
    bundle = ge.look_alike_pki().root.pem if bundle == "look-alike root" else bundle
    result = endorsement.verify(ge.build_endorsement(configurations(), ca_bundle=bundle), MRTD, AT, None)
    assert result["status"] == endorsement.UNVERIFIABLE and not result["verified"] and not result["root_is_google"]
    assert "holds no certificate whose DER hashes to Google's root" in result["problems"][-1]
    # ... but what is wrong inside it is still wrong.
    bad = endorsement.verify(ge.build_endorsement(configurations(), ca_bundle=bundle), bytes(48), AT, None)
    assert bad["status"] == endorsement.INVALID


def test_the_pinned_root_in_the_bundle_does_not_vouch_for_a_signer_it_did_not_sign(monkeypatch):
    pinned_to(monkeypatch, ge.default_pki())
    forged = ge.build_endorsement(configurations(), pki=ge.look_alike_pki(), ca_bundle=ge.default_pki().root.pem)
    result = endorsement.verify(forged, MRTD, AT, None)
    assert result["status"] == endorsement.INVALID
    assert any("is not signed by" in p for p in result["problems"]), result["problems"]

