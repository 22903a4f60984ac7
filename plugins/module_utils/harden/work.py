# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What each running control still has to do on a host, from what harden_state read.

Everything the role's tasks loop over or switch on is decided here, so a
compliant host costs no per-item work: units to change, live kernel values
that drift from the files, files to fix, lines fstab and nftables.conf
lack, and the notes on what the role cannot change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.confidential.tdx.plugins.module_utils.harden import file_modes
from ansible_collections.confidential.tdx.plugins.module_utils.harden.units import unit_changes
from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import text, truth, unique


def runs_ready(plan, control):
    return plan[control]["run"] and plan[control]["ready"]


def missing_dirs(control_dirs, plan, paths):
    """The drop-in directories of running controls that do not exist yet, each once."""
    missing = []
    for control, dirs in control_dirs.items():
        if not runs_ready(plan, control):
            continue
        for path in dirs:
            if not (paths.get(path) or {}).get("exists", False) and path not in missing:
                missing.append(path)
    return missing


def swap_work(swap, keep_encrypted):
    """(areas to turn off, fstab lines to comment out, notes): everything, unless encrypted swap may stay."""
    keep = truth(keep_encrypted)
    off, notes = [], []
    for area in swap.get("active") or []:
        if keep and area["encrypted"]:
            notes.append("kept encrypted swap %s" % area["name"])
        else:
            off.append(area["name"])
    lines = [entry["line"] for entry in swap.get("fstab") or [] if not (keep and entry["encrypted"])]
    return off, lines, notes


def sysctl_drift(wanted, live):
    """(keys whose live value differs, keys this kernel lacks). Values compare with whitespace collapsed."""
    drift, unsupported = [], []
    for key, value in wanted.items():
        current = live.get(key)
        if current is None:
            unsupported.append(key)
        elif current != " ".join(text(value).split()):
            drift.append(key)
    return drift, unsupported


def shm_fstab_line(fstab_text, options):
    """The /dev/shm line of fstab: the first one in force keeps its options and gains the role's."""
    for line in fstab_text.splitlines():
        fields = line.split()
        if len(fields) >= 4 and not fields[0].startswith("#") and fields[1] == "/dev/shm":
            padded = fields + ["0", "0"]
            return " ".join([fields[0], "/dev/shm", fields[2], ",".join(unique(fields[3].split(",") + list(options))),
                             padded[4], padded[5]])
    return "tmpfs /dev/shm tmpfs %s 0 0" % ",".join(["defaults"] + list(options))


def shm_options_missing(mount, options):
    """Options /dev/shm is mounted without now (none when nothing is mounted there)."""
    if not mount:
        return []
    return [option for option in options if option not in mount["options"]]


def audit_keys_missing(loaded_rules, keys):
    """The role's audit keys the kernel's loaded rules lack (auditctl -l shows -k KEY or key=KEY)."""
    loaded = "\n".join(loaded_rules)
    return [key for key in keys if ("-k " + key) not in loaded and ("key=" + key) not in loaded]


def tdx_device_stale(device, group):
    """Whether /dev/tdx_guest exists with another owner, group or mode than the udev rule gives it."""
    return bool(device.get("exists")) and (device.get("owner") != "root" or device.get("group") != (group or "root")
                                           or device.get("mode") != "0660")


def apparmor_notes(apparmor):
    if not apparmor:
        return []
    notes = []
    if not apparmor.get("enabled"):
        notes.append("the kernel runs without AppArmor; boot with apparmor=1 security=apparmor")
    complain = [name for name, mode in (apparmor.get("profiles") or {}).items() if mode == "complain"]
    if complain:
        notes.append("profiles in complain mode, not enforcing: %s" % ", ".join(complain))
    return notes


def plan_work(values, plan, state, units, checking, cmdline):
    """The work of every control: see the module docstring. ``units`` are the freshest unit states."""
    paths = state.get("paths") or {}
    files = state.get("files") or {}
    role_paths = values["_harden_paths"]
    notes = dict((control, []) for control in plan)
    work = {"notes": notes, "units": {}}
    for control, wanted in values["_harden_units_wanted"].items():
        work["units"][control] = unit_changes(wanted, units, checking) if runs_ready(plan, control) else []
    work["missing_dirs"] = missing_dirs(values["_harden_control_dirs"], plan, paths)

    work["swap_off"], work["swap_fstab_lines"], swap_notes = swap_work(
        state.get("swap") or {}, values["harden_swap_keep_encrypted"])
    notes["swap"].extend(swap_notes)

    for control, wanted in (("sysctl", values["_harden_sysctl_wanted"]),
                            ("core_dumps", values["_harden_core_dump_sysctls"])):
        drift, unsupported = sysctl_drift(wanted, state.get("sysctl") or {})
        if unsupported and plan[control]["kernel"]:
            notes[control].append("this kernel has no %s (left in the file for kernels that have them)"
                                  % ", ".join(unsupported))
        work[control + "_drift"] = drift

    work["file_fixes"] = file_modes.file_fixes(values["harden_file_permissions_list"], paths)

    fstab_text = files.get(role_paths["fstab"]) or ""
    options = values["harden_shm_mount_options"]
    work["shm_fstab_line"] = shm_fstab_line(fstab_text, options)
    work["shm_fstab_stale"] = work["shm_fstab_line"] not in fstab_text.splitlines()
    work["shm_remount"] = bool(shm_options_missing((state.get("mounts") or {}).get("/dev/shm"), options))

    work["nft_include_line"] = 'include "%s"' % role_paths["nft_rules"]
    work["nft_include_stale"] = work["nft_include_line"] not in (files.get(role_paths["nft_main"]) or "").splitlines()
    tables = (state.get("nft") or {}).get("tables") or {}
    work["nft_load"] = not tables.get("inet " + values["_harden_nft_table"], False)

    work["audit_load"] = bool(audit_keys_missing((state.get("audit") or {}).get("rules") or [],
                                                 values["_harden_audit_keys"]))
    work["audit_commands"] = [path for path in values["harden_auditd_privileged_commands"]
                              if (paths.get(path) or {}).get("exists")]

    device = paths.get("/dev/tdx_guest") or {"exists": False}
    work["tdx_trigger"] = tdx_device_stale(device, values["harden_tdx_guest_group"])
    if not device.get("exists") and plan["tdx_guest_device"]["kernel"]:
        notes["tdx_guest_device"].append("no /dev/tdx_guest on this host (not a TD, or the tdx_guest module is not "
                                         "loaded); the rule applies when it appears")

    if "crashkernel" in (cmdline or {}):
        notes["kdump"].append("crashkernel= is on the kernel command line and still reserves memory until it is "
                              "removed and the host reboots")
    notes["apparmor"].extend(apparmor_notes(state.get("apparmor")))
    return work


