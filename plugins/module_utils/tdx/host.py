# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Gather TDX evidence from a running guest or from a tree of its files.

Everything is read relative to ``root``: ``/`` for the live system, or the
mount point of an image or a captured evidence tree for offline inspection.
Commands (dmesg, journalctl, systemd-detect-virt) and the TDREPORT ioctl
only make sense on the live system and are skipped offline, with a reason.
Interpretation lives in ``evidence.py``; this file only reads.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import grp
import os
import pwd
import stat

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import layouts, signs
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_tdreport
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError
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
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.os_errors import errno_name

try:
    import fcntl
except ImportError:  # not Linux: every check below then reports what is missing
    fcntl = None


class EvidenceInputError(ValueError):
    """A file the caller named (kernel_log_file, tdreport_file) cannot be used."""


def _one_line(text):
    return " ".join((text or "").split())


class HostInspector:
    """Reads the evidence of one system.

    ``run`` runs a command given as a tuple of arguments and returns
    ``(rc, stdout, stderr)``, or None when the program is not installed; it
    is None for offline inspection.
    """

    def __init__(self, root="/", run=None):
        self.root = root or "/"
        self.live = os.path.realpath(self.root) == "/"
        self.run = run if self.live else None

    def path(self, relative):
        return os.path.join(self.root, relative)

    def shown(self, relative):
        """The path as it is on the inspected system, for messages."""
        return "/" + relative

    # -- kernel log -----------------------------------------------------------

    def kernel_log(self, kernel_log_file=None):
        if kernel_log_file:
            try:
                with open(kernel_log_file, "r", errors="replace") as handle:
                    lines = handle.read().splitlines()
            except (IOError, OSError) as exc:
                raise EvidenceInputError("kernel_log_file %s cannot be read: %s" % (kernel_log_file, exc.strerror or exc))
            return self._kernel_log_verdict(scan_kernel_log(lines), ["file %s" % kernel_log_file], [], complete=True)
        if not self.live:
            return evidence(UNCHECKED, "offline inspection has no live kernel log; give kernel_log_file",
                            sources=[], lines=[], attributes=None)
        lines = []
        sources = []
        notes = []
        complete = False
        result = self.run(signs.DMESG_COMMAND)
        if result is None:
            notes.append("dmesg is not installed")
        elif result[0] == 0:
            lines.extend(result[1].splitlines())
            sources.append("dmesg")
            complete = scan_kernel_log(lines)["boot_start"]
            if not complete:
                notes.append("the kernel ring buffer no longer reaches back to boot")
        elif is_permission_denied(result[2]):
            notes.append("dmesg: permission denied (kernel.dmesg_restrict=1 needs root)")
        else:
            notes.append("dmesg failed: %s" % _one_line(result[2] or result[1]))
        if not complete:
            result = self.run(signs.JOURNAL_KERNEL_LOG_COMMAND)
            if result is None:
                notes.append("journalctl is not installed")
            elif result[0] == 0 and is_permission_denied(result[2]):
                notes.append("journal: permission denied (needs root or the adm/systemd-journal group)")
            elif result[0] == 0:
                journal = [line for line in result[1].splitlines() if line and not line.startswith("-- ")]
                if journal:
                    lines.extend(journal)
                    sources.append("journal")
                    complete = complete or scan_kernel_log(journal)["boot_start"]
                if not complete:
                    notes.append("the journal holds no kernel messages from the start of this boot")
            elif is_permission_denied(result[2]):
                notes.append("journal: permission denied (needs root or the adm/systemd-journal group)")
            else:
                notes.append("journalctl failed: %s" % _one_line(result[2] or result[1]))
        return self._kernel_log_verdict(scan_kernel_log(lines), sources, notes, complete)

    @staticmethod
    def _kernel_log_verdict(scan, sources, notes, complete):
        facts = dict(sources=sources, lines=list(scan["signs"].values()), attributes=scan["attributes"],
                     td_ctls=scan["td_ctls"], other_cvm=scan["other_cvm"])
        where = " and ".join(sources) or "no source"
        if scan["signs"]:
            return evidence(FOUND, "%s: %s" % (where, "; ".join(sorted(scan["signs"]))), **facts)
        if complete:
            return evidence(MISSING, "no TDX line in the kernel log of this boot (%s)" % where, **facts)
        return evidence(UNCHECKED, "; ".join(notes) or "no kernel log could be read", **facts)

    # -- files ------------------------------------------------------------------

    def read_text(self, relative):
        with open(self.path(relative), "r", errors="replace") as handle:
            return handle.read()

    def kernel_release(self):
        try:
            return self.read_text(signs.KERNEL_RELEASE).strip() or None
        except (IOError, OSError):
            return None

    def boot_id(self):
        try:
            return self.read_text(signs.BOOT_ID).strip() or None
        except (IOError, OSError):
            return None

    def cpu_flag(self):
        try:
            flags = cpu_flags(self.read_text(signs.CPUINFO))
        except (IOError, OSError) as exc:
            return evidence(UNCHECKED, "%s cannot be read: %s" % (self.shown(signs.CPUINFO), exc.strerror or exc))
        if signs.CPU_FLAG in flags:
            return evidence(FOUND, "CPU flag %s is set" % signs.CPU_FLAG)
        return evidence(MISSING, "CPU flag %s is not set" % signs.CPU_FLAG)

    def device(self):
        shown = self.shown(signs.TDX_GUEST_DEVICE)
        try:
            info = os.stat(self.path(signs.TDX_GUEST_DEVICE))
        except FileNotFoundError:
            return evidence(MISSING, "no %s" % shown, path=shown)
        except PermissionError:
            return evidence(UNCHECKED, "%s: permission denied" % shown, path=shown)
        facts = dict(path=shown, owner=_user_name(info.st_uid), group=_group_name(info.st_gid),
                     mode="%04o" % stat.S_IMODE(info.st_mode))
        if not stat.S_ISCHR(info.st_mode):
            return evidence(MISSING, "%s exists but is not a character device" % shown, **facts)
        facts.update(major=os.major(info.st_rdev), minor=os.minor(info.st_rdev))
        if facts["major"] != signs.TDX_GUEST_DEVICE_MAJOR:
            return evidence(MISSING, "%s is character device %d:%d, not a misc device (major %d)"
                            % (shown, facts["major"], facts["minor"], signs.TDX_GUEST_DEVICE_MAJOR), **facts)
        return evidence(FOUND, "%s is a character device %d:%d, %s %s:%s"
                        % (shown, facts["major"], facts["minor"], facts["mode"], facts["owner"], facts["group"]),
                        **facts)

    def configfs_tsm(self):
        shown = self.shown(signs.TSM_REPORT_DIR)
        try:
            entries = sorted(os.listdir(self.path(signs.TSM_REPORT_DIR)))
        except (FileNotFoundError, NotADirectoryError):
            return evidence(MISSING, "no %s (needs Linux 6.7+ with configfs mounted on /sys/kernel/config)" % shown,
                            path=shown, providers=[])
        except PermissionError:
            return evidence(UNCHECKED, "%s: permission denied" % shown, path=shown, providers=[])
        providers = set()
        for entry in entries:
            try:
                providers.add(self.read_text(os.path.join(signs.TSM_REPORT_DIR, entry, "provider")).strip())
            except (IOError, OSError):
                continue  # an entry being removed, or unreadable: the others still tell
        providers.discard("")
        facts = dict(path=shown, providers=sorted(providers))
        if providers and signs.TSM_PROVIDER not in providers:
            served_by = ", ".join(sorted(providers))
            return evidence(MISSING, "%s is served by %s, not %s" % (shown, served_by, signs.TSM_PROVIDER), **facts)
        if providers:
            return evidence(FOUND, "%s, provider %s" % (shown, signs.TSM_PROVIDER), **facts)
        return evidence(FOUND, "%s is present (its provider shows once a report entry exists)" % shown, **facts)

    def ccel_table(self):
        shown = self.shown(signs.CCEL_TABLE)
        if os.path.lexists(self.path(signs.CCEL_TABLE)):
            return evidence(FOUND, "%s is present" % shown, path=shown)
        return evidence(MISSING, "no %s" % shown, path=shown)

    def sysfs_measurements(self):
        shown = self.shown(signs.SYSFS_MEASUREMENTS)
        try:
            names = sorted(os.listdir(self.path(signs.SYSFS_MEASUREMENTS)))
        except (FileNotFoundError, NotADirectoryError):
            return evidence(MISSING, "no %s (Linux 6.16+ exposes it)" % shown, path=shown, values={})
        except PermissionError:
            return evidence(UNCHECKED, "%s: permission denied" % shown, path=shown, values={})
        values = {}
        denied = []
        for name in names:
            try:
                with open(os.path.join(self.path(signs.SYSFS_MEASUREMENTS), name), "rb") as handle:
                    values[name] = handle.read().hex()
            except PermissionError:
                denied.append(name)
            except (IOError, OSError):
                continue
        if denied and not values:
            return evidence(UNCHECKED, "%s: permission denied reading %s" % (shown, ", ".join(denied)),
                            path=shown, values={})
        return evidence(FOUND, "%s: %s" % (shown, ", ".join(sorted(values)) or "empty"), path=shown, values=values)

    def detect_virt(self):
        if not self.live:
            return evidence(UNCHECKED, "offline inspection does not run systemd-detect-virt", value=None)
        result = self.run(signs.DETECT_VIRT_CVM_COMMAND)
        if result is None:
            return evidence(UNCHECKED, "systemd-detect-virt is not installed", value=None)
        return detect_virt_evidence(*result)

    # -- TDREPORT ---------------------------------------------------------------

    def tdreport(self, device, report_data, read=True, tdreport_file=None):
        """(evidence, decoded report or None, where the report came from or None)."""
        if tdreport_file:
            try:
                with open(tdreport_file, "rb") as handle:
                    raw = handle.read()
            except (IOError, OSError) as exc:
                raise EvidenceInputError("tdreport_file %s cannot be read: %s" % (tdreport_file, exc.strerror or exc))
            try:
                report = decode_tdreport(raw)
            except TdxDecodeError as exc:
                raise EvidenceInputError("tdreport_file %s: %s" % (tdreport_file, exc))
            return (evidence(UNCHECKED, "TDREPORT taken from tdreport_file %s, not asked of this host's TDX module"
                             % tdreport_file), report, "file")
        if device["status"] == MISSING:
            return evidence(MISSING, "no TDX guest device to ask: %s" % device["detail"]), None, None
        if not self.live:
            return evidence(UNCHECKED, "offline inspection cannot ask a TD for its report"), None, None
        if not read:
            return evidence(UNCHECKED, "not requested (read_tdreport=false)"), None, None
        if device["status"] != FOUND:
            return evidence(UNCHECKED, "no TDX guest device to ask: %s" % device["detail"]), None, None
        try:
            raw = request_tdreport(self.path(signs.TDX_GUEST_DEVICE), report_data)
        except PermissionError:
            return (evidence(UNCHECKED, "permission denied opening %s (mode %s %s:%s): run as root (become)"
                             % (device["path"], device["mode"], device["owner"], device["group"])), None, None)
        except OSError as exc:
            return evidence(UNCHECKED, describe_ioctl_error(exc)), None, None
        try:
            report = decode_tdreport(raw)
        except TdxDecodeError as exc:
            return evidence(UNCHECKED, "the TDX module's answer is not a TDREPORT: %s" % exc), None, None
        return evidence(FOUND, "TDREPORT read through TDX_CMD_GET_REPORT0"), report, "device"

    # -- everything ---------------------------------------------------------------

    def inspect(self, report_data=None, read_tdreport=True, kernel_log_file=None, tdreport_file=None):
        """All evidence, the verdict and the decoded TDREPORT."""
        if report_data is None:
            report_data = bytes(layouts.REPORT_DATA_SIZE)
        items = dict(
            cpu_flag=self.cpu_flag(),
            kernel_log=self.kernel_log(kernel_log_file),
            device=self.device(),
            configfs_tsm=self.configfs_tsm(),
            ccel_table=self.ccel_table(),
            sysfs_measurements=self.sysfs_measurements(),
            detect_virt=self.detect_virt(),
        )
        items["tdreport"], report, report_source = self.tdreport(items["device"], report_data, read_tdreport,
                                                                 tdreport_file)
        verdict = assess(items, other_cvm=items["kernel_log"].get("other_cvm"))
        verdict["report"] = report
        verdict["report_source"] = report_source
        verdict["debug"] = report["debug"] if report else None
        return {"tdx": verdict, "evidence": items, "kernel_release": self.kernel_release(),
                "boot_id": self.boot_id(), "evidence_root": self.root, "live": self.live}


