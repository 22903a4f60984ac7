"""Real TDX event logs: each replays to what its README (or its quote) says, and is named as it was measured."""

import hashlib
import struct

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog, eventlog_table
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import EventLogRefused
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote, decode_tdreport

from tests.unit.plugins.module_utils.attestation.eventlog_evidence import (
    README_RTMRS,
    read_eventlog_sample,
    read_go_tdx_guest_ccel,
)

REAL_LOGS = ("gce-grub", "gke-uki", "qemu-ovmf", "two-boots")


def _events_by_name(log):
    return {event.name: event for event in log.events}


@pytest.mark.parametrize("folder", sorted(README_RTMRS))
def test_each_google_cloud_log_replays_to_the_values_its_readme_gives(folder):
    log = eventlog.verify_event_log(read_eventlog_sample(folder), README_RTMRS[folder], source="its README")
    assert [value.hex() for value in log.rtmrs] == README_RTMRS[folder]
    assert log.end == "0xFFFFFFFF end marker"
    assert log.size == 256 * 1024


def test_the_qemu_log_reproduces_its_quotes_rtmrs():
    quote = decode_quote(read_eventlog_sample("qemu-ovmf", "quote.dat"))
    log = eventlog.verify_event_log(read_eventlog_sample("qemu-ovmf"), quote["rtmr"])
    assert [value.hex() for value in log.rtmrs] == quote["rtmr"]


def test_the_qemu_tdreport_log_reproduces_its_tdreports_rtmrs():
    report = decode_tdreport(read_eventlog_sample("qemu-ovmf", "tdreport.bin"))
    log = eventlog.verify_event_log(read_eventlog_sample("qemu-ovmf", "tdreport_ccel_data.bin"), report["rtmr"],
                                    source="the TDREPORT")
    assert [value.hex() for value in log.rtmrs] == report["rtmr"]


def test_the_quotes_log_against_the_tdreports_registers_is_refused_naming_rtmr2():
    # The two qemu boots differ only in what the Linux EFI stub measured (RTMR2).
    report = decode_tdreport(read_eventlog_sample("qemu-ovmf", "tdreport.bin"))
    with pytest.raises(EventLogRefused) as refused:
        eventlog.verify_event_log(read_eventlog_sample("qemu-ovmf"), report["rtmr"], source="the TDREPORT")
    assert refused.value.registers == ["RTMR2"]
    assert str(refused.value).startswith("the event log does not reproduce the TDREPORT's RTMR2: RTMR2 replays to ")


def test_the_two_boots_pair_is_refused_naming_rtmr0_to_rtmr2():
    quote = decode_quote(read_eventlog_sample("two-boots", "quote.dat"))
    with pytest.raises(EventLogRefused) as refused:
        eventlog.verify_event_log(read_eventlog_sample("two-boots"), quote["rtmr"])
    assert refused.value.registers == ["RTMR0", "RTMR1", "RTMR2"]
    message = str(refused.value)
    assert message.startswith("the event log does not reproduce the quote's RTMR0, RTMR1, RTMR2: ")
    for index in range(3):
        assert "RTMR%d replays to %s, the quote has %s" % (index, eventlog.parse_event_log(
            read_eventlog_sample("two-boots")).rtmrs[index].hex(), quote["rtmr"][index]) in message
    assert "\n" not in message


# --- What real Google Cloud logs contain --------------------------------------------

def test_google_clouds_sp800_155_events_are_named_never_extended_and_carry_mr_index_0():
    log = eventlog.parse_event_log(read_eventlog_sample("gke-uki"))
    reference = [event for event in log.events if event.name == "firmware reference measurement (SP800-155)"]
    assert [event.record for event in reference] == [1, 2]
    for event in reference:
        assert event.mr_index == 0 and event.type_name == "EV_NO_ACTION"
        assert not event.extended and not event.measured
        assert event.details["platform_model"] == "Google Compute Engine"
    assert reference[0].details["rim_locator"].endswith("/FirmwareRIM")
    assert reference[1].details["rim_locator_type"] == "URI"
    assert "/gce_tcb_integrity/ovmf_x64_csm/" in reference[1].details["rim_locator"]


