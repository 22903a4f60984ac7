"""guest_info on this machine's real kernel, on fake evidence trees, and with recorded tool output.

Without CAP_SYSLOG, in a process of its own: tests/processes/test_guest_info_without_cap_syslog.py.
"""

import errno
import os
import stat

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.host import describe_ioctl_error, request_tdreport
from ansible_collections.confidential.tdx.plugins.modules import guest_info

from tdx_pki import unsigned as build  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

from ...module_harness import run_module

KERNEL_LOGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "module_utils", "kernel_logs")
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="creating character device nodes (mknod) needs root")


def _this_machine_is_a_td():
    with open("/proc/cpuinfo") as handle:
        return "tdx_guest" in handle.read()


# -- the real kernel of this machine ------------------------------------------------

@pytest.mark.skipif(_this_machine_is_a_td(), reason="this machine is a TDX guest; the no-false-positive test needs one that is not")
@pytest.mark.parametrize("check_mode", [False, True])
def test_this_machine_is_not_taken_for_a_td(check_mode):
    result = run_module(guest_info.main, {}, check_mode=check_mode)
    assert not result.failed and not result.changed
    assert result["live"] is True
    assert result["tdx"]["active"] is False
    assert result["tdx"]["reason"].startswith("not ")
    assert "\n" not in result["tdx"]["reason"]
    assert "cpu_flag" in result["tdx"]["evidence_missing"]
    assert "tdreport" not in result["tdx"]["evidence_found"]
    assert result["evidence"]["cpu_flag"]["status"] == "missing"
    assert result["tdx"]["report"] is None and result["tdx"]["debug"] is None
    with open("/proc/sys/kernel/osrelease") as handle:
        assert result["kernel_release"] == handle.read().strip()
    with open("/proc/sys/kernel/random/boot_id") as handle:
        assert result["boot_id"] == handle.read().strip()


def test_the_ioctl_reports_an_unknown_command_as_enotty():
    # /dev/null is a character device that knows no ioctl: the request
    # reaches the kernel and the errno comes back mapped to a sentence.
    with pytest.raises(OSError) as error:
        request_tdreport("/dev/null", bytes(64))
    assert error.value.errno == errno.ENOTTY
    assert describe_ioctl_error(error.value).startswith("TDX_CMD_GET_REPORT0 failed with ENOTTY: the tdx_guest driver")


# -- fake evidence trees (offline inspection) --------------------------------------

BOOT_ID = "0f6ae4b5-7c0e-4c5e-8f6b-2d0c7c1b9a55"
CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse %s avx512f\n\n"


def make_tree(root, td=True, device=True, device_major=10, tsm_provider="tdx_guest", ccel=True, measurements=True):
    """A tree of files as a TDX guest (or another host) shows them."""
    (root / "proc" / "sys" / "kernel").mkdir(parents=True)
    (root / "proc" / "cpuinfo").write_text(CPUINFO % ("tdx_guest" if td else "hypervisor"))
    (root / "proc" / "sys" / "kernel" / "osrelease").write_text("6.8.0-1015-gcp\n")
    (root / "proc" / "sys" / "kernel" / "random").mkdir()
    (root / "proc" / "sys" / "kernel" / "random" / "boot_id").write_text(BOOT_ID + "\n")
    (root / "dev").mkdir()
    if device == "file":
        (root / "dev" / "tdx_guest").write_text("")
    elif device:
        os.mknod(str(root / "dev" / "tdx_guest"), 0o600 | stat.S_IFCHR, os.makedev(device_major, 123))
    if tsm_provider:
        entry = root / "sys" / "kernel" / "config" / "tsm" / "report" / "quote0"
        entry.mkdir(parents=True)
        (entry / "provider").write_text(tsm_provider + "\n")
    if ccel:
        (root / "sys" / "firmware" / "acpi" / "tables").mkdir(parents=True)
        (root / "sys" / "firmware" / "acpi" / "tables" / "CCEL").write_bytes(b"CCEL")
    if measurements:
        directory = root / "sys" / "devices" / "virtual" / "misc" / "tdx_guest" / "measurements"
        directory.mkdir(parents=True)
        (directory / "mrtd:sha384").write_bytes(b"\x11" * 48)
        (directory / "rtmr0:sha384").write_bytes(b"\x22" * 48)
    return str(root)


