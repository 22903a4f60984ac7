"""The event-log reader on logs the tests build (tools/tdx_pki/eventlog.py), so it is not held to the samples alone."""

import base64
import hashlib
import json
import struct

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog, eventlog_table
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import EventLogRefused

from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

AREA = 64 * 1024
TYPICAL = {"grub": logs.grub_boot_log, "uki": logs.uki_boot_log, "direct": logs.direct_boot_log}


def verified(builder, **options):
    return eventlog.verify_event_log(builder.to_bytes(AREA), builder.rtmrs(), **options)


def refusal(data, rtmrs=None, **options):
    with pytest.raises(EventLogRefused) as refused:
        if rtmrs is None:
            eventlog.parse_event_log(data)
        else:
            eventlog.verify_event_log(data, rtmrs, **options)
    message = str(refused.value)
    assert "\n" not in message
    return message


def by_name(log):
    return {event.name: event for event in log.events}


@pytest.mark.parametrize("kind", sorted(TYPICAL))
def test_each_built_log_verifies_against_its_own_replay_and_its_ccel_table(kind):
    builder = TYPICAL[kind]()
    log = verified(builder, table=logs.ccel_table(AREA))
    assert log.rtmrs == builder.rtmrs()
    assert log.end == "0xFFFFFFFF end marker"
    assert len(log.events) == len(builder.records) + 1
    json.dumps(log.to_dict())


def test_a_grub_boot_names_kernel_initrd_and_command_line():
    cmdline = "/boot/vmlinuz root=/dev/sda1 ro console=ttyS0"
    events = by_name(verified(logs.grub_boot_log(cmdline=cmdline)))
    assert events["kernel command line (grub)"].text == cmdline and events["kernel command line (grub)"].measured
    for name in ("kernel /boot/vmlinuz (grub)", "initrd /boot/initrd.img (grub)", "file /boot/grub/grub.cfg (grub)",
                 "MOK variable MokList (shim)", "boot application \\EFI\\BOOT\\grubx64.efi"):
        assert not events[name].measured, name  # their digests are of files the log does not carry
    assert events["UEFI variable SecureBoot (Secure Boot state)"].text == "enabled"
    assert events["UEFI variable SbatLevel (authority, shim)"].text == "sbat,1,2024010900\n"
    reference = events["firmware reference measurement (SP800-155)"]
    assert reference.details["rim_locator"] == "https://example.invalid/ovmf_x64_csm/firmware.fd.signed"
    assert reference.details["platform_model"] == "Test Cloud Engine" and reference.mr_index == 0


def test_grub_commands_are_measured_texts_in_order():
    log = verified(logs.grub_boot_log())
    commands = [(event.text, event.covers) for event in log.events if event.name == "grub command"]
    assert [text for text, _ in commands] == [
        "set timeout=0", "linux /boot/vmlinuz root=/dev/sda1 ro console=ttyS0", "initrd /boot/initrd.img"]
    assert {covers for _, covers in commands} == {"the text after its prefix"}


def test_systemd_stub_sections_and_the_linux_stub_tags_are_named():
    events = by_name(verified(logs.uki_boot_log()))
    assert events["UKI section name .cmdline (systemd-stub)"].measured
    assert not events["kernel command line (UKI section .cmdline, systemd-stub)"].measured
    assert not events["initrd (UKI section .initrd, systemd-stub)"].measured
    tags = by_name(verified(logs.direct_boot_log()))
    assert tags["kernel command line (Linux EFI stub)"].details == {"tag": "0x8f3b22ed"}
    assert tags["initrd (Linux EFI stub)"].text == "Linux initrd"


def test_secure_boot_keys_give_their_certificates_fingerprints():
    builder = logs.EventLogBuilder()
    builder.secure_boot(True).secure_boot_keys(certificates=(b"certificate one", b"certificate two"))
    events = by_name(verified(builder))
    db = events["UEFI variable db (Secure Boot allowed signatures)"]
    assert db.text == "2 x509"
    fingerprints = [hashlib.sha256(certificate).hexdigest() for certificate in (b"certificate one", b"certificate two")]
    assert db.details["signatures"]["x509_sha256"] == fingerprints
    assert events["UEFI variable dbx (Secure Boot forbidden signatures)"].text == "1 sha256"


