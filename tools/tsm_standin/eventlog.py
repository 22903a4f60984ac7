"""The TDX event log a stand-in host shows, and the RTMRs its quotes carry to match it.

A real TD's firmware extends RTMR0-3 as it boots and logs each extend in the
CCEL area; the quote then signs those RTMRs. The stand-in plays both sides:
every host boots "the same Ubuntu image" (tdx_pki's ubuntu_boot_log) with
the kernel its config names (``kernel_version``; the Compute Engine
emulator names the instance's boot image there, so each image measures a
kernel of its own), its
quotes carry the RTMRs that log replays to (unless td.json overrides them),
and the log and its ACPI table are files in the control folder, which
tools/testhosts binds over the container's /sys/firmware/acpi/tables.

``altered``: the served log gets ``init=/bin/sh`` added to grub's kernel
command line, its digest made to match, so it is well formed and honest
about its text but no longer replays to the quotes' RTMR2, as a host that
lies about how it booted (the refused host of the demo).
"""

import os

from tdx_pki import eventlog as logs

from . import control

TABLES = "acpi-tables"
# 64 KiB: an area size real firmware uses (Google Cloud's is 256 KiB); the rest is 0xFF fill.
AREA_SIZE = 64 * 1024


def boot(folder=None):
    """The host's boot log: Ubuntu's, with the kernel its control folder's config names (else the default)."""
    kernel = control.read_config(folder).get("kernel_version") if folder else None
    return logs.ubuntu_boot_log(kernel) if kernel else logs.ubuntu_boot_log()


def rtmr_overrides(folder=None):
    """The TD body fields of a quote from this boot: rtmr0..rtmr3 as the log replays them."""
    return dict(("rtmr%d" % index, value.hex()) for index, value in enumerate(boot(folder).rtmrs()))


def served(altered=False, folder=None):
    """(CCEL data, CCEL table) as the guest reads them."""
    data = boot(folder).to_bytes(AREA_SIZE)
    if altered:
        data = logs.altered_kernel_cmdline(data)
        data += b"\xff" * (AREA_SIZE - len(data))
    return data, logs.ccel_table(AREA_SIZE)


def tables_dir(folder):
    return os.path.join(folder, TABLES)


def write(folder, altered=False):
    """Write CCEL and data/CCEL under the control folder's acpi-tables (replaced whole: a reader sees one or the other)."""
    data, table = served(altered, folder)
    root = tables_dir(folder)
    os.makedirs(os.path.join(root, "data"), mode=0o755, exist_ok=True)
    for path, content in ((os.path.join(root, "CCEL"), table), (os.path.join(root, "data", "CCEL"), data)):
        with open(path + ".tmp", "wb") as handle:
            handle.write(content)
        os.chmod(path + ".tmp", 0o400)  # as the kernel shows them: root alone reads the tables
        os.replace(path + ".tmp", path)