def offline(root, **args):
    return run_module(guest_info.main, dict(evidence_root=root, **args))


@needs_root
def test_a_captured_tdx_guest_tree_is_a_td_with_every_sign(tmp_path):
    report, expected = build.tdreport(td_attributes=build.SEPT_VE_DISABLE)
    (tmp_path / "tdreport.bin").write_bytes(report)
    result = offline(make_tree(tmp_path / "root"), kernel_log_file=os.path.join(KERNEL_LOGS, "tdx-gce-ubuntu-2204.dmesg"),
                     tdreport_file=str(tmp_path / "tdreport.bin"))
    assert not result.failed and not result.changed
    tdx = result["tdx"]
    assert tdx["active"] is True
    assert tdx["evidence_found"] == ["cpu_flag", "kernel_log", "device", "configfs_tsm", "ccel_table",
                                     "sysfs_measurements"]
    assert tdx["reason"].startswith("TDX guest: CPU flag tdx_guest in /proc/cpuinfo, TDX lines in the kernel log")
    # a report read from a file is decoded but proves nothing about this system
    assert tdx["report_source"] == "file"
    assert "tdreport" in tdx["evidence_unchecked"]
    assert tdx["debug"] is False
    assert tdx["report"]["mrtd"] == expected["mrtd"]
    assert tdx["report"]["rtmr"][2] == expected["rtmr2"]
    assert tdx["report"]["attributes"] == ["SEPT_VE_DISABLE"]
    device = result["evidence"]["device"]
    assert (device["major"], device["minor"], device["mode"], device["owner"]) == (10, 123, "0600", "root")
    assert result["evidence"]["configfs_tsm"]["providers"] == ["tdx_guest"]
    assert result["evidence"]["sysfs_measurements"]["values"] == {"mrtd:sha384": "11" * 48, "rtmr0:sha384": "22" * 48}
    assert result["evidence"]["kernel_log"]["sources"] == ["file %s" % os.path.join(KERNEL_LOGS, "tdx-gce-ubuntu-2204.dmesg")]
    assert result["evidence"]["detect_virt"]["status"] == "unchecked"
    assert result["kernel_release"] == "6.8.0-1015-gcp"
    assert result["boot_id"] == BOOT_ID
    assert result["live"] is False


@needs_root
def test_a_debug_td_report_is_shown_as_debug(tmp_path):
    report, _ = build.tdreport(td_attributes=build.DEBUG | build.SEPT_VE_DISABLE)
    (tmp_path / "debug.bin").write_bytes(report)
    result = offline(make_tree(tmp_path / "root"),
                     kernel_log_file=os.path.join(KERNEL_LOGS, "tdx-newer-kernel-debug-td.journal"),
                     tdreport_file=str(tmp_path / "debug.bin"))
    assert result["tdx"]["active"] is True
    assert result["tdx"]["debug"] is True
    assert result["tdx"]["report"]["attributes"] == ["DEBUG", "SEPT_VE_DISABLE"]
    assert result["evidence"]["kernel_log"]["attributes"] == ["DEBUG", "SEPT_VE_DISABLE", "MIGRATABLE"]


@needs_root
def test_offline_a_present_device_is_not_asked_for_a_report(tmp_path):
    result = offline(make_tree(tmp_path / "root"), kernel_log_file=os.path.join(KERNEL_LOGS, "tdx-gce-ubuntu-2204.dmesg"))
    assert result["evidence"]["device"]["status"] == "found"
    assert result["tdx"]["evidence_unchecked"]["tdreport"] == "offline inspection cannot ask a TD for its report"
    assert result["tdx"]["report"] is None and result["tdx"]["report_source"] is None


