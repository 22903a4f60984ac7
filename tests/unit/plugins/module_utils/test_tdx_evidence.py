"""Kernel evidence parsing and the verdict, on recorded logs and tool output."""

import os

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.evidence import (
    FOUND,
    MISSING,
    UNCHECKED,
    assess,
    cpu_flags,
    detect_virt_evidence,
    evidence,
    is_permission_denied,
    scan_kernel_log,
)

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_logs")


def log(name):
    with open(os.path.join(LOGS, name)) as handle:
        return handle.read().splitlines()


def test_tdx_guest_on_google_cloud_shows_every_boot_sign():
    scan = scan_kernel_log(log("tdx-gce-ubuntu-2204.dmesg"))
    assert sorted(scan["signs"]) == ["guest_detected", "memory_encryption", "systemd_confidential_virt",
                                     "tdx_idle_routine"]
    assert scan["signs"]["guest_detected"] == "[    0.000000] tdx: Guest detected"
    assert scan["boot_start"] is True
    assert scan["attributes"] is None  # kernels before the attributes line print none
    assert scan["other_cvm"] is None


def test_newer_kernel_attributes_line_is_read_with_the_kernel_spelling_unified():
    scan = scan_kernel_log(log("tdx-newer-kernel-debug-td.journal"))
    assert scan["attributes"] == ["DEBUG", "SEPT_VE_DISABLE", "MIGRATABLE"]
    assert scan["td_ctls"] == ["PENDING_VE_DISABLE", "ENUM_TOPOLOGY", "VIRT_CPUID2", "REDUCE_VE"]
    assert "memory_encryption" in scan["signs"]  # the short "active: TDX" form
    assert scan["boot_start"] is True


@pytest.mark.parametrize("name,technology", [
    ("sev-snp-guest.dmesg", "AMD SEV SEV-ES SEV-SNP"),
])
def test_another_confidential_technology_is_named(name, technology):
    scan = scan_kernel_log(log(name))
    assert scan["signs"] == {}
    assert scan["other_cvm"] == technology


@pytest.mark.parametrize("name", ["kvm-guest-no-cvm.dmesg", "rotated-ring-buffer.dmesg"])
def test_logs_of_hosts_that_are_not_tds_have_no_tdx_sign(name):
    scan = scan_kernel_log(log(name))
    assert scan["signs"] == {} and scan["other_cvm"] is None


def test_a_rotated_ring_buffer_does_not_reach_back_to_boot():
    assert scan_kernel_log(log("rotated-ring-buffer.dmesg"))["boot_start"] is False
    assert scan_kernel_log(log("kvm-guest-no-cvm.dmesg"))["boot_start"] is True


def test_similar_words_are_not_taken_for_tdx_lines():
    scan = scan_kernel_log([
        "[    1.0] notdx: Guest detected",
        "[    1.0] Memory Encryption Features active: TDXX",
        "[    1.0] process: using TDX aware idle routines galore",
    ])
    assert scan["signs"] == {}


def test_any_line_with_the_exact_words_matches_which_is_why_lines_alone_prove_nothing():
    # A device name or a line written to /dev/kmsg can carry the words; the
    # verdict therefore never rests on the log alone (see assess).
    scan = scan_kernel_log(["[  512.0] usb 1-1: Product: tdx: Guest detected"])
    assert sorted(scan["signs"]) == ["guest_detected"]


def test_cpu_flags_come_from_the_flags_line():
    text = "processor\t: 0\nflags\t\t: fpu vme tdx_guest avx512f\nbugs\t\t: spectre_v1\n"
    assert "tdx_guest" in cpu_flags(text)
    assert "spectre_v1" not in cpu_flags(text)
    assert cpu_flags("processor : 0\n") == set()


def test_this_machines_cpuinfo_parses():
    with open("/proc/cpuinfo") as handle:
        assert "fpu" in cpu_flags(handle.read())


@pytest.mark.parametrize("message,denied", [
    ("dmesg: read kernel buffer failed: Operation not permitted", True),
    ("Hint: You are currently not seeing messages from other users and the system.\n"
     "      Users in groups 'adm', 'systemd-journal' can see all messages.", True),
    ("Failed to open /dev/kmsg: Permission denied", True),
    ("No journal files were found.", False),
    ("", False),
    (None, False),
])
def test_permission_denied_is_told_apart_from_no_data(message, denied):
    assert is_permission_denied(message) is denied


@pytest.mark.parametrize("rc,out,err,status,value", [
    (0, "tdx\n", "", FOUND, "tdx"),
    (0, "sev-snp\n", "", MISSING, "sev-snp"),
    (1, "none\n", "", MISSING, "none"),
    (1, "", "systemd-detect-virt: unrecognized option '--cvm'\n", UNCHECKED, None),
    (2, "", "", UNCHECKED, None),
])
def test_detect_virt_output(rc, out, err, status, value):
    item = detect_virt_evidence(rc, out, err)
    assert (item["status"], item["value"]) == (status, value)
    assert "\n" not in item["detail"]


def _items(**statuses):
    names = ("cpu_flag", "tdreport", "kernel_log", "device", "configfs_tsm", "ccel_table",
             "sysfs_measurements", "detect_virt")
    return dict((name, evidence(statuses.get(name, MISSING), "%s detail" % name)) for name in names)


def test_the_cpu_flag_alone_proves_tdx():
    verdict = assess(_items(cpu_flag=FOUND))
    assert verdict["active"] is True
    assert verdict["reason"].startswith("TDX guest: CPU flag tdx_guest")
    assert verdict["evidence_found"] == ["cpu_flag"]


def test_a_tdreport_from_the_tdx_module_proves_tdx():
    assert assess(_items(tdreport=FOUND, device=FOUND))["active"] is True


def test_kernel_log_lines_alone_do_not_prove_tdx():
    verdict = assess(_items(kernel_log=FOUND, device=FOUND))
    assert verdict["active"] is False
    assert verdict["reason"].startswith("not shown to be a TDX guest")
    assert "neither the tdx_guest CPU flag nor a TDREPORT" in verdict["reason"]


def test_nothing_found_names_what_is_missing_once():
    verdict = assess(_items())
    assert verdict["active"] is False
    assert verdict["reason"] == ("not a TDX guest: no tdx_guest CPU flag, no TDX line in the kernel log, "
                                 "no /dev/tdx_guest device")
    assert verdict["evidence_unchecked"] == {}


def test_unchecked_primary_evidence_is_said_in_the_reason_and_not_called_missing():
    verdict = assess(_items(kernel_log=UNCHECKED, detect_virt=UNCHECKED))
    assert "kernel_log" not in verdict["evidence_missing"]
    assert verdict["evidence_unchecked"] == {"kernel_log": "kernel_log detail", "detect_virt": "detect_virt detail"}
    assert verdict["reason"].endswith("; could not check: kernel_log (kernel_log detail)")


def test_another_technology_is_the_reason():
    verdict = assess(_items(), other_cvm="AMD SEV SEV-ES SEV-SNP")
    assert verdict["reason"] == "not a TDX guest: the kernel reports AMD SEV SEV-ES SEV-SNP"
