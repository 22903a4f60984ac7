"""The refusal corpus: real event logs altered the ways a lying log would be, each refused with its reason.

Every case starts from a real log of shared/tdx-samples/eventlogs, changes
it with tools/tdx_pki's own record reader (tdx_pki.eventlog, written from
the specification), and checks it against the registers the real log
reproduces (its README's values, or its quote's). None may be accepted.
"""

import hashlib
import re

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import EventLogRefused
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote

from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)
from tests.unit.plugins.module_utils.attestation.eventlog_evidence import README_RTMRS, read_eventlog_sample


def expected_rtmrs(folder):
    if folder in README_RTMRS:
        return README_RTMRS[folder]
    return decode_quote(read_eventlog_sample(folder, "quote.dat"))["rtmr"]


def rebuilt(folder, change):
    """The real log of ``folder`` with ``change(records)`` applied, in an area of its own size and fill.

    ``records[n]`` is record n, as refusals number them; setting one to None
    drops it; ``change`` may return {"header": bytes} to replace the Spec ID
    event.
    """
    raw = read_eventlog_sample(folder)
    header, records, _ = logs.split_log(raw)
    records = [None] + records
    changed = change(records)
    if isinstance(changed, dict):
        header = changed["header"]
    return logs.join_log(header, [record for record in records[1:] if record is not None], area_size=len(raw))


def records_changed(change):
    """An alteration of the log's records (see rebuilt)."""
    return lambda folder: rebuilt(folder, change)


def ucs2(text):
    return text.encode("utf-16-le")


def flipped(data, at=-1):
    data = bytearray(data)
    data[at] ^= 0x01
    return bytes(data)


def _set(records, number, **changes):
    records[number] = records[number].with_(**changes)


def _swap(records, first, second):
    records[first], records[second] = records[second], records[first]


def _insert_after(records, number, record):
    records.insert(number + 1, record)


def _replace_text(records, number, old, new):
    records[number] = records[number].with_(data=records[number].data.replace(old, new))


def _truncated_inside_record_10(folder):
    raw = read_eventlog_sample(folder)
    header, records, _ = logs.split_log(raw)
    return raw[:logs.record_offsets(header, records)[9] + 30]


def _cut_after_record_16(folder):
    raw = read_eventlog_sample(folder)
    header, records, _ = logs.split_log(raw)
    return logs.join_log(header, records[:16], end_marker=False)


def _with_sha256_in_the_header(records):
    return {"header": logs.spec_id_header(algorithms=((logs.SHA256, 32), (logs.SHA384, 48)))}


ROOTKIT = hashlib.sha384(b"rootkit").digest()
EVIL_SECTION = ucs2(".evil\x00")
ANY_REGISTERS = r"the event log does not reproduce (the quote|its README)'s "