def _grub_log_whose_text_differs(prefix, measured, shown):
    builder = logs.EventLogBuilder()
    builder.add(logs.RTMR2, logs.EV_IPL, prefix + shown.encode() + b"\x00",
                digest=logs.sha384(measured.encode()))
    return builder


@pytest.mark.parametrize("prefix", [b"grub_cmd: ", b"kernel_cmdline: ", b"module_cmdline: "])
def test_a_grub_text_its_digest_does_not_cover_is_refused_whatever_the_replay(prefix):
    builder = _grub_log_whose_text_differs(prefix, "root=/dev/sda1 ro", "root=/dev/sdb1 ro")
    message = refusal(builder.to_bytes(AREA), builder.rtmrs())  # the replay itself holds
    assert message.startswith("record 1 at offset 65 (EV_IPL, RTMR2): its digest is not the SHA-384 of its text "
                              "after %r" % prefix.decode())


def test_a_renamed_grub_file_is_accepted_as_a_label_and_never_measured():
    builder = logs.EventLogBuilder().grub_command("linux /boot/vmlinuz quiet")
    builder.add(logs.RTMR2, logs.EV_IPL, b"/boot/other\x00", digest=logs.sha384(b"kernel"))
    event = verified(builder).events[2]
    assert event.name == "file /boot/other (grub)" and not event.measured  # not the kernel the command named


def test_a_secure_boot_variable_measured_over_its_value_only_is_refused():
    builder = logs.EventLogBuilder().variable(logs.EV_EFI_VARIABLE_DRIVER_CONFIG, logs.EFI_GLOBAL_VARIABLE,
                                              "SecureBoot", b"\x01", measure="value")
    message = refusal(builder.to_bytes(AREA), builder.rtmrs())
    assert "(EV_EFI_VARIABLE_DRIVER_CONFIG, RTMR0): its digest is not the SHA-384 of its UEFI_VARIABLE_DATA" in message


@pytest.mark.parametrize("measure, covers", [("value", "the variable's value only (not its name)"),
                                             ("whole", "the whole UEFI_VARIABLE_DATA (name and value)")])
def test_a_boot_variable_may_be_measured_over_its_value_or_all_of_it_and_says_which(measure, covers):
    builder = logs.EventLogBuilder().variable(logs.EV_EFI_VARIABLE_BOOT, logs.EFI_GLOBAL_VARIABLE, "BootOrder",
                                              b"\x02\x00\x01\x00", measure=measure)
    event = verified(builder).events[1]
    assert (event.text, event.covers, event.measured) == ("Boot0002, Boot0001", covers, True)


def test_a_uki_section_event_without_its_pair_is_a_label():
    # systemd before 253 measured only the contents, labelled with the section name.
    builder = logs.EventLogBuilder().add(logs.RTMR2, logs.EV_IPL, logs.ucs2(".linux"), digest=logs.sha384(b"kernel"))
    event = verified(builder).events[1]
    assert event.name == "kernel (UKI section .linux, systemd-stub)" and not event.measured


def test_an_unknown_event_type_is_named_by_number_and_measured_only_if_its_digest_covers_its_data():
    builder = logs.EventLogBuilder().add(logs.RTMR3, 0x8000ABCD, b"some text")
    builder.add(logs.RTMR3, 0x8000ABCD, b"other text", digest=logs.sha384(b"not the text"))
    covered, label = verified(builder).events[1:]
    assert covered.type_name == "0x8000abcd" and covered.measured and covered.text == "some text"
    assert not label.measured and label.register_name == "RTMR3"


# --- The end of the log ---------------------------------------------------------------

def test_the_log_ends_at_a_zero_marker_in_a_zero_filled_area():
    builder = logs.direct_boot_log()
    log = eventlog.verify_event_log(builder.to_bytes(AREA, fill=b"\x00"), builder.rtmrs())
    assert log.end == "zero end marker" and log.end_offset == len(builder.to_bytes()) - 8