def test_a_tree_of_a_plain_vm_is_not_a_td(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider=None, ccel=False, measurements=False)
    result = offline(root, kernel_log_file=os.path.join(KERNEL_LOGS, "kvm-guest-no-cvm.dmesg"))
    assert result["tdx"]["active"] is False
    assert result["tdx"]["reason"] == ("not a TDX guest: no tdx_guest CPU flag, no TDX line in the kernel log, "
                                       "no /dev/tdx_guest device")
    assert result["tdx"]["evidence_found"] == []


def test_an_sev_snp_guest_is_named_as_such(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider="sev_guest", ccel=False, measurements=False)
    result = offline(root, kernel_log_file=os.path.join(KERNEL_LOGS, "sev-snp-guest.dmesg"))
    assert result["tdx"]["active"] is False
    assert result["tdx"]["reason"] == "not a TDX guest: the kernel reports AMD SEV SEV-ES SEV-SNP"
    assert result["evidence"]["configfs_tsm"]["status"] == "missing"
    assert "sev_guest, not tdx_guest" in result["evidence"]["configfs_tsm"]["detail"]


def test_a_forged_kernel_line_without_the_cpu_flag_is_not_proof(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider=None, ccel=False, measurements=False)
    result = offline(root, kernel_log_file=os.path.join(KERNEL_LOGS, "forged-line-only.dmesg"))
    assert result["tdx"]["active"] is False
    assert result["tdx"]["evidence_found"] == ["kernel_log"]
    assert result["tdx"]["reason"].startswith("not shown to be a TDX guest: TDX lines in the kernel log found")


def test_offline_without_a_kernel_log_file_says_it_could_not_check(tmp_path):
    root = make_tree(tmp_path / "root", td=False, device=False, tsm_provider=None, ccel=False, measurements=False)
    result = offline(root)
    assert result["evidence"]["kernel_log"]["status"] == "unchecked"
    assert "give kernel_log_file" in result["tdx"]["evidence_unchecked"]["kernel_log"]
    assert "could not check: kernel_log" in result["tdx"]["reason"]
    assert result["evidence"]["tdreport"]["detail"] == "no TDX guest device to ask: no /dev/tdx_guest"


def test_a_device_path_that_is_a_regular_file_is_not_the_device(tmp_path):
    result = offline(make_tree(tmp_path / "root", device="file"))
    assert result["evidence"]["device"]["status"] == "missing"
    assert result["evidence"]["device"]["detail"] == "/dev/tdx_guest exists but is not a character device"


@needs_root
def test_a_character_device_that_is_not_a_misc_device_is_not_the_device(tmp_path):
    result = offline(make_tree(tmp_path / "root", device_major=1))
    assert result["evidence"]["device"]["status"] == "missing"
    assert "not a misc device (major 10)" in result["evidence"]["device"]["detail"]


def test_the_cpu_flag_proves_tdx_even_without_other_signs(tmp_path):
    root = make_tree(tmp_path / "root", device=False, tsm_provider=None, ccel=False, measurements=False)
    result = offline(root, kernel_log_file=os.path.join(KERNEL_LOGS, "rotated-ring-buffer.dmesg"))
    assert result["tdx"]["active"] is True
    assert result["tdx"]["reason"].startswith("TDX guest: CPU flag tdx_guest in /proc/cpuinfo; missing: TDREPORT")


# -- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    ({"report_data": "xyz"}, "report_data must be hexadecimal text"),
    ({"report_data": "00" * 65}, "report_data must be at most 64 bytes"),
    ({"evidence_root": "/nonexistent/image"}, "evidence_root /nonexistent/image is not a directory"),
    ({"kernel_log_file": "/nonexistent/kern.log"}, "kernel_log_file /nonexistent/kern.log cannot be read"),
    ({"tdreport_file": "/nonexistent/report.bin"}, "tdreport_file /nonexistent/report.bin cannot be read"),
])
def test_bad_arguments_fail_with_one_line_naming_the_argument(args, message):
    result = run_module(guest_info.main, args)
    assert result.failed
    assert result["msg"].startswith(message)
    assert "\n" not in result["msg"]


