# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The boot component each event of a replayed event log measures, by a name a policy can pin.

Event names (eventlog_events.py) carry what changes from boot to boot of the
same software: a grub kernel event is named for its path
(``kernel /boot/vmlinuz-6.8.0-1015-gcp (grub)``), a boot application for its
device path. A policy pins components instead, by names that stay the same
across such changes: ``kernel``, ``initrd``, ``kernel_cmdline``, ``shim``,
``grub``, ``grub_config``, ``secure_boot`` and the Secure Boot databases.
Events of no component (separators, EFI actions, grub's other commands,
boot variables, firmware volumes) are pinned by the replay alone: the log
must reproduce the quote's RTMRs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_spec as spec

# Component -> what it is, for the documentation and the policy's error messages; in boot order.
COMPONENTS = {
    "secure_boot": "the SecureBoot variable (Secure Boot on or off)",
    "secure_boot_pk": "the Secure Boot platform key (PK)",
    "secure_boot_kek": "the Secure Boot key exchange keys (KEK)",
    "secure_boot_db": "the Secure Boot allowed signature database (db)",
    "secure_boot_dbx": "the Secure Boot forbidden signature database (dbx)",
    "shim": "the first boot application read from disk, when shim's MOK events follow (shim)",
    "bootloader": "the first boot application read from disk, when it is not shim (a UKI, systemd-boot)",
    "grub": "grub's EFI image (a boot application named grub*.efi)",
    "grub_config": "grub's configuration file (grub.cfg), as grub measured it",
    "kernel": "the Linux kernel (grub's, the UKI's .linux section, or QEMU's direct boot)",
    "initrd": "the initial RAM disk",
    "kernel_cmdline": "the kernel command line",
}

_SECURE_BOOT_VARIABLES = {"SecureBoot": "secure_boot", "PK": "secure_boot_pk", "KEK": "secure_boot_kek",
                          "db": "secure_boot_db", "dbx": "secure_boot_dbx"}


def _file_name(event):
    path = event.details.get("device_path") or event.text or ""
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower()


def _first_disk_application(events):
    for event in events:
        if event.event_type == spec.EV_EFI_BOOT_SERVICES_APPLICATION and (event.name or "").startswith(
                "boot application "):
            return event
    return None


def _named(event):
    name = event.name or ""
    if event.event_type == spec.EV_EFI_VARIABLE_DRIVER_CONFIG:
        return _SECURE_BOOT_VARIABLES.get(event.details.get("variable"))
    if name.startswith("kernel command line"):
        return "kernel_cmdline"
    if name.startswith("initrd"):
        return "initrd"
    if name.startswith(("kernel ", "kernel (")) and not name.startswith("kernel version"):
        return "kernel"
    if event.event_type == spec.EV_EFI_BOOT_SERVICES_APPLICATION and _file_name(event).startswith("grub"):
        return "grub"
    if name.startswith("file ") and name.endswith(" (grub)") and _file_name(event) == "grub.cfg":
        return "grub_config"
    return None


def components_of(events):
    """The component of each event (None for most), in the order of ``events``."""
    first = _first_disk_application(events)
    shim = any((event.name or "").startswith("MOK variable") for event in events)
    found = []
    for event in events:
        if not event.extended:
            found.append(None)
        elif event is first and not _file_name(event).startswith("grub"):
            found.append("shim" if shim else "bootloader")
        else:
            found.append(_named(event))
    return found