def test_the_log_may_end_with_the_data_or_a_few_bytes_of_fill():
    builder = logs.direct_boot_log()
    exact = builder.to_bytes(end_marker=False)
    assert eventlog.verify_event_log(exact, builder.rtmrs()).end == "end of data"
    assert eventlog.verify_event_log(exact + b"\xff" * 5, builder.rtmrs()).end == "fill to the end of the data"
    message = refusal(exact + b"\x01\x02\x03")
    assert message.startswith("the log is cut short at offset %d: 3 bytes are left" % len(exact))


def test_nothing_after_the_end_marker_is_read():
    builder = logs.direct_boot_log()
    hidden = logs.Record(logs.RTMR1, logs.EV_EFI_ACTION, [(logs.SHA384, logs.sha384(b"x"))], b"x").to_bytes()
    log = eventlog.verify_event_log(builder.to_bytes() + hidden, builder.rtmrs())
    assert log.end_offset == len(builder.to_bytes()) - 8


def test_ev_no_action_records_are_never_extended_whatever_their_mr_index():
    builder = logs.EventLogBuilder().no_action(b"StartupLocality\x00\x03", mr_index=0)
    builder.no_action(b"anything", mr_index=logs.RTMR2)
    log = verified(builder)
    assert log.rtmrs == [bytes(48)] * 4
    assert [event.name for event in log.events[1:]] == ["TPM startup locality", "EV_NO_ACTION"]


# --- Comparing with the quote's registers ------------------------------------------------

def test_differences_name_each_register_with_both_values():
    builder = logs.grub_boot_log()
    quote_rtmrs = [value.hex() for value in builder.rtmrs()]
    quote_rtmrs[3] = "ab" * 48  # software extended RTMR3 after boot, with a log of its own
    log = eventlog.parse_event_log(builder.to_bytes(AREA))
    assert log.differences(quote_rtmrs) == [{"register": "RTMR3", "replayed": "00" * 48, "expected": "ab" * 48}]
    refused = refusal(builder.to_bytes(AREA), quote_rtmrs)
    assert refused == ("the event log does not reproduce the quote's RTMR3: RTMR3 replays to %s, the quote has %s"
                       % ("00" * 48, "ab" * 48))
    assert eventlog.verify_event_log(builder.to_bytes(AREA), quote_rtmrs, registers=(0, 1, 2))


@pytest.mark.parametrize("expected", [None, ["00" * 48] * 3, ["zz" * 48] * 4, [b"\x00" * 47] * 4, [1, 2, 3, 4]])
def test_expected_rtmrs_that_are_not_four_48_byte_values_are_a_caller_error(expected):
    log = eventlog.parse_event_log(logs.direct_boot_log().to_bytes())
    with pytest.raises(ValueError) as error:
        log.differences(expected)
    assert not isinstance(error.value, EventLogRefused)


# --- Malformed logs -----------------------------------------------------------------------

def _record(mr_index=logs.RTMR0, event_type=logs.EV_SEPARATOR, data=bytes(4), digests=None):
    return logs.Record(mr_index, event_type, [(logs.SHA384, logs.sha384(data))] if digests is None else digests, data)