def test_the_spec_id_header_is_record_0_not_extended_whatever_its_mr_index():
    log = eventlog.parse_event_log(read_eventlog_sample("gce-grub"))
    header = log.events[0]
    assert (header.record, header.offset, header.mr_index) == (0, 0, 1)  # TDVF writes MR index 1 on it
    assert not header.extended and header.name == "Spec ID event (log header)"


@pytest.mark.parametrize("folder", ["gce-grub", "gke-uki"])
def test_secure_boot_state_and_keys_are_named_and_measured(folder):
    events = _events_by_name(eventlog.parse_event_log(read_eventlog_sample(folder)))
    secure_boot = events["UEFI variable SecureBoot (Secure Boot state)"]
    assert secure_boot.measured and secure_boot.text == "disabled"
    assert secure_boot.details["secure_boot"] is False
    assert secure_boot.covers == "the whole UEFI_VARIABLE_DATA (name and value)"
    for name, text in (("PK (Secure Boot platform key)", "1 x509"), ("KEK (Secure Boot key exchange keys)", "1 x509"),
                       ("db (Secure Boot allowed signatures)", "2 x509"),
                       ("dbx (Secure Boot forbidden signatures)", "183 sha256, 3 x509")):
        event = events["UEFI variable " + name]
        assert event.measured and event.text == text and event.register_name == "RTMR0"
    db = events["UEFI variable db (Secure Boot allowed signatures)"]
    assert len(db.details["signatures"]["x509_sha256"]) == 2


def test_a_qemu_direct_boot_names_its_kernel_command_line_and_initrd_as_labels():
    log = eventlog.parse_event_log(read_eventlog_sample("qemu-ovmf"))
    events = _events_by_name(log)
    kernel = events["kernel (QEMU direct boot)"]
    assert kernel.register_name == "RTMR1" and not kernel.measured
    assert kernel.text == "VenMedia(1428f772-b64a-441e-b8c3-9ebdd7f893c7)/kernel"
    for name, label in (("kernel command line (Linux EFI stub)", "LOADED_IMAGE::LoadOptions"),
                        ("initrd (Linux EFI stub)", "Linux initrd")):
        event = events[name]
        # The tag is only a label: the digest is of the command line or initrd, which the log does not carry.
        assert event.text == label and not event.measured and event.register_name == "RTMR2"
    assert events["UEFI variable SecureBoot (Secure Boot state)"].text == "not set (Secure Boot disabled)"


def test_systemd_stub_sections_are_named_in_pairs_the_first_measured_over_the_name():
    log = eventlog.parse_event_log(read_eventlog_sample("gke-uki"))
    ipl = [event for event in log.events if event.type_name == "EV_IPL"]
    names = [(event.name, event.measured) for event in ipl]
    assert names[:6] == [
        ("UKI section name .linux (systemd-stub)", True), ("kernel (UKI section .linux, systemd-stub)", False),
        ("UKI section name .osrel (systemd-stub)", True), ("os-release (UKI section .osrel, systemd-stub)", False),
        ("UKI section name .cmdline (systemd-stub)", True),
        ("kernel command line (UKI section .cmdline, systemd-stub)", False),
    ]
    assert {event.register_name for event in ipl} == {"RTMR2"}
    assert _events_by_name(log)["kernel (from a unified kernel image, systemd-stub)"].register_name == "RTMR1"


def test_registers_interleave_and_the_boot_application_is_named_by_its_path():
    log = eventlog.parse_event_log(read_eventlog_sample("gke-uki"))
    registers = [event.register_name for event in log.events if event.extended]
    assert registers.index("RTMR2") < len(registers) - 1 - registers[::-1].index("RTMR1")  # RTMR1 after RTMR2
    assert "boot application \\EFI\\BOOT\\BOOTX64.EFI" in _events_by_name(log)


