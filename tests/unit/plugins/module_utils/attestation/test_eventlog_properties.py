"""Property tests: whatever the bytes, the event-log reader returns a log or raises EventLogRefused.

Random bytes rarely get past the Spec ID header; mutating valid logs (the
tests' own and, when present, the real ones) reaches every record, the
digest checks and the naming of UEFI structures.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog, eventlog_table
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import EventLogRefused

from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)
from tests.unit.plugins.module_utils.attestation.eventlog_evidence import EVENTLOGS_DIR


def _real_logs():
    """The used part of each real log (its records and end marker) that is present; none when the samples are absent."""
    found = []
    for folder in ("gce-grub", "gke-uki", "qemu-ovmf"):
        path = os.path.join(EVENTLOGS_DIR, folder, "ccel_data.bin")
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                raw = handle.read()
            end = logs.split_log(raw)[2]
            found.append(raw[:end + 8])
    return found


BUILT_LOGS = [logs.grub_boot_log().to_bytes(), logs.uki_boot_log().to_bytes(), logs.direct_boot_log().to_bytes(),
              logs.grub_boot_log().to_bytes(fill=b"\x00")]
VALID_LOGS = BUILT_LOGS + _real_logs()
# No deadline: hypothesis's 200 ms per example is a speed check, and it fails on a loaded machine.
SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _only_refusals(data):
    try:
        log = eventlog.parse_event_log(data)
    except EventLogRefused as refused:
        message = str(refused)
        assert message and "\n" not in message
        return None
    assert len(log.rtmrs) == 4 and all(len(value) == 48 for value in log.rtmrs)
    assert log.events[0].record == 0
    for event in log.events:
        assert event.name
        assert not event.measured or event.extended
        event.to_dict()
    return log


@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_a_log_or_a_refusal(data):
    _only_refusals(data)


@SETTINGS
@given(st.binary(max_size=2048))
def test_arbitrary_records_after_a_valid_header_give_a_log_or_a_refusal(tail):
    _only_refusals(logs.spec_id_header() + tail)


@SETTINGS
@given(st.sampled_from(VALID_LOGS), st.data())
def test_mutated_valid_logs_give_a_log_or_a_refusal(log, data):
    mutated = bytearray(log)
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        position = data.draw(st.integers(min_value=0, max_value=len(mutated) - 1))
        mutated[position] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(mutated) + 16))
    _only_refusals(bytes(mutated[:cut]) + b"\xff" * max(0, cut - len(mutated)))


@SETTINGS
@given(st.sampled_from(VALID_LOGS), st.data())
def test_spliced_valid_logs_give_a_log_or_a_refusal(log, data):
    # Moving a run of bytes elsewhere: records whose sizes and contents disagree.
    start = data.draw(st.integers(min_value=0, max_value=len(log) - 1))
    length = data.draw(st.integers(min_value=1, max_value=200))
    chunk = log[start:start + length]
    rest = log[:start] + log[start + length:]
    at = data.draw(st.integers(min_value=0, max_value=len(rest)))
    _only_refusals(rest[:at] + chunk + rest[at:])


@SETTINGS
@given(st.binary(min_size=0, max_size=80), st.data())
def test_arbitrary_tables_give_fields_or_a_refusal(table, data):
    candidates = [table, bytearray(logs.ccel_table(65536))]
    position = data.draw(st.integers(min_value=0, max_value=55))
    candidates[1][position] = data.draw(st.integers(min_value=0, max_value=255))
    for candidate in candidates:
        try:
            fields = eventlog_table.parse_ccel_table(bytes(candidate))
        except EventLogRefused as refused:
            assert "\n" not in str(refused)
        else:
            assert fields["cc_type"] == 2


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_base64_input_gives_bytes_or_a_refusal(text):
    try:
        assert isinstance(eventlog.event_log_from_base64(text), bytes)
    except EventLogRefused:
        pass
