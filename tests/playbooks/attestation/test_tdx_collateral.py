"""tdx_collateral over real HTTP against the PCS stand-in (tools/pcs_standin), with the test PKI's collateral.

The module runs in-process through the module harness; the stand-in's
request log is the record of what went over the wire.
"""

import json
import os

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.modules import quote_verify, tdx_collateral
from tests.fake_clock import SteppedClock
from tests.playbooks.attestation.materials import TOOLS_DIR, b64, tdx_pki
from tests.unit.module_harness import run_module

assert TOOLS_DIR  # tools/ is on sys.path: pcs_standin imports as a package there
from pcs_standin import PcsStandin  # noqa: E402

TCB_PATH = "/tdx/certification/v4/tcb"
FLEET_SIZE = 6


@pytest.fixture
def fleet():
    """Quotes of FLEET_SIZE hosts of one platform type, and of one host of another, with their collateral."""
    pki = tdx_pki.default_pki()
    platform_a = tdx_pki.Platform(fmspc="B0C06F000000")
    platform_b = tdx_pki.Platform(fmspc="90C06F000000")
    hosts = {}
    for index in range(FLEET_SIZE):
        hosts["a-%d" % index] = tdx_pki.build_case(
            pki=pki, platform=platform_a,
            body=tdx_pki.TdBody().with_(report_data=bytes([index]) * 64))
    hosts["b-0"] = tdx_pki.build_case(pki=pki, platform=platform_b)
    return hosts


@pytest.fixture
def standin(fleet):
    documents = [fleet["a-0"].collateral, fleet["b-0"].collateral]
    with PcsStandin(documents) as server:
        yield server


def quotes_of(fleet, prefix="a-"):
    return [b64(case.quote) for name, case in sorted(fleet.items()) if name.startswith(prefix)]


def collateral(args, check_mode=False, diff=False):
    # Intel's collateral only; Google's endorsements: tests/unit/.../attestation/test_endorsement_fetch.py.
    args = dict({"endorsements": False}, **args)
    return run_module(tdx_collateral.main, args, check_mode=check_mode, diff=diff)


def test_a_fleet_of_one_platform_costs_one_fetch_and_a_second_run_none(fleet, standin, tmp_path):
    cache_dir = str(tmp_path / "cache")
    args = {"quotes": quotes_of(fleet), "cache_dir": cache_dir, "pccs_url": standin.url}
    first = collateral(args)
    assert not first.failed, first.get("msg")
    assert first.changed and first["fetched"] == 1
    assert standin.count(TCB_PATH) == 1 and first["calls"] == len(standin.requests()) == 4
    (entry,) = first["entries"]
    assert entry["id"] == "B0C06F000000-platform" and entry["status"] == "fetched"
    assert sorted(os.listdir(cache_dir)) == ["B0C06F000000-platform.json", "tcb-evaluation-numbers.json"]

    standin.clear_requests()
    second = collateral(args)
    assert not second.changed and second["fetched"] == 0 and second["calls"] == 0
    assert standin.requests() == []
    assert second["entries"][0]["status"] == "cached"

    # What was cached verifies every quote of the fleet, in one run.
    verdict = run_module(quote_verify.main, {
        "quotes": [{"name": name, "quote": b64(case.quote), "report_data": case.body.report_data.hex()}
                   for name, case in fleet.items() if name.startswith("a-")],
        "collateral_dir": cache_dir, "testing_root_ca": _root_file(tmp_path, fleet)})
    assert verdict["verified"], verdict["verdicts"]


def _root_file(tmp_path, fleet):
    path = str(tmp_path / "root.der")
    with open(path, "wb") as handle:
        handle.write(fleet["a-0"].root_der)
    return path


def test_two_platform_types_cost_two_fetches(fleet, standin, tmp_path):
    result = collateral({"quotes": quotes_of(fleet, ""), "cache_dir": str(tmp_path), "pccs_url": standin.url})
    assert result["fetched"] == 2 and standin.count(TCB_PATH) == 2
    assert [entry["fmspc"] for entry in result["entries"]] == ["B0C06F000000", "90C06F000000"]


