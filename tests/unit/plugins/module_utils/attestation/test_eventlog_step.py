"""quote_verify's event-log step: the replay against the quote's RTMRs, and the policy's events per component."""

import base64
import hashlib

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_step import NO_LOG, event_log_step
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import policy_from
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote
from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from tests.unit.plugins.module_utils.attestation.eventlog_evidence import README_RTMRS, read_eventlog_sample


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def quote_of(builder):
    """The part of a decoded quote the step reads: the RTMRs the built boot extended."""
    return {"rtmr": [value.hex() for value in builder.rtmrs()]}


def digests(summary, component):
    return [event["digest"] for event in summary["events"] if event["component"] == component]


def test_a_log_that_replays_lists_its_events_with_text_only_where_measured():
    builder = logs.ubuntu_boot_log()
    summary, problems = event_log_step(quote_of(builder), b64(builder.to_bytes()), None, policy_from({}))
    assert problems == [] and summary["replayed"] is True
    assert summary["rtmrs"] == quote_of(builder)["rtmr"]
    by_component = {event["component"]: event for event in summary["events"] if event["component"]}
    assert sorted(by_component) == ["grub", "grub_config", "initrd", "kernel", "kernel_cmdline", "secure_boot",
                                    "secure_boot_db", "secure_boot_dbx", "secure_boot_kek", "secure_boot_pk", "shim"]
    cmdline = by_component["kernel_cmdline"]
    assert cmdline["rtmr"] == 2 and cmdline["type"] == "EV_IPL" and cmdline["text"] == logs.UBUNTU_CMDLINE
    # grub's kernel event is labelled by its path; the digest is of the file, which the log does not carry.
    assert by_component["kernel"]["name"] == "kernel /boot/vmlinuz (grub)" and by_component["kernel"]["text"] is None
    assert by_component["secure_boot"]["text"] == "enabled"
    assert summary["events"][0] == {"index": 0, "rtmr": None, "type": "EV_NO_ACTION",
                                    "name": "Spec ID event (log header)", "component": None,
                                    "digest": "00" * 20, "text": None}


def test_a_log_that_does_not_reproduce_the_quotes_rtmrs_is_refused_naming_the_register():
    builder = logs.ubuntu_boot_log()
    altered = logs.altered_kernel_cmdline(builder.to_bytes())
    summary, problems = event_log_step(quote_of(builder), b64(altered), None, policy_from({}))
    assert summary == {"replayed": False, "events": [], "rtmrs": None}
    assert len(problems) == 1
    assert problems[0].startswith("event log: the event log does not reproduce the quote's RTMR2: RTMR2 replays to ")


def extended(rtmr_hex, measurement):
    """An RTMR after one more extend, as the TDX module computes it."""
    return hashlib.sha384(bytes.fromhex(rtmr_hex) + hashlib.sha384(measurement).digest()).hexdigest()


def test_rtmr3_extended_after_boot_is_said_not_refused_and_its_logged_events_are_not_shown_as_measured():
    builder = logs.ubuntu_boot_log()
    builder.efi_action(logs.RTMR3, "an RTMR3 event the firmware logged")
    quote = quote_of(builder)
    assert event_log_step(quote, b64(builder.to_bytes()), None, policy_from({}))[0]["rtmr3"] == "reproduced"
    quote["rtmr"][3] = extended(quote["rtmr"][3], b"an application measured at run time")
    summary, problems = event_log_step(quote, b64(builder.to_bytes()), None, policy_from({}))
    assert problems == [] and summary["replayed"] is True
    assert summary["rtmr3"].startswith("extended after boot: the log replays to %s, the quote has %s"
                                       % (builder.rtmrs()[3].hex(), quote["rtmr"][3]))
    runtime = [event for event in summary["events"] if event["rtmr"] == 3]
    assert runtime and all(event["text"] is None and event["component"] is None for event in runtime)
    assert any(event["text"] for event in summary["events"] if event["rtmr"] == 2)


def test_the_boot_registers_still_refuse_when_rtmr3_is_extended_too():
    builder = logs.ubuntu_boot_log()
    quote = quote_of(builder)
    quote["rtmr"][3] = extended(quote["rtmr"][3], b"run time")
    quote["rtmr"][1] = extended(quote["rtmr"][1], b"a boot application the log does not name")
    summary, problems = event_log_step(quote, b64(builder.to_bytes()), None, policy_from({}))
    assert summary["replayed"] is False
    assert problems[0].startswith("event log: the event log does not reproduce the quote's RTMR1: ")


