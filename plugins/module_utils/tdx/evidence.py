# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure functions that read TDX evidence out of text, and the verdict.

Nothing here touches the system: the host layer (``host.py``) gathers text
and file facts, these functions interpret them. Each piece of evidence is a
dict with a ``status`` of ``found``, ``missing`` or ``unchecked`` (could not
look: no privilege, no tool, offline inspection) and a one-line ``detail``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import signs
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.attributes import KERNEL_ATTRIBUTE_ALIASES

FOUND = "found"
MISSING = "missing"
UNCHECKED = "unchecked"

_TDX_SIGNS = tuple((name, re.compile(pattern)) for name, pattern in signs.TDX_KERNEL_LOG_SIGNS)
_OTHER_CVM = tuple(re.compile(pattern) for pattern in signs.OTHER_CVM_KERNEL_LOG_SIGNS)
_ATTRIBUTES_LINE = re.compile(signs.KERNEL_ATTRIBUTES_LINE)
_TD_CTLS_LINE = re.compile(signs.KERNEL_TD_CTLS_LINE)
_BOOT_START = tuple(re.compile(pattern) for pattern in signs.BOOT_START_LOG_LINES)


def evidence(status, detail, **facts):
    """One piece of evidence: status, a one-line detail, and any facts."""
    item = {"status": status, "detail": detail}
    item.update(facts)
    return item


def kernel_attribute_names(text):
    """Bit names of a ``tdx: Attributes:`` line, with kernel spellings unified."""
    return [KERNEL_ATTRIBUTE_ALIASES.get(word, word) for word in text.split()]


def scan_kernel_log(lines):
    """What a kernel log (dmesg or ``journalctl -k`` lines) says about TDX.

    Returns ``signs`` (name -> first line that shows it), ``attributes`` and
    ``td_ctls`` (bit names from the newer kernels' lines, or None),
    ``other_cvm`` (another confidential technology the kernel names, or
    None) and ``boot_start`` (whether the log reaches back to the boot).
    """
    found = {}
    attributes = None
    td_ctls = None
    other_cvm = None
    boot_start = False
    for line in lines:
        line = line.rstrip("\r\n")
        for name, pattern in _TDX_SIGNS:
            if name not in found and pattern.search(line):
                found[name] = line.strip()
        match = _ATTRIBUTES_LINE.search(line)
        if match and attributes is None:
            attributes = kernel_attribute_names(match.group("names"))
        match = _TD_CTLS_LINE.search(line)
        if match and td_ctls is None:
            td_ctls = match.group("names").split()
        if other_cvm is None:
            for pattern in _OTHER_CVM:
                match = pattern.search(line)
                if match:
                    other_cvm = match.group("technology")
                    break
        if not boot_start and any(pattern.search(line) for pattern in _BOOT_START):
            boot_start = True
    return {"signs": found, "attributes": attributes, "td_ctls": td_ctls,
            "other_cvm": other_cvm, "boot_start": boot_start}


def cpu_flags(cpuinfo_text):
    """The CPU flags of /proc/cpuinfo (first processor's ``flags`` line)."""
    for line in cpuinfo_text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return set(value.split())
    return set()


def is_permission_denied(message):
    """Whether a tool's message says it was refused rather than found nothing."""
    lowered = (message or "").lower()
    return any(text in lowered for text in signs.PERMISSION_DENIED_MESSAGES)


def detect_virt_evidence(rc, stdout, stderr):
    """Interpret ``systemd-detect-virt --cvm``: prints ``tdx`` on a TD.

    It exits 1 and prints ``none`` outside a confidential VM; systemd older
    than 254 does not know ``--cvm`` and says so on stderr.
    """
    value = (stdout or "").strip()
    if rc == 0 and value == signs.DETECT_VIRT_TDX:
        return evidence(FOUND, "systemd-detect-virt --cvm: tdx", value=value)
    if value and (rc == 0 or value == "none"):
        return evidence(MISSING, "systemd-detect-virt --cvm: %s" % value, value=value)
    message = " ".join((stderr or stdout or "").split()) or "exit code %s" % rc
    return evidence(UNCHECKED, "systemd-detect-virt --cvm is not available here (%s)" % message, value=None)


def _names(items):
    return ", ".join(signs.EVIDENCE_DESCRIPTIONS.get(name, name) for name in items)


def assess(items, other_cvm=None):
    """The verdict from the evidence items (name -> evidence dict).

    TDX counts as active only on evidence no user-space process can forge:
    the kernel's ``tdx_guest`` CPU flag or a TDREPORT read from the TDX
    module. A kernel log line alone is not enough (any root process can
    write to /dev/kmsg), nor a TDREPORT read from a file.
    """
    found = [name for name in signs.EVIDENCE_NAMES if items.get(name, {}).get("status") == FOUND]
    missing = [name for name in signs.EVIDENCE_NAMES if items.get(name, {}).get("status") == MISSING]
    unchecked = dict((name, items[name]["detail"]) for name in signs.EVIDENCE_NAMES
                     if items.get(name, {}).get("status") == UNCHECKED)
    proof = [name for name in signs.PROOF_EVIDENCE if name in found]
    active = bool(proof)
    if active:
        reason = "TDX guest: %s" % _names(found)
        if missing:
            reason += "; missing: %s" % _names(missing)
    elif other_cvm:
        reason = "not a TDX guest: the kernel reports %s" % other_cvm
    elif found:
        reason = ("not shown to be a TDX guest: %s found, but neither the tdx_guest CPU flag nor a "
                  "TDREPORT from the TDX module confirms it" % _names(found))
    else:
        absent = [name for name in signs.PRIMARY_EVIDENCE if name in missing]
        if "device" in absent and "tdreport" in absent:
            absent.remove("tdreport")  # no device, so no report: one cause, said once
        reason = "not a TDX guest: %s" % (", ".join(signs.MISSING_PHRASES[name] for name in absent)
                                          or "no TDX evidence")
    primary_unchecked = [(name, unchecked[name]) for name in signs.PRIMARY_EVIDENCE if name in unchecked]
    if not active and primary_unchecked:
        reason += "; could not check: %s" % "; ".join(
            "%s (%s)" % (name, detail) for name, detail in primary_unchecked)
    return {"active": active, "reason": reason, "evidence_found": found,
            "evidence_missing": missing, "evidence_unchecked": unchecked}
