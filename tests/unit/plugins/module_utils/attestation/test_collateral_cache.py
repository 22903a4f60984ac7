import json
import os

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.pcs import _raw_member
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.refresh import (
    CACHED,
    MISSING,
    STALE,
    entry_state,
)
from tests.playbooks.attestation.materials import tdx_pki

SIGNED = '{"id":"TDX","version":3,"tcbLevels":[{"tcb":{"a":[1,2]},"tcbStatus":"UpToDate"}],"s":"x}y"}'


@pytest.mark.parametrize("body", [
    '{"tcbInfo":%s,"signature":"00"}' % SIGNED,
    '{ "signature" : "00" ,\n "tcbInfo" :  %s  }' % SIGNED,
    '{"other":{"tcbInfo":1},"tcbInfo":%s}' % SIGNED,
])
def test_the_signed_member_is_kept_byte_for_byte(body):
    assert _raw_member(body, "tcbInfo") == SIGNED


@pytest.mark.parametrize("body", ['[1]', '{"signature":"00"}', '{"tcbInfo" 1}', ''])
def test_a_body_without_the_member_is_refused(body):
    with pytest.raises(ValueError):
        _raw_member(body, "tcbInfo")


def write(path, collateral):
    path.write_text(collateral.to_json())
    return str(path)


def test_an_entry_is_fresh_until_its_earliest_next_update_less_min_validity(tmp_path):
    platform = tdx_pki.Platform(fmspc="B0C06F000000")
    case = tdx_pki.build_case(platform=platform)
    write(tmp_path / "B0C06F000000-platform.json", case.collateral)
    document = json.loads(case.collateral.to_json())
    due = cache.next_update(document)
    assert due == min(cache.signed_dates(document)["tcb_info_next_update"],
                      *cache.crl_next_updates(document).values())
    assert entry_state(str(tmp_path), "B0C06F000000", "platform", due - 100, 0)["status"] == CACHED
    assert entry_state(str(tmp_path), "B0C06F000000", "platform", due - 100, 200)["status"] == STALE
    assert entry_state(str(tmp_path), "B0C06F000000", "platform", due, 0)["status"] == STALE
    assert entry_state(str(tmp_path), "90C06F000000", "platform", due, 0)["status"] == MISSING


def test_an_unreadable_entry_is_stale_so_it_is_fetched_again(tmp_path):
    (tmp_path / "B0C06F000000-platform.json").write_text("{not json")
    entry = entry_state(str(tmp_path), "B0C06F000000", "platform", 0, 0)
    assert entry["status"] == STALE and entry["reason"].startswith("unreadable:")


def test_writes_are_atomic_and_leave_no_temporary_file(tmp_path):
    path = str(tmp_path / "entry.json")
    cache.write_atomically(path, "one")
    cache.write_atomically(path, "two")
    assert open(path).read() == "two" and os.listdir(str(tmp_path)) == ["entry.json"]
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