@pytest.mark.parametrize("log,table,problem", [
    ("not base64!", None, "event log: the event log is not base64"),
    (b64(b"\x00" * 40), None, "event log: record 0 at offset 0 is of type EV_PREBOOT_CERT, not the EV_NO_ACTION"),
    ("LOG", b64(logs.ccel_table(64)), "event log: the event log is "),
])
def test_unreadable_logs_and_tables_are_one_event_log_problem(log, table, problem):
    builder = logs.ubuntu_boot_log()
    log = b64(builder.to_bytes()) if log == "LOG" else log
    summary, problems = event_log_step(quote_of(builder), log, table, policy_from({}))
    assert summary["replayed"] is False and len(problems) == 1 and problems[0].startswith(problem), problems


def test_without_a_log_nothing_is_checked_unless_the_policy_names_events():
    builder = logs.ubuntu_boot_log()
    assert event_log_step(quote_of(builder), None, None, policy_from({})) == (None, [])
    kernel = {"kernel": "ab" * 48}
    assert event_log_step(quote_of(builder), None, None, policy_from({"events": kernel})) == (None, [NO_LOG])
    assert NO_LOG == "event log: the policy names events but the host gave no event log"


def test_a_kernel_update_differs_from_the_learned_events_in_the_kernel_and_initrd_alone():
    before, after = logs.ubuntu_boot_log("6.8.0-1015-gcp"), logs.ubuntu_boot_log("6.8.0-1016-gcp")
    learned, _ = event_log_step(quote_of(before), b64(before.to_bytes()), None, policy_from({}))
    events = {event["component"]: event["digest"] for event in learned["events"] if event["component"]}
    policy = policy_from({"events": events})
    assert event_log_step(quote_of(before), b64(before.to_bytes()), None, policy)[1] == []
    summary, problems = event_log_step(quote_of(after), b64(after.to_bytes()), None, policy)
    assert summary["replayed"] is True
    assert problems == [
        "event kernel: expected %s, log has %s (record 22, RTMR2)" % (events["kernel"], digests(summary, "kernel")[0]),
        "event initrd: expected %s, log has %s (record 24, RTMR2)" % (events["initrd"], digests(summary, "initrd")[0]),
    ]
    # Allowing both kernels (the policy's list form) lets either boot pass.
    both = dict(events, kernel=[events["kernel"], digests(summary, "kernel")[0]],
                initrd=[events["initrd"], digests(summary, "initrd")[0]])
    assert event_log_step(quote_of(after), b64(after.to_bytes()), None, policy_from({"events": both}))[1] == []


def test_a_component_the_log_lacks_is_refused():
    builder = logs.uki_boot_log()  # no shim, no grub
    _, problems = event_log_step(quote_of(builder), b64(builder.to_bytes()), None,
                                 policy_from({"events": {"grub": "cd" * 48}}))
    assert problems == ["event grub: expected %s, the log has no grub event" % ("cd" * 48)]


def test_a_real_google_cloud_log_replays_and_pins_its_secure_boot_state():
    data = read_eventlog_sample("gce-grub")
    summary, problems = event_log_step({"rtmr": README_RTMRS["gce-grub"]}, b64(data), None, policy_from({}))
    assert problems == [] and summary["replayed"]
    secure_boot = [event for event in summary["events"] if event["component"] == "secure_boot"]
    assert [event["text"] for event in secure_boot] == ["disabled"]
    policy = policy_from({"events": {"secure_boot": logs.sha384(b"enabled-ish").hex()}})
    _, problems = event_log_step({"rtmr": README_RTMRS["gce-grub"]}, b64(data), None, policy)
    assert problems == ["event secure_boot: expected %s, log has %s (record 3, RTMR0)"
                        % (logs.sha384(b"enabled-ish").hex(), secure_boot[0]["digest"])]


def test_a_real_quote_and_its_log_pass_and_a_pair_from_two_boots_is_refused():
    quote = decode_quote(read_eventlog_sample("qemu-ovmf", "quote.dat"))
    summary, problems = event_log_step(quote, b64(read_eventlog_sample("qemu-ovmf")), None, policy_from({}))
    assert problems == [] and summary["rtmrs"] == quote["rtmr"]
    assert [event["component"] for event in summary["events"] if event["component"]][-3:] == [
        "kernel", "kernel_cmdline", "initrd"]
    quote = decode_quote(read_eventlog_sample("two-boots", "quote.dat"))
    summary, problems = event_log_step(quote, b64(read_eventlog_sample("two-boots")), None, policy_from({}))
    assert summary["replayed"] is False
    assert problems[0].startswith("event log: the event log does not reproduce the quote's RTMR0, RTMR1, RTMR2: ")
