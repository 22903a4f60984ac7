# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a Linux TDX guest shows that it is one, as data.

Kernel log patterns, file paths and command lines that guest_info looks at.
Sources are named beside each entry; when the kernel changes a message, this
is the one file to edit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# Kernel log lines of a TDX guest: name -> regular expression (searched in
# each line, so dmesg timestamps and journal prefixes do not matter).
TDX_KERNEL_LOG_SIGNS = (
    # arch/x86/coco/tdx/tdx.c, since Linux 5.19 (pr_fmt "tdx: ")
    ("guest_detected", r"\btdx: Guest detected\b"),
    # arch/x86/mm/mem_encrypt.c; Google's image tests also accept the short form
    ("memory_encryption", r"Memory Encryption Features active: (?:Intel )?TDX\b"),
    # canonical/tdx "Verify TD"
    ("tdx_idle_routine", r"\bprocess: using TDX aware idle routine\b"),
    # systemd src/basic/confidential-virt.c (logged to kmsg early in boot)
    ("systemd_confidential_virt", r"\bDetected confidential virtualization tdx\b"),
)

# The TD attributes line of newer kernels (arch/x86/coco/tdx/debug.c):
# space-separated bit names, ``unknown:0x...`` for the rest.
KERNEL_ATTRIBUTES_LINE = r"\btdx: Attributes:(?P<names>.*)$"
KERNEL_TD_CTLS_LINE = r"\btdx: TD_CTLS:(?P<names>.*)$"

# Lines that name another confidential-computing technology: they turn "no
# TDX" into a precise reason ("this is an AMD SEV-SNP guest").
OTHER_CVM_KERNEL_LOG_SIGNS = (
    r"Memory Encryption Features active: (?!(?:Intel )?TDX\b)(?P<technology>.+?)\s*$",
    r"\bDetected confidential virtualization (?!tdx\b)(?P<technology>[\w-]+)",
)

# The first lines of a boot: when neither is in the ring buffer, it has
# rotated and boot-time lines may be gone.
BOOT_START_LOG_LINES = (r"\bLinux version \d", r"\bCommand line: ")

# Messages of tools that were refused the kernel log.
PERMISSION_DENIED_MESSAGES = (
    "operation not permitted",
    "permission denied",
    # journalctl run by a user outside the adm/systemd-journal groups
    "you are currently not seeing messages from other users and the system",
)

CPU_FLAG = "tdx_guest"

# Paths relative to the root of the inspected system.
CPUINFO = "proc/cpuinfo"
KERNEL_RELEASE = "proc/sys/kernel/osrelease"
BOOT_ID = "proc/sys/kernel/random/boot_id"  # new at every boot of the kernel
TDX_GUEST_DEVICE = "dev/tdx_guest"
TDX_GUEST_DEVICE_MAJOR = 10  # a misc character device
TSM_REPORT_DIR = "sys/kernel/config/tsm/report"
TSM_PROVIDER = "tdx_guest"
CCEL_TABLE = "sys/firmware/acpi/tables/CCEL"
SYSFS_MEASUREMENTS = "sys/devices/virtual/misc/tdx_guest/measurements"

# Commands, run only when inspecting the live system.
DMESG_COMMAND = ("dmesg",)
JOURNAL_KERNEL_LOG_COMMAND = ("journalctl", "--dmesg", "--boot", "--no-pager", "--quiet", "--output", "short-monotonic")
DETECT_VIRT_CVM_COMMAND = ("systemd-detect-virt", "--cvm")
DETECT_VIRT_TDX = "tdx"

# Evidence names, in the order they are reported. The first two are what
# only a TD can show; the others support them.
EVIDENCE_NAMES = (
    "cpu_flag",
    "tdreport",
    "kernel_log",
    "device",
    "configfs_tsm",
    "ccel_table",
    "sysfs_measurements",
    "detect_virt",
)
PROOF_EVIDENCE = ("cpu_flag", "tdreport")
# The evidence a verdict's reason talks about; the rest only adds detail.
PRIMARY_EVIDENCE = ("cpu_flag", "kernel_log", "device", "tdreport")

EVIDENCE_DESCRIPTIONS = {
    "cpu_flag": "CPU flag tdx_guest in /proc/cpuinfo",
    "tdreport": "TDREPORT from /dev/tdx_guest",
    "kernel_log": "TDX lines in the kernel log",
    "device": "/dev/tdx_guest character device",
    "configfs_tsm": "configfs-tsm report interface",
    "ccel_table": "ACPI CCEL event log table",
    "sysfs_measurements": "TDX measurements in sysfs",
    "detect_virt": "systemd-detect-virt --cvm says tdx",
}

# How a reason says that a piece of primary evidence is missing.
MISSING_PHRASES = {
    "cpu_flag": "no tdx_guest CPU flag",
    "kernel_log": "no TDX line in the kernel log",
    "device": "no /dev/tdx_guest device",
    "tdreport": "no TDREPORT",
}