def _covered_bytes(event):
    """What the digest of a measured event covers, recomputed by the test from ``covers`` and the event's data."""
    if event.covers == "the event data" or event.covers == "the whole UEFI_VARIABLE_DATA (name and value)":
        return event.data
    if event.covers == "the variable's value only (not its name)":
        name_length, value_length = struct.unpack_from("<QQ", event.data, 16)
        return event.data[32 + 2 * name_length:]
    if event.covers == "the text after its prefix":
        return event.text.encode()
    if event.covers == "the section name":
        return event.text.encode() + b"\x00"
    raise AssertionError("unknown coverage %r" % event.covers)


@pytest.mark.parametrize("folder", REAL_LOGS)
def test_an_event_is_measured_only_where_its_digest_covers_what_it_shows(folder):
    log = eventlog.parse_event_log(read_eventlog_sample(folder))
    measured = [event for event in log.events if event.measured]
    assert measured
    for event in measured:
        assert event.extended
        assert hashlib.sha384(_covered_bytes(event)).digest() == event.digest, event.name
    for event in log.events:
        if not event.measured and event.extended:
            assert hashlib.sha384(event.data).digest() != event.digest


def test_every_event_of_the_real_logs_has_a_name_and_a_json_form():
    import json
    for folder in REAL_LOGS:
        log = eventlog.parse_event_log(read_eventlog_sample(folder))
        assert all(event.name for event in log.events)
        json.dumps(log.to_dict())


# --- go-tdx-guest's COS 113 pair (CONFIDENTIAL_TDX_GO_TDX_GUEST_CCEL) --------------------

def test_the_cos_113_log_reproduces_its_quote_with_its_ccel_table():
    data = read_go_tdx_guest_ccel("ccel_data.dat")
    table = read_go_tdx_guest_ccel("ccel_table.dat")
    quote = decode_quote(read_go_tdx_guest_ccel("cos-113-tdx-quote.dat"))
    assert quote["trailing_bytes"] > 0  # Google Cloud's 8,000-byte quote buffer
    log = eventlog.verify_event_log(data, quote["rtmr"], table=table)
    assert [value.hex() for value in log.rtmrs] == quote["rtmr"]
    fields = eventlog_table.parse_ccel_table(table)
    assert fields["cc_type"] == 2 and fields["log_area_minimum_length"] == len(data)


def test_the_cos_113_log_names_its_boot_chain():
    log = eventlog.parse_event_log(read_go_tdx_guest_ccel("ccel_data.dat"))
    events = _events_by_name(log)
    cmdline = events["kernel command line (grub)"]
    assert cmdline.measured and cmdline.text.startswith("/syslinux/vmlinuz.A init=/usr/lib/systemd/systemd")
    assert cmdline.covers == "the text after its prefix"
    assert not events["kernel /syslinux/vmlinuz.A (grub)"].measured
    assert events["boot application \\EFI\\BOOT\\grub-lakitu.efi"].register_name == "RTMR1"
    assert not events["MOK variable MokList (shim)"].measured
    sbat = events["UEFI variable SbatLevel (authority, shim)"]
    assert sbat.measured and sbat.text.startswith("sbat,1,")
    commands = [event.text for event in log.events if event.name == "grub command"]
    assert "set timeout=0" in commands and all(event.measured for event in log.events if event.name == "grub command")


def test_a_cos_113_grub_command_edited_in_the_log_is_refused_though_the_replay_holds():
    data = bytearray(read_go_tdx_guest_ccel("ccel_data.dat"))
    quote = decode_quote(read_go_tdx_guest_ccel("cos-113-tdx-quote.dat"))
    at = bytes(data).index(b"grub_cmd: set timeout=0")
    data[at + len("grub_cmd: set timeout=")] = ord("9")
    with pytest.raises(EventLogRefused) as refused:
        eventlog.verify_event_log(bytes(data), quote["rtmr"])
    assert "(EV_IPL, RTMR2): its digest is not the SHA-384 of its text after 'grub_cmd: '" in str(refused.value)