def sha1_of(content):
    return hashlib.sha1(content.encode("utf-8")).hexdigest()


def stale_files(managed_files, plan, state, render):
    """Managed file path -> whether the host's copy differs from what the role writes (content, mode, owner, group).

    Only the files of running controls; ``render(src)`` gives a template's text as the role would write it.
    """
    paths = state.get("paths") or {}
    checksums = state.get("checksums") or {}
    stale = {}
    for managed in managed_files:
        if not runs_ready(plan, managed["control"]):
            continue
        info = paths.get(managed["path"]) or {"exists": False}
        stale[managed["path"]] = (checksums.get(managed["path"]) != sha1_of(render(managed["src"]))
                                  or info.get("mode", "") != managed["mode"]
                                  or info.get("owner", "") != "root" or info.get("group", "") != "root")
    return stale


WORK_VARIABLES = (
    "_harden_paths", "_harden_units_wanted", "_harden_control_dirs", "harden_swap_keep_encrypted",
    "_harden_sysctl_wanted", "_harden_core_dump_sysctls", "harden_file_permissions_list", "harden_shm_mount_options",
    "_harden_nft_table", "_harden_audit_keys", "harden_auditd_privileged_commands", "harden_tdx_guest_group",
    "_harden_managed_files", "_harden_controls",
)


def control_has_work(name, entry, planned, values):
    """Whether any task of a running control may act on this host: a superset of its tasks' conditions.

    A group (task file) none of whose controls has work is not included at
    all, which is what makes a rerun on a compliant host cheap.
    """
    if not entry["run"]:
        return False
    paths = values["_harden_paths"]
    units = planned["units"]

    def stale(*keys):
        return any(planned["stale"].get(paths[key], True) for key in keys)
    kernel = entry["kernel"]
    decisions = {
        "swap": lambda: bool(planned["swap_off"] or planned["swap_fstab_lines"]),
        "kdump": lambda: bool(units.get("kdump")),
        "core_dumps": lambda: (stale("sysctl_core_dumps", "limits_core_dumps", "coredump_conf", "system_conf")
                               or (kernel and bool(planned["core_dumps_drift"])) or bool(units.get("core_dumps"))),
        "serial_getty": lambda: bool(units.get("serial_getty")),
        # The attestation group is created (or found) by a module run: always work when one is named.
        "tdx_guest_device": lambda: (bool(values["harden_tdx_guest_group"]) or stale("udev_tdx_guest")
                                     or (kernel and planned["tdx_trigger"])),
        "sysctl": lambda: stale("sysctl") or (kernel and bool(planned["sysctl_drift"])),
        "module_blacklist": lambda: stale("modprobe_blacklist"),
        # What sshd -T uses is compared with the settings on every run.
        "sshd": lambda: True,
        "unattended_upgrades": lambda: stale("apt_conf") or bool(units.get("unattended_upgrades")),
        "auditd": lambda: stale("audit_rules") or bool(units.get("auditd")) or (kernel and planned["audit_load"]),
        "apparmor": lambda: bool(units.get("apparmor")),
        "login_defs": lambda: stale("login_defs"),
        "file_permissions": lambda: bool(planned["file_fixes"]),
        "shm_mount": lambda: planned["shm_fstab_stale"] or planned["shm_remount"],
        "firewall": lambda: (stale("nft_rules") or planned["nft_include_stale"] or bool(units.get("firewall"))
                             or planned["nft_load"]),
    }
    return bool(decisions.get(name, lambda: True)())


def groups_with_work(controls, plan, planned, values):
    """Group (task file) -> whether any of its controls has work (see control_has_work)."""
    groups = {}
    for control in controls:
        busy = control_has_work(control["name"], plan[control["name"]], planned, values)
        groups[control["group"]] = groups.get(control["group"], False) or busy
    return groups