def test_a_tdreport_file_that_is_not_a_report_fails_with_the_reason(tmp_path):
    path = tmp_path / "quote.bin"
    path.write_bytes(build.quote_v4()[0])
    result = run_module(guest_info.main, {"tdreport_file": str(path), "evidence_root": str(tmp_path)})
    assert result.failed
    assert result["msg"] == ("tdreport_file %s: not a TDX TDREPORT: report type is 0x04, a TDX report has 0x81" % path)


# -- the live system's tools, with recorded output ------------------------------------

def fake_tools(tmp_path, monkeypatch, **tools):
    """Put scripts that print recorded output first on PATH: name=(rc, stdout, stderr)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, (rc, stdout, stderr) in tools.items():
        (bin_dir / name.replace("_", "-")).write_text(
            "#!/bin/sh\ncat <<'OUT'\n%s\nOUT\ncat >&2 <<'ERR'\n%s\nERR\nexit %d\n" % (stdout, stderr, rc))
        (bin_dir / name.replace("_", "-")).chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ["PATH"]))


def recorded(name):
    with open(os.path.join(KERNEL_LOGS, name)) as handle:
        return handle.read().rstrip("\n")


def test_a_rotated_ring_buffer_is_completed_from_the_journal(tmp_path, monkeypatch):
    fake_tools(tmp_path, monkeypatch,
               dmesg=(0, recorded("rotated-ring-buffer.dmesg"), ""),
               journalctl=(0, recorded("tdx-newer-kernel-debug-td.journal"), ""),
               systemd_detect_virt=(0, "tdx", ""))
    result = run_module(guest_info.main, {"read_tdreport": False})
    kernel_log = result["evidence"]["kernel_log"]
    assert kernel_log["status"] == "found"
    assert kernel_log["sources"] == ["dmesg", "journal"]
    assert kernel_log["attributes"] == ["DEBUG", "SEPT_VE_DISABLE", "MIGRATABLE"]
    assert result["evidence"]["detect_virt"] == {"status": "found", "detail": "systemd-detect-virt --cvm: tdx",
                                                 "value": "tdx"}
    assert result["evidence"]["tdreport"]["status"] == "missing"  # this machine has no /dev/tdx_guest


def test_restricted_dmesg_and_journal_are_unchecked_not_missing(tmp_path, monkeypatch):
    fake_tools(tmp_path, monkeypatch,
               dmesg=(1, "", "dmesg: read kernel buffer failed: Operation not permitted"),
               journalctl=(0, "-- No entries --", "Hint: You are currently not seeing messages from other users "
                           "and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages."),
               systemd_detect_virt=(1, "", "systemd-detect-virt: unrecognized option '--cvm'"))
    result = run_module(guest_info.main, {})
    kernel_log = result["evidence"]["kernel_log"]
    assert kernel_log["status"] == "unchecked"
    assert kernel_log["detail"] == ("dmesg: permission denied (kernel.dmesg_restrict=1 needs root); journal: "
                                    "permission denied (needs root or the adm/systemd-journal group)")
    assert "kernel_log" in result["tdx"]["evidence_unchecked"]
    assert result["evidence"]["detect_virt"]["status"] == "unchecked"


def test_a_full_ring_buffer_needs_no_journal(tmp_path, monkeypatch):
    fake_tools(tmp_path, monkeypatch,
               dmesg=(0, recorded("kvm-guest-no-cvm.dmesg"), ""),
               journalctl=(1, "", "journalctl must not be asked"))
    result = run_module(guest_info.main, {})
    assert result["evidence"]["kernel_log"]["status"] == "missing"
    assert result["evidence"]["kernel_log"]["sources"] == ["dmesg"]
