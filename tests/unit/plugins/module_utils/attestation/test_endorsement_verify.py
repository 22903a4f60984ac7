"""quote_verify with Google's launch endorsements in the collateral cache: which outcomes refuse a quote."""

import base64
import hashlib
import json

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement, endorsement_fetch, endorsement_step
from ansible_collections.confidential.tdx.plugins.modules import quote_verify
from tests.playbooks.attestation.materials import b64, tdx_pki
from tests.unit.module_harness import run_module

from tdx_pki import gce_endorsement as ge  # noqa: E402  (tools/ is on sys.path through materials)

MRTD = bytes(range(100, 148))


@pytest.fixture(scope="module")
def case():
    return tdx_pki.build_case(body=tdx_pki.TdBody(mrtd=MRTD))


@pytest.fixture
def cache_dir(case, tmp_path):
    return make_cache(case, tmp_path)


def make_cache(case, tmp_path):
    """A cache with the quote's collateral, the test roots beside it."""
    folder = tmp_path / "cache"
    folder.mkdir()
    fmspc, ca = json.loads(case.collateral.tcb_info)["fmspc"], "platform"
    (folder / ("%s.json" % cache.entry_id(fmspc, ca))).write_text(case.collateral.to_json())
    (tmp_path / "intel-root.der").write_bytes(case.root_der)
    (tmp_path / "google-root.pem").write_bytes(ge.default_pki().root.pem)
    return folder


def cache_endorsement(folder, blob, mrtd=MRTD):
    endorsement_step._CHECKED.clear()  # a process reads each cached endorsement once; these tests change them
    path = endorsement_fetch.endorsement_path(str(folder), mrtd.hex())
    (folder / "endorsements" / "tdx").mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(blob)


def verify(case, folder, with_endorsement_root=True):
    args = {"quote": b64(case.quote), "collateral_dir": str(folder), "report_data": case.body.report_data.hex(),
            "testing_root_ca": str(folder.parent / "intel-root.der")}
    if with_endorsement_root:
        args["testing_endorsement_root"] = str(folder.parent / "google-root.pem")
    return run_module(quote_verify.main, args)


def test_a_quote_whose_firmware_google_endorses_is_verified_with_the_build_named(case, cache_dir):
    cache_endorsement(cache_dir, ge.build_endorsement([(4, MRTD)], svn=9))
    result = verify(case, cache_dir)
    assert result["verified"], result["problems"]
    assert result["endorsement"]["status"] == "verified" and result["endorsement"]["firmware"]["tdx_svn"] == 9
    assert result["endorsement"]["root_is_google"] is False  # the test root


@pytest.mark.parametrize("blob, reason", [
    (lambda: ge.build_endorsement([(4, MRTD)], pki=ge.look_alike_pki()), "not signed by"),
    (lambda: ge.build_endorsement([(4, bytes(48))]), "is not among the 1 MRTDs"),
    (lambda: ge.build_endorsement([(4, MRTD)], signing_key=ge.look_alike_pki().signer.key), "signature does not"),
    (lambda: base64.b64encode(b"not a protobuf at all"), "not a VMLaunchEndorsement"),
])
def test_an_invalid_endorsement_refuses_the_quote(case, cache_dir, blob, reason):
    cache_endorsement(cache_dir, blob())
    result = verify(case, cache_dir)
    assert not result["verified"] and result["endorsement"]["status"] == "invalid"
    refusals = [p for p in result["problems"] if p.startswith("endorsement: ")]
    assert refusals and all(reason in p for p in refusals[:1]), result["problems"]
    assert refusals == result["endorsement"]["problems"]


def test_no_endorsement_is_reported_and_does_not_refuse_the_quote(case, cache_dir):
    result = verify(case, cache_dir)
    assert result["verified"], result["problems"]
    assert result["endorsement"]["status"] == "missing" and not result["endorsement"]["verified"]
    assert "must then be pinned in the policy" in result["endorsement"]["problems"][0]


def test_by_default_the_root_is_the_endorsements_own_ca_bundle_root_if_it_hashes_to_googles_pin(case, cache_dir,
                                                                                                  monkeypatch):
    # No testing_endorsement_root: the quote's endorsement carries the test root in its ca_bundle, as Google's
    # carry theirs. Under the real pin it is not Google's: unverifiable, not refused.
    cache_endorsement(cache_dir, ge.build_endorsement([(4, MRTD)]))
    result = verify(case, cache_dir, with_endorsement_root=False)
    assert result["verified"], result["problems"]
    assert result["endorsement"]["status"] == "unverifiable" and result["endorsement"]["root_is_google"] is False
    # Pinned to that root, it is taken as Google's; a signer it did not sign is refused under it.
    monkeypatch.setattr(endorsement, "GOOGLE_ROOT_SHA256", hashlib.sha256(ge.default_pki().root.der).hexdigest())
    endorsement_step._CHECKED.clear()
    result = verify(case, cache_dir, with_endorsement_root=False)
    assert result["endorsement"]["status"] == "verified" and result["endorsement"]["root_is_google"] is True
    cache_endorsement(cache_dir, ge.build_endorsement([(4, MRTD)], pki=ge.look_alike_pki(),
                                                      ca_bundle=ge.default_pki().root.pem))
    refused = verify(case, cache_dir, with_endorsement_root=False)
    assert refused["endorsement"]["status"] == "invalid" and not refused["verified"]

def test_a_bad_testing_endorsement_root_fails_naming_the_option(case, cache_dir):
    (cache_dir.parent / "google-root.pem").write_text("not a certificate")
    result = verify(case, cache_dir)
    assert result.failed and result["msg"].startswith("testing_endorsement_root: ")
