"""The guest sends its event log without the fill of its area, and only the fill.

Held to the real logs of shared/tdx-samples/eventlogs (read there, never
copied) and to logs built by tools/tdx_pki: the controller reads the
shortened log to the same events and RTMRs, and anything that is not plain
fill after the records is sent whole, for the controller to judge.
"""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.ccel import without_fill
from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from tests.unit.plugins.module_utils.attestation.eventlog_evidence import read_eventlog_sample


def same_log(full, short):
    a, b = eventlog.parse_event_log(full), eventlog.parse_event_log(short)
    return a.rtmrs == b.rtmrs and [e.digest for e in a.events] == [e.digest for e in b.events]


@pytest.mark.parametrize("folder, records", [("gce-grub", 20349), ("gke-uki", 21897), ("qemu-ovmf", 2120)])
def test_a_real_log_loses_only_its_fill(folder, records):
    raw = read_eventlog_sample(folder)
    short = without_fill(raw)
    assert len(short) == records and raw[records:] == b"\xff" * (len(raw) - records)
    assert same_log(raw, short) and eventlog.parse_event_log(short).end == "end of data"


@pytest.mark.parametrize("fill", [b"\xff", b"\x00"])
def test_a_last_record_whose_data_ends_like_fill_is_kept_whole(fill):
    builder = logs.ubuntu_boot_log()
    builder.add(logs.RTMR2, logs.EV_IPL, b"data that ends like the fill" + fill * 40)
    raw = builder.to_bytes(64 * 1024, fill=fill)
    short = without_fill(raw)
    assert same_log(raw, short) and short.endswith(fill * 40) and len(short) < len(raw)


@pytest.mark.parametrize("tail", [b"\xff" * 100 + b"\x01", b"\xff\x00" * 50, b"junk"])
def test_anything_but_plain_fill_after_the_records_is_sent_whole(tail):
    raw = logs.ubuntu_boot_log().to_bytes(end_marker=False) + tail
    assert without_fill(raw) == raw


@pytest.mark.parametrize("raw", [b"", b"\x00" * 20, b"short header" * 3])
def test_what_the_walk_cannot_follow_is_sent_whole(raw):
    assert without_fill(raw) == raw


def test_a_record_running_past_the_data_is_sent_whole():
    raw = logs.ubuntu_boot_log().to_bytes(end_marker=False)
    assert without_fill(raw[:-10]) == raw[:-10]