def test_an_entry_too_close_to_its_next_update_is_refetched(fleet, standin, tmp_path):
    args = {"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "pccs_url": standin.url}
    collateral(args)
    standin.clear_requests()
    # The test PKI's collateral is valid for about 29 more days: asking for 40 makes the entry stale.
    planned = collateral(dict(args, min_validity=40 * 86400), check_mode=True)
    assert planned["stale"] == ["B0C06F000000-platform"] and "within min_validity" in planned["entries"][0]["reason"]
    again = collateral(dict(args, min_validity=40 * 86400))
    assert again.changed and again["fetched"] == 1 and standin.count(TCB_PATH) == 1


def test_an_entry_past_its_next_update_is_refetched(fleet, standin, tmp_path):
    path = tmp_path / "B0C06F000000-platform.json"
    expired = tdx_pki.build_collateral(tdx_pki.default_pki(), tdx_pki.Platform(fmspc="B0C06F000000"),
                                       now=fleet["a-0"].now - 60 * 86400)
    path.write_text(expired.to_json())
    result = collateral({"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "pccs_url": standin.url},
                        diff=True)
    assert result["fetched"] == 1 and result["entries"][0]["status"] == "fetched"
    assert result["diff"]["before"]["B0C06F000000-platform"] != result["diff"]["after"]["B0C06F000000-platform"]
    assert json.loads(path.read_text())["tcb_info"] == fleet["a-0"].collateral.tcb_info


def test_offline_makes_no_call_and_names_missing_and_stale_entries(fleet, standin, tmp_path):
    expired = tdx_pki.build_collateral(tdx_pki.default_pki(), tdx_pki.Platform(fmspc="B0C06F000000"),
                                       now=fleet["a-0"].now - 60 * 86400)
    (tmp_path / "B0C06F000000-platform.json").write_text(expired.to_json())
    result = collateral({"quotes": quotes_of(fleet, ""), "cache_dir": str(tmp_path), "pccs_url": standin.url,
                         "offline": True})
    assert not result.failed and not result.changed
    assert result["calls"] == 0 and standin.requests() == []
    assert result["stale"] == ["B0C06F000000-platform"] and result["missing"] == ["90C06F000000-platform"]
    assert sorted(result["would_fetch"]) == ["90C06F000000-platform", "B0C06F000000-platform"]


def test_check_mode_makes_no_call_and_writes_nothing(fleet, standin, tmp_path):
    cache_dir = tmp_path / "cache"
    result = collateral({"quotes": quotes_of(fleet), "cache_dir": str(cache_dir), "pccs_url": standin.url},
                        check_mode=True, diff=True)
    assert result.changed and result["would_fetch"] == ["B0C06F000000-platform"]
    assert standin.requests() == [] and not cache_dir.exists()
    assert result["diff"]["before"] == {"B0C06F000000-platform": "absent"}


def test_an_unknown_fmspc_fails_in_one_line_naming_the_entry_and_the_answer(standin, tmp_path):
    result = collateral({"fmspcs": ["00A067110000"], "cache_dir": str(tmp_path), "pccs_url": standin.url})
    assert result.failed
    assert result["msg"].startswith("00A067110000-platform: GET %s/tdx/certification/v4/tcb?fmspc=00A067110000 "
                                    "answered HTTP 404: no TCB info for FMSPC 00A067110000" % standin.url)
    assert "\n" not in result["msg"] and os.listdir(str(tmp_path)) == []


def test_a_passing_outage_is_retried_and_a_lasting_one_fails_within_the_retries(standin, tmp_path):
    standin.fail_next(1, status=503)
    result = collateral({"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path / "one"), "pccs_url": standin.url})
    assert not result.failed and result["calls"] == 5

    standin.clear_requests()
    standin.fail_next(100, status=503)
    result = collateral({"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path / "two"), "pccs_url": standin.url,
                         "retries": 1})
    assert result.failed and "answered HTTP 503" in result["msg"] and "after 2 attempts" in result["msg"]
    assert len(standin.requests()) == 2
    standin.fail_next(0)


def test_a_pccs_that_does_not_answer_fails_in_one_line(tmp_path):
    result = collateral({"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "pccs_url": "http://127.0.0.1:9",
                         "retries": 0, "timeout": 2})
    assert result.failed and result["msg"].startswith("B0C06F000000-platform: GET http://127.0.0.1:9/")
    assert "\n" not in result["msg"]


@pytest.fixture
def clock(fleet, monkeypatch):
    """Time that moves only when the test moves it, for the ages of cache entries."""
    stepped = SteppedClock(start=fleet["a-0"].now)
    monkeypatch.setattr(timestamps, "now", lambda: int(stepped()))
    return stepped


def test_an_entry_is_fetched_again_after_max_age_a_day_by_default(fleet, standin, tmp_path, clock):
    args = {"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "pccs_url": standin.url}
    assert collateral(args)["fetched"] == 1
    clock.sleep(86400)
    again = collateral(args)
    assert again["fetched"] == 0 and again["entries"][0]["status"] == "cached"
    clock.sleep(1)
    planned = collateral(args, check_mode=True)
    assert planned["stale"] == ["B0C06F000000-platform"]
    assert planned["entries"][0]["reason"].endswith("more than max_age (86400 s) ago")
    assert collateral(args)["fetched"] == 1 and standin.count(TCB_PATH) == 2
    # Configurable: an hour.
    clock.sleep(3601)
    assert collateral(dict(args, max_age=3600))["fetched"] == 1
    assert collateral(dict(args, max_age=-1))["msg"] == "max_age: must be at least 0, got -1"


def with_number(number):
    return tdx_pki.build_collateral(tdx_pki.default_pki(), tdx_pki.Platform(fmspc="B0C06F000000"),
                                    tcb_evaluation_data_number=number)


ROLLBACK = "collateral: tcbEvaluationDataNumber 17 is lower than 18 seen before for FMSPC B0C06F000000 (a rollback)"


def test_older_collateral_served_after_newer_is_refused_and_not_written(fleet, tmp_path, clock):
    args = {"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path)}
    path = tmp_path / "B0C06F000000-platform.json"
    with PcsStandin([with_number(18)]) as newer:
        first = collateral(dict(args, pccs_url=newer.url))
    assert first["entries"][0]["tcb_evaluation_data_number"] == 18
    assert json.loads((tmp_path / "tcb-evaluation-numbers.json").read_text()) == {"B0C06F000000": 18}
    kept = path.read_text()
    clock.sleep(86401)
    with PcsStandin([with_number(17)]) as older:
        result = collateral(dict(args, pccs_url=older.url))
    assert result.failed and result["msg"].startswith("B0C06F000000-platform: " + ROLLBACK), result["msg"]
    assert "\n" not in result["msg"]
    assert path.read_text() == kept


def test_an_older_entry_put_in_the_cache_is_stale_and_refused_by_quote_verify(fleet, tmp_path, clock):
    args = {"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path)}
    with PcsStandin([with_number(18)]) as newer:
        assert collateral(dict(args, pccs_url=newer.url))["fetched"] == 1
    (tmp_path / "B0C06F000000-platform.json").write_text(with_number(17).to_json())
    offline = collateral(dict(args, offline=True))
    assert offline["stale"] == ["B0C06F000000-platform"] and offline["entries"][0]["reason"] == ROLLBACK
    case = fleet["a-0"]
    verdict = run_module(quote_verify.main, {
        "quote": b64(case.quote), "report_data": case.body.report_data.hex(), "collateral_dir": str(tmp_path),
        "testing_root_ca": _root_file(tmp_path, fleet)})
    assert verdict["verified"] is False and verdict["problems"] == [ROLLBACK]