# (id, real log, alteration: folder -> the altered log, what the refusal must say)
CORPUS = [
    ("changed digest of a boot application", "gce-grub",
     records_changed(lambda records: _set(records, 18, digest=flipped(records[18].digest))),
     ANY_REGISTERS + r"RTMR1: RTMR1 replays to [0-9a-f]{96}, its README has 204d49f7"),
    ("changed digest of a separator (its data is checked)", "gce-grub",
     records_changed(lambda records: _set(records, 8, digest=flipped(records[8].digest))),
     r"^record 8 at offset 18273 \(EV_SEPARATOR, RTMR0\): its digest is not the SHA-384 of its event data"),
    ("dropped boot application", "gke-uki",
     records_changed(lambda records: records.__setitem__(20, None)),
     ANY_REGISTERS + r"RTMR1:"),
    ("dropped UKI section pair", "gke-uki",
     records_changed(lambda records: [records.__setitem__(number, None) for number in (27, 28)]),
     ANY_REGISTERS + r"RTMR2:"),
    ("added boot application", "qemu-ovmf",
     records_changed(lambda records: _insert_after(records, 12, records[12].with_(digest=ROOTKIT))),
     ANY_REGISTERS + r"RTMR1:"),
    ("reordered within RTMR1", "gce-grub",
     records_changed(lambda records: _swap(records, 20, 21)),
     ANY_REGISTERS + r"RTMR1:"),
    ("reordered UKI sections within RTMR2", "gke-uki",
     records_changed(lambda records: [_swap(records, 21, 23), _swap(records, 22, 24)]),
     ANY_REGISTERS + r"RTMR2:"),
    ("wrong register index (RTMR1 event logged as RTMR2)", "qemu-ovmf",
     records_changed(lambda records: _set(records, 12, mr_index=logs.RTMR2)),
     ANY_REGISTERS + r"RTMR1, RTMR2:"),
    ("register index out of range", "gce-grub",
     records_changed(lambda records: _set(records, 5, mr_index=9)),
     r"^record 5 at offset 1324 \(EV_EFI_VARIABLE_DRIVER_CONFIG, MR index 9\): TDX has MR index 0 \(MRTD\) to 4 "
     r"\(RTMR3\)$"),
    ("MRTD index on an extended event", "gke-uki",
     records_changed(lambda records: _set(records, 3, mr_index=0)),
     r"^record 3 at offset 645 \(EV_EFI_HANDOFF_TABLES2, MR index 0\): MR index 0 is MRTD, which no event "
     r"extends"),
    ("truncated inside a record", "gce-grub", _truncated_inside_record_10,
     r"^record 10 at offset 18418 .*: says 9 bytes of event data, \d+ are left \(a truncated log\)|"
     r"^record 10 at offset 18418 .*cut short"),
    ("truncated at a record boundary, end marker lost", "qemu-ovmf", _cut_after_record_16,
     ANY_REGISTERS + r"RTMR1, RTMR2:"),
    ("an event extended twice", "gke-uki",
     records_changed(lambda records: _insert_after(records, 33, records[33])),
     ANY_REGISTERS + r"RTMR1:"),
    ("an extended event hidden as EV_NO_ACTION", "gce-grub",
     records_changed(lambda records: _set(records, 18, event_type=logs.EV_NO_ACTION)),
     ANY_REGISTERS + r"RTMR1:"),
    ("EFI action text that its digest does not cover", "gce-grub",
     records_changed(lambda records: _replace_text(records, 20, b"Invocation", b"Invocatiom")),
     r"^record 20 at offset 20148 \(EV_EFI_ACTION, RTMR1\): its digest is not the SHA-384 of its event data"),
    ("Secure Boot shown enabled while disabled was measured", "gce-grub",
     records_changed(lambda records: _set(records, 3, data=records[3].data[:-1] + b"\x01")),
     r"^record 3 at offset 297 \(EV_EFI_VARIABLE_DRIVER_CONFIG, RTMR0\): its digest is not the SHA-384 of its "
     r"UEFI_VARIABLE_DATA"),
    ("a dbx entry removed from the text", "gke-uki",
     records_changed(lambda records: _set(records, 9, data=records[9].data[:-48])),
     r"^record 9 at offset 6813 \(EV_EFI_VARIABLE_DRIVER_CONFIG, RTMR0\): its UEFI_VARIABLE_DATA is malformed"),
    ("a boot option's description changed", "gce-grub",
     records_changed(lambda records: _replace_text(records, 13, ucs2("nvme"), ucs2("evil"))),
     r"^record 13 at offset 18688 \(EV_EFI_VARIABLE_BOOT, RTMR0\): its digest is neither the SHA-384 of the "
     r"variable's value"),
    ("a UKI section renamed in both of its events", "gke-uki",
     records_changed(lambda records: [_set(records, number, data=EVIL_SECTION) for number in (21, 22)]),
     r"^record 21 at offset 20606 \(EV_IPL, RTMR2\): it is the first of systemd-stub's pair of events for section "
     r"\.evil"),
    ("a second digest in a record", "qemu-ovmf",
     records_changed(lambda records: _set(records, 8, digests=records[8].digests + [(logs.SHA256, bytes(48))])),
     r"^record 8 at offset 827 \(EV_SEPARATOR, RTMR0\) carries 2 digests"),
    ("a SHA-256 bank in the Spec ID event", "qemu-ovmf", records_changed(_with_sha256_in_the_header),
     r"^record 0 at offset 0 lists the digest algorithms sha256 \(32 bytes\), sha384 \(48 bytes\); a TDX log has "
     r"SHA-384 \(48 bytes\) alone"),
]


def refusal_of(folder, alteration):
    """The refusal message of the altered log, or None when it was accepted."""
    source = "the quote" if folder not in README_RTMRS else "its README"
    try:
        eventlog.verify_event_log(alteration(folder), expected_rtmrs(folder), source=source)
    except EventLogRefused as refused:
        return str(refused)
    return None


def test_the_corpus_has_at_least_ten_kinds_of_alteration():
    assert len(CORPUS) >= 10
    assert len({case_id for case_id, _, _, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case_id, folder, alteration, reason", CORPUS, ids=[case[0] for case in CORPUS])
def test_each_altered_log_is_refused_with_its_reason(case_id, folder, alteration, reason):
    message = refusal_of(folder, alteration)
    assert message is not None, "%s: accepted" % case_id
    assert re.search(reason, message), message
    assert "\n" not in message


def test_none_of_the_corpus_is_accepted():
    for folder in {case[1] for case in CORPUS}:
        read_eventlog_sample(folder)  # skips when the samples are absent
    accepted = [case_id for case_id, folder, alteration, _ in CORPUS if refusal_of(folder, alteration) is None]
    assert accepted == []


def test_the_unaltered_logs_rebuilt_by_the_tools_reader_are_accepted():
    # The corpus's refusals are the alterations', not the rebuilding's.
    for folder in {case[1] for case in CORPUS}:
        assert rebuilt(folder, lambda records: None) == read_eventlog_sample(folder)
        eventlog.verify_event_log(rebuilt(folder, lambda records: None), expected_rtmrs(folder))


def test_events_of_different_registers_may_swap_places():
    # Only the order within one register is measured: shim's RTMR0 and RTMR2 events interleave.
    log = eventlog.verify_event_log(rebuilt("gke-uki", lambda records: _swap(records, 32, 33)),
                                    expected_rtmrs("gke-uki"))
    assert [event.register_name for event in log.events[32:34]] == ["RTMR1", "RTMR2"]


def test_a_label_changed_in_the_log_is_accepted_but_never_shown_as_measured():
    # The Linux EFI stub's tag carries a label; its digest is of the command line. Changing the label is
    # harmless to the replay, so it is accepted, and the label is not claimed as measured.
    altered = rebuilt("qemu-ovmf", lambda records: _replace_text(records, 17, b"LOADED_IMAGE", b"LOADED_IMAGF"))
    log = eventlog.verify_event_log(altered, expected_rtmrs("qemu-ovmf"))
    assert log.events[17].text == "LOADED_IMAGF::LoadOptions" and not log.events[17].measured
