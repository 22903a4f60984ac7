"""tdx_collateral caching Google's launch endorsements, in process, over real HTTP from tools/pcs_standin."""

import os

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement_fetch
from ansible_collections.confidential.tdx.plugins.modules import tdx_collateral
from tests.playbooks.attestation.materials import b64, tdx_pki
from tests.unit.module_harness import run_module

from pcs_standin import PcsStandin  # noqa: E402  (tools/ is on sys.path through materials)
from tdx_pki import gce_endorsement as ge  # noqa: E402

GOOGLE_MRTD = bytes(range(100, 148))
OTHER_MRTD = bytes(range(1, 49))


@pytest.fixture(scope="module")
def cases():
    """Two quotes of one platform: one launched with an endorsed firmware, one with another."""
    google = tdx_pki.build_case(body=tdx_pki.TdBody(mrtd=GOOGLE_MRTD))
    other = tdx_pki.build_case(body=tdx_pki.TdBody(mrtd=OTHER_MRTD))
    return google, other


@pytest.fixture
def standin(cases):
    blob = ge.build_endorsement([ge.Configuration(4, GOOGLE_MRTD)])
    with PcsStandin([cases[0].collateral], endorsements={GOOGLE_MRTD: blob}) as server:
        server.blob = blob
        yield server


def run(args, check_mode=False, diff=False):
    return run_module(tdx_collateral.main, args, check_mode=check_mode, diff=diff)


def endorsement_requests(standin):
    return [entry for entry in standin.requests() if entry["path"].startswith("/gce_tcb_integrity/")]


def test_endorsements_are_fetched_once_and_a_firmware_google_did_not_sign_is_reported(cases, standin, tmp_path):
    args = {"quotes": [b64(case.quote) for case in cases], "cache_dir": str(tmp_path),
            "pccs_url": standin.url, "endorsement_url": standin.url}
    first = run(args, diff=True)
    assert not first.failed, first.get("msg")
    assert first.changed
    google, other = first["endorsements"]
    assert (google["mrtd"], google["status"]) == (GOOGLE_MRTD.hex(), "fetched")
    assert (other["mrtd"], other["status"]) == (OTHER_MRTD.hex(), "not_published")
    assert "not a firmware Google signed" in other["reason"]
    assert [entry["path"] for entry in endorsement_requests(standin)] == [
        ge.object_path(GOOGLE_MRTD), ge.object_path(OTHER_MRTD)]
    with open(endorsement_fetch.endorsement_path(str(tmp_path), GOOGLE_MRTD.hex()), "rb") as handle:
        assert handle.read() == standin.blob  # the object's bytes as served
    assert first["diff"]["after"]["endorsement " + GOOGLE_MRTD.hex()] == "fetched"

    standin.clear_requests()
    second = run(args)
    assert [entry["status"] for entry in second["endorsements"]] == ["cached", "not_published"]
    # A cached endorsement costs no call; the unpublished one is asked for again (Google may publish it later).
    assert [entry["path"] for entry in endorsement_requests(standin)] == [ge.object_path(OTHER_MRTD)]
    assert not second.changed


def test_offline_and_check_mode_read_only_the_cache(cases, standin, tmp_path):
    args = {"quotes": [b64(cases[0].quote)], "cache_dir": str(tmp_path), "pccs_url": standin.url,
            "endorsement_url": standin.url}
    offline = run(dict(args, offline=True))
    assert not offline.failed and offline["calls"] == 0 and standin.requests() == []
    assert [entry["status"] for entry in offline["endorsements"]] == ["missing"]

    planned = run(args, check_mode=True, diff=True)
    assert planned.changed and planned["calls"] == 0 and standin.requests() == [] and os.listdir(str(tmp_path)) == []
    assert planned["diff"]["after"]["endorsement " + GOOGLE_MRTD.hex()] == "fetched"

    assert run(args)["endorsements"][0]["status"] == "fetched"
    standin.clear_requests()
    again = run(dict(args, offline=True))
    assert again["endorsements"][0]["status"] == "cached" and standin.requests() == []


def test_endorsements_false_asks_google_nothing(cases, standin, tmp_path):
    result = run({"quotes": [b64(cases[0].quote)], "cache_dir": str(tmp_path), "pccs_url": standin.url,
                  "endorsement_url": standin.url, "endorsements": False})
    assert result["endorsements"] == [] and endorsement_requests(standin) == []


def test_a_body_that_is_not_an_endorsement_fails_in_one_line_naming_the_option(cases, standin, tmp_path):
    standin.add_endorsement(GOOGLE_MRTD, b"<html>captive portal</html>")
    result = run({"quotes": [b64(cases[0].quote)], "cache_dir": str(tmp_path), "pccs_url": standin.url,
                  "endorsement_url": standin.url})
    assert result.failed and result["msg"].startswith("endorsement_url: GET %s%s answered a body that is not"
                                                      % (standin.url, ge.object_path(GOOGLE_MRTD)))
    assert "\n" not in result["msg"] and "endorsements=false" in result["msg"]
    assert not os.path.exists(endorsement_fetch.endorsement_path(str(tmp_path), GOOGLE_MRTD.hex()))


def test_a_bad_endorsement_url_is_refused_as_an_argument(tmp_path):
    result = run({"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "endorsement_url": "storage.example"})
    assert result.failed and result["msg"].startswith("endorsement_url: 'storage.example' is not an http(s) URL")