@pytest.mark.parametrize("data, reason", [
    (b"", "the event log is 0 bytes, too short for the 32-byte header of its Spec ID event"),
    (struct.pack("<II", 1, logs.EV_SEPARATOR) + bytes(60),
     "record 0 at offset 0 is of type EV_SEPARATOR, not the EV_NO_ACTION Spec ID event a crypto-agile log starts with"),
    (logs.spec_id_header(signature=b"Spec ID Event00\x00"),
     "record 0 at offset 0 is not a Spec ID event: its signature is b'Spec ID Event00\\x00'"),
    (logs.spec_id_header(algorithms=()),
     "record 0 at offset 0 lists the digest algorithms none; a TDX log has SHA-384 (48 bytes) alone"),
    (logs.spec_id_header(mr_index=5), "record 0 at offset 0, the Spec ID event, has MR index 5"),
    (logs.spec_id_header()[:40], "record 0 at offset 0, the Spec ID event, says 33 bytes of data; the log has 8"),
    (logs.spec_id_header() + _record(digests=[(logs.SHA256, bytes(48))]).to_bytes(),
     "record 1 at offset 65 (EV_SEPARATOR, RTMR0) has a sha256 digest (algorithm 0x000b)"),
    (logs.spec_id_header() + _record(digests=[]).to_bytes() + bytes(100),
     "record 1 at offset 65 (EV_SEPARATOR, RTMR0) carries 0 digests"),
    (logs.spec_id_header() + _record().to_bytes()[:-2], "record 1 at offset 65 (EV_SEPARATOR, RTMR0) says 4 bytes "
                                                        "of event data, 2 are left (a truncated log)"),
    (logs.spec_id_header() + _record(mr_index=0xFFFFFFFF).to_bytes(),
     "record 1 at offset 65 (EV_SEPARATOR, MR index 4294967295): TDX has MR index 0 (MRTD) to 4 (RTMR3)"),
])
def test_each_malformed_log_is_refused_saying_where(data, reason):
    assert refusal(data).startswith(reason)


def test_a_spec_id_version_1_header_is_refused():
    header = bytearray(logs.spec_id_header())
    header[32 + 21] = 1
    assert refusal(bytes(header)) == "record 0 at offset 0 says spec version 1; a crypto-agile log says 2"


def test_a_log_larger_than_16_mib_is_refused_before_it_is_read():
    assert refusal(bytes(16 * 1024 * 1024 + 1)).startswith("the event log is 16777217 bytes, more than")


@pytest.mark.parametrize("value", [None, "text", 12, ["list"]])
def test_a_log_that_is_not_bytes_is_refused(value):
    assert refusal(value).startswith("the event log must be bytes, got ")


# --- The CCEL table ---------------------------------------------------------------------------

def test_the_ccel_table_gives_the_tee_and_the_area():
    fields = eventlog_table.parse_ccel_table(logs.ccel_table(AREA, area_start=0x7E000000))
    assert fields["cc_type"] == 2 and fields["log_area_minimum_length"] == AREA
    assert fields["log_area_start_address"] == 0x7E000000 and fields["oem_id"] == "TDXPKI"


@pytest.mark.parametrize("table, reason", [
    (logs.ccel_table(AREA)[:50], "the CCEL table is 50 bytes; it has 56"),
    (b"TPM2" + logs.ccel_table(AREA)[4:], "the CCEL table's signature is b'TPM2', not b'CCEL'"),
    (logs.ccel_table(AREA, fix_checksum=False), "the CCEL table's checksum does not add up"),
    (logs.ccel_table(AREA, cc_type=1), "the CCEL table is of CC type 1 (AMD SEV), not 2 (Intel TDX)"),
    (logs.ccel_table(AREA, length=60)[:56], "the CCEL table says it is 60 bytes, 56 were given"),
    ("CCEL", "the CCEL table must be bytes, got str"),
])
def test_a_wrong_ccel_table_is_refused(table, reason):
    with pytest.raises(EventLogRefused) as refused:
        eventlog_table.parse_ccel_table(table)
    assert str(refused.value).startswith(reason)


def test_a_log_longer_than_its_area_is_refused():
    builder = logs.direct_boot_log()
    message = refusal(builder.to_bytes(AREA), builder.rtmrs(), table=logs.ccel_table(1024))
    assert message == "the event log is 65536 bytes, longer than the 1024-byte area its CCEL table gives it"


# --- base64, as the guest side sends it --------------------------------------------------------

def test_a_base64_log_is_read_and_bad_base64_refused():
    data = logs.direct_boot_log().to_bytes(AREA)
    assert eventlog.event_log_from_base64(base64.b64encode(data).decode()) == data
    assert eventlog.event_log_from_base64(base64.encodebytes(data)) == data  # line breaks allowed
    with pytest.raises(EventLogRefused) as refused:
        eventlog.event_log_from_base64("not base64!")
    assert str(refused.value).startswith("the event log is not base64")
    with pytest.raises(EventLogRefused) as refused:
        eventlog.event_log_from_base64(42)
    assert str(refused.value) == "the event log must be base64 text, got int"
