"""tdx_collateral through the module harness without a network (the HTTP cases: tests/playbooks/attestation)."""

from ansible_collections.confidential.tdx.plugins.modules import tdx_collateral
from tests.playbooks.attestation.materials import b64, tdx_pki
from tests.unit.module_harness import run_module


def test_fresh_entries_cost_no_call_and_change_nothing(tmp_path):
    case = tdx_pki.build_case(platform=tdx_pki.Platform(fmspc="B0C06F000000"))
    (tmp_path / "B0C06F000000-platform.json").write_text(case.collateral.to_json())
    # An address where nothing listens: a call would fail the task.
    args = {"quotes": [b64(case.quote)] * 3, "cache_dir": str(tmp_path), "pccs_url": "http://127.0.0.1:9",
            "endorsements": False}  # Intel's collateral only; Google's endorsements: test_endorsement_fetch.py
    for check_mode in (False, True):
        result = run_module(tdx_collateral.main, args, check_mode=check_mode, diff=True)
        assert not result.failed and not result.changed, result.get("msg")
        assert result["calls"] == 0 and result["fetched"] == 0 and result["would_fetch"] == []
        assert [entry["status"] for entry in result["entries"]] == ["cached"]
        assert result["diff"] == {"before": {}, "after": {}}


def test_an_sgx_or_broken_quote_fails_naming_its_place_in_the_list(tmp_path):
    case = tdx_pki.build_case()
    result = run_module(tdx_collateral.main, {"quotes": [b64(case.quote), b64(case.quote[:100])],
                                              "cache_dir": str(tmp_path), "offline": True})
    assert result.failed and result["msg"].startswith("quotes[1]: ") and "truncated" in result["msg"]


def test_an_unreadable_file_of_numbers_seen_fails_in_one_line_saying_how_to_start_again(tmp_path):
    (tmp_path / "tcb-evaluation-numbers.json").write_text("{not json")
    result = run_module(tdx_collateral.main, {"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path),
                                              "offline": True})
    assert result.failed and result["msg"].startswith("cache_dir: %s" % (tmp_path / "tcb-evaluation-numbers.json"))
    assert "delete it to start again" in result["msg"] and "\n" not in result["msg"]


def test_an_entry_cached_before_the_numbers_were_kept_is_remembered_but_not_in_check_mode(tmp_path):
    case = tdx_pki.build_case(platform=tdx_pki.Platform(fmspc="B0C06F000000"), tcb_evaluation_data_number=19)
    (tmp_path / "B0C06F000000-platform.json").write_text(case.collateral.to_json())
    args = {"fmspcs": ["B0C06F000000"], "cache_dir": str(tmp_path), "pccs_url": "http://127.0.0.1:9"}
    checked = run_module(tdx_collateral.main, args, check_mode=True)
    assert checked["entries"][0]["tcb_evaluation_data_number"] == 19
    assert not (tmp_path / "tcb-evaluation-numbers.json").exists()
    result = run_module(tdx_collateral.main, args)
    assert not result.failed and result["calls"] == 0, result.get("msg")
    assert (tmp_path / "tcb-evaluation-numbers.json").read_text() == '{\n  "B0C06F000000": 19\n}\n'