def request_tdreport(device_path, report_data):
    """Ask the TDX module for a TDREPORT over ``report_data`` (64 bytes)."""
    if fcntl is None:
        raise OSError(errno.ENOSYS, "fcntl is not available on this platform")
    if len(report_data) != layouts.REPORT_DATA_SIZE:
        raise ValueError("report data must be %d bytes" % layouts.REPORT_DATA_SIZE)
    request = bytearray(report_data) + bytearray(layouts.TDREPORT_SIZE)
    fd = os.open(device_path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.ioctl(fd, layouts.TDX_CMD_GET_REPORT0, request, True)
    finally:
        os.close(fd)
    return bytes(request[layouts.REPORT_DATA_SIZE:])


# errno of TDX_CMD_GET_REPORT0 -> what it means (linux drivers/virt/coco/tdx-guest)
IOCTL_ERRORS = {
    errno.ENOTTY: "the tdx_guest driver does not know TDX_CMD_GET_REPORT0 (an older, incompatible driver?)",
    errno.EINVAL: "the TDX module rejected the request as an invalid operand",
    errno.EIO: "the TDX module failed to produce a report",
    errno.EBUSY: "the TDX guest device is busy",
    errno.EINTR: "the request was interrupted",
    errno.ENOMEM: "the kernel ran out of memory",
    errno.EFAULT: "the kernel could not copy the request",
}


def describe_ioctl_error(exc):
    meaning = IOCTL_ERRORS.get(exc.errno, exc.strerror or str(exc))
    return "TDX_CMD_GET_REPORT0 failed with %s: %s" % (errno_name(exc), meaning)


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
