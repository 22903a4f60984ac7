# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The facts a TDX event log (CCEL) is read by, as data, each with its source.

Sources named below: the TCG PC Client Platform Firmware Profile (PFP,
version 1.05), the UEFI specification (2.10), the ACPI specification (6.5,
the CCEL table), Intel's TDX Virtual Firmware design guide (TDVF, the MR
index of each RTMR), edk2, grub, shim, systemd and Linux (the events they
write). Nothing here decides anything: eventlog.py and eventlog_events.py do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# --- The log itself (PFP 10.2: the crypto-agile log) -------------------------

# The first record is a legacy TCG_PCClientPCREvent: MR index, type, a
# 20-byte SHA-1 digest, the data size, then the TCG_EfiSpecIDEvent.
LEGACY_HEADER_SIZE = 32
LEGACY_DIGEST_SIZE = 20
SPEC_ID_SIGNATURE = b"Spec ID Event03\x00"
SPEC_ID_FIXED_SIZE = 28  # signature, platform class, versions, uintn size, algorithm count
CRYPTO_AGILE_SPEC_MAJOR = 2

# TPM_ALG_ID (TCG Algorithm Registry): a TDX log has SHA-384 only (TDVF).
TPM_ALG_SHA1 = 0x0004
TPM_ALG_SHA256 = 0x000B
TPM_ALG_SHA384 = 0x000C
TPM_ALG_SHA512 = 0x000D
TPM_ALG_SM3_256 = 0x0012
ALGORITHM_NAMES = {
    TPM_ALG_SHA1: "sha1",
    TPM_ALG_SHA256: "sha256",
    TPM_ALG_SHA384: "sha384",
    TPM_ALG_SHA512: "sha512",
    TPM_ALG_SM3_256: "sm3_256",
}
SHA384_SIZE = 48

# A TCG_PCR_EVENT2 record: MR index, type, digest count, then per digest
# (algorithm, digest), then the data size and the data.
RECORD_FIXED_SIZE = 12
DIGEST_ENTRY_SIZE = 2 + SHA384_SIZE
DATA_SIZE_FIELD = 4

# The log ends at the first record whose MR index and type are both all
# ones (the 0xFF fill of Google Cloud's area) or both zero (firmware that
# fills its area with zeros); see shared/tdx-samples/eventlogs/README.md.
END_MARKERS = {
    (0xFFFFFFFF, 0xFFFFFFFF): "0xFFFFFFFF end marker",
    (0, 0): "zero end marker",
}

# The largest CCEL area seen is 1 MiB; a log 16 times that is not one.
MAX_LOG_SIZE = 16 * 1024 * 1024

# CC measurement register index (UEFI 2.10, EFI_CC_MEASUREMENT_PROTOCOL;
# TDVF section 4.3): 0 is MRTD, which the TDX module builds and no event
# extends; 1 to 4 are RTMR0 to RTMR3.
MRTD_INDEX = 0
RTMR_OF_MR_INDEX = {1: 0, 2: 1, 3: 2, 4: 3}
RTMR_COUNT = 4

# --- Event types (PFP 10.4.1, Table 9) ---------------------------------------

EV_PREBOOT_CERT = 0x00000000
EV_POST_CODE = 0x00000001
EV_NO_ACTION = 0x00000003
EV_SEPARATOR = 0x00000004
EV_ACTION = 0x00000005
EV_EVENT_TAG = 0x00000006
EV_S_CRTM_CONTENTS = 0x00000007
EV_S_CRTM_VERSION = 0x00000008
EV_CPU_MICROCODE = 0x00000009
EV_PLATFORM_CONFIG_FLAGS = 0x0000000A
EV_TABLE_OF_DEVICES = 0x0000000B
EV_COMPACT_HASH = 0x0000000C
EV_IPL = 0x0000000D
EV_IPL_PARTITION_DATA = 0x0000000E
EV_NONHOST_CODE = 0x0000000F
EV_NONHOST_CONFIG = 0x00000010
EV_NONHOST_INFO = 0x00000011
EV_OMIT_BOOT_DEVICE_EVENTS = 0x00000012
EV_POST_CODE2 = 0x00000013
EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001
EV_EFI_VARIABLE_BOOT = 0x80000002
EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003
EV_EFI_BOOT_SERVICES_DRIVER = 0x80000004
EV_EFI_RUNTIME_SERVICES_DRIVER = 0x80000005
EV_EFI_GPT_EVENT = 0x80000006
EV_EFI_ACTION = 0x80000007
EV_EFI_PLATFORM_FIRMWARE_BLOB = 0x80000008
EV_EFI_HANDOFF_TABLES = 0x80000009
EV_EFI_PLATFORM_FIRMWARE_BLOB2 = 0x8000000A
EV_EFI_HANDOFF_TABLES2 = 0x8000000B
EV_EFI_VARIABLE_BOOT2 = 0x8000000C
EV_EFI_HCRTM_EVENT = 0x80000010
EV_EFI_VARIABLE_AUTHORITY = 0x800000E0
EV_EFI_SPDM_FIRMWARE_BLOB = 0x800000E1
EV_EFI_SPDM_FIRMWARE_CONFIG = 0x800000E2
EV_EFI_SPDM_DEVICE_POLICY = 0x800000E3
EV_EFI_SPDM_DEVICE_AUTHORITY = 0x800000E4

EVENT_TYPE_NAMES = {
    EV_PREBOOT_CERT: "EV_PREBOOT_CERT",
    EV_POST_CODE: "EV_POST_CODE",
    0x00000002: "EV_UNUSED",
    EV_NO_ACTION: "EV_NO_ACTION",
    EV_SEPARATOR: "EV_SEPARATOR",
    EV_ACTION: "EV_ACTION",
    EV_EVENT_TAG: "EV_EVENT_TAG",
    EV_S_CRTM_CONTENTS: "EV_S_CRTM_CONTENTS",
    EV_S_CRTM_VERSION: "EV_S_CRTM_VERSION",
    EV_CPU_MICROCODE: "EV_CPU_MICROCODE",
    EV_PLATFORM_CONFIG_FLAGS: "EV_PLATFORM_CONFIG_FLAGS",
    EV_TABLE_OF_DEVICES: "EV_TABLE_OF_DEVICES",
    EV_COMPACT_HASH: "EV_COMPACT_HASH",
    EV_IPL: "EV_IPL",
    EV_IPL_PARTITION_DATA: "EV_IPL_PARTITION_DATA",
    EV_NONHOST_CODE: "EV_NONHOST_CODE",
    EV_NONHOST_CONFIG: "EV_NONHOST_CONFIG",
    EV_NONHOST_INFO: "EV_NONHOST_INFO",
    EV_OMIT_BOOT_DEVICE_EVENTS: "EV_OMIT_BOOT_DEVICE_EVENTS",
    EV_POST_CODE2: "EV_POST_CODE2",
    0x80000000: "EV_EFI_EVENT_BASE",
    EV_EFI_VARIABLE_DRIVER_CONFIG: "EV_EFI_VARIABLE_DRIVER_CONFIG",
    EV_EFI_VARIABLE_BOOT: "EV_EFI_VARIABLE_BOOT",
    EV_EFI_BOOT_SERVICES_APPLICATION: "EV_EFI_BOOT_SERVICES_APPLICATION",
    EV_EFI_BOOT_SERVICES_DRIVER: "EV_EFI_BOOT_SERVICES_DRIVER",
    EV_EFI_RUNTIME_SERVICES_DRIVER: "EV_EFI_RUNTIME_SERVICES_DRIVER",
    EV_EFI_GPT_EVENT: "EV_EFI_GPT_EVENT",
    EV_EFI_ACTION: "EV_EFI_ACTION",
    EV_EFI_PLATFORM_FIRMWARE_BLOB: "EV_EFI_PLATFORM_FIRMWARE_BLOB",
    EV_EFI_HANDOFF_TABLES: "EV_EFI_HANDOFF_TABLES",
    EV_EFI_PLATFORM_FIRMWARE_BLOB2: "EV_EFI_PLATFORM_FIRMWARE_BLOB2",
    EV_EFI_HANDOFF_TABLES2: "EV_EFI_HANDOFF_TABLES2",
    EV_EFI_VARIABLE_BOOT2: "EV_EFI_VARIABLE_BOOT2",
    EV_EFI_HCRTM_EVENT: "EV_EFI_HCRTM_EVENT",
    EV_EFI_VARIABLE_AUTHORITY: "EV_EFI_VARIABLE_AUTHORITY",
    EV_EFI_SPDM_FIRMWARE_BLOB: "EV_EFI_SPDM_FIRMWARE_BLOB",
    EV_EFI_SPDM_FIRMWARE_CONFIG: "EV_EFI_SPDM_FIRMWARE_CONFIG",
    EV_EFI_SPDM_DEVICE_POLICY: "EV_EFI_SPDM_DEVICE_POLICY",
    EV_EFI_SPDM_DEVICE_AUTHORITY: "EV_EFI_SPDM_DEVICE_AUTHORITY",
}

# --- What a digest covers, per event type ------------------------------------
# Checked on every real log of shared/tdx-samples/eventlogs and on
# go-tdx-guest's COS 113 log: these types always carry data whose SHA-384 is
# the digest (PFP 10.4.1 says so for each), so a record of one of them whose
# data does not hash to its digest is refused.
DIGEST_IS_OF_EVENT_DATA = frozenset((
    EV_SEPARATOR,
    EV_EFI_ACTION,
    EV_EFI_GPT_EVENT,
    EV_EFI_VARIABLE_DRIVER_CONFIG,   # the whole UEFI_VARIABLE_DATA (PFP 10.4.4)
    EV_EFI_VARIABLE_AUTHORITY,       # the whole UEFI_VARIABLE_DATA (edk2, shim)
))
# UEFI variable events of these types are measured over the variable's value
# only (edk2 for Boot#### and BootOrder, as on every sample) or, as PFP 1.05
# asks of EV_EFI_VARIABLE_BOOT2, over the whole UEFI_VARIABLE_DATA: the
# digest must be one of the two, and the event says which.
VARIABLE_VALUE_OR_WHOLE = frozenset((EV_EFI_VARIABLE_BOOT, EV_EFI_VARIABLE_BOOT2))
VARIABLE_EVENT_TYPES = frozenset((EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_AUTHORITY,
                                  EV_EFI_VARIABLE_BOOT, EV_EFI_VARIABLE_BOOT2))
IMAGE_LOAD_EVENT_TYPES = frozenset((
    EV_EFI_BOOT_SERVICES_APPLICATION, EV_EFI_BOOT_SERVICES_DRIVER, EV_EFI_RUNTIME_SERVICES_DRIVER))

# grub's EV_IPL text events (grub-core/commands/tpm.c, and the same prefixes
# in the distributions' patches): the digest is SHA-384 of the text after the
# prefix, without the NUL that ends the event data.
GRUB_TEXT_PREFIXES = {
    b"grub_cmd: ": "grub command",
    b"kernel_cmdline: ": "kernel command line (grub)",
    b"module_cmdline: ": "module command line (grub)",
}
# The grub commands that load what the next file event measures.
GRUB_KERNEL_COMMANDS = frozenset(("linux", "linuxefi", "linux16"))
GRUB_INITRD_COMMANDS = frozenset(("initrd", "initrdefi", "initrd16"))

# shim's EV_IPL events name a MOK variable whose contents the digest covers
# (shim mok.c, measure_mok_variables): the text is a label.
SHIM_IPL_VARIABLES = frozenset(("MokList", "MokListX", "MokListTrusted", "MokListRT", "MokListXRT", "SbatLevel"))

# systemd-stub (src/boot/efi/stub.c, systemd 253 and newer) measures each
# section of a unified kernel image as two EV_IPL events whose data is the
# section name in UTF-16: the first's digest is SHA-384 of the name in ASCII
# with its NUL, the second's is of the section's contents.
UKI_SECTION_MEANINGS = {
    ".linux": "kernel",
    ".initrd": "initrd",
    ".cmdline": "kernel command line",
    ".osrel": "os-release",
    ".uname": "kernel version",
    ".sbat": "SBAT data",
    ".splash": "boot splash image",
    ".dtb": "device tree",
    ".dtbauto": "device tree",
    ".ucode": "CPU microcode",
    ".pcrsig": "PCR signature",
    ".pcrpkey": "PCR public key",
    ".profile": "UKI profile",
    ".hwids": "hardware IDs",
    ".efifw": "firmware",
}

# The Linux EFI stub's EV_EVENT_TAG events (drivers/firmware/efi/libstub/
# efi-stub-helper.c): the data is a TCG_PCClientTaggedEvent carrying a label,
# the digest is of the command line or the initrd, never of the label.
LINUX_EVENT_TAGS = {
    0x8F3B22EC: "initrd",
    0x8F3B22ED: "kernel command line",
}

# SP800-155 reference-measurement events (PFP 10.4.5, EV_NO_ACTION): their
# signatures, and the RIM locator types of Event3.
SP800_155_SIGNATURES = (b"SP800-155 Event3", b"SP800-155 Event2", b"SP800-155 Event\x00")
SP800_155_LOCATOR_TYPES = {0: "none", 1: "URI", 2: "device path", 3: "UEFI variable"}
# Other EV_NO_ACTION events known by their leading signature (PFP 10.4.5).
NO_ACTION_SIGNATURES = {
    b"StartupLocality\x00": "TPM startup locality",
    b"NvIndexInstance\x00": "NV index instance",
    b"NvIndexDynamic\x00\x00": "NV index dynamic",
}

# --- UEFI GUIDs (UEFI 2.10 unless said) --------------------------------------

EFI_GLOBAL_VARIABLE = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
EFI_IMAGE_SECURITY_DATABASE = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
SHIM_LOCK_GUID = "605dab50-e046-4300-abb6-3dd810dd8b23"  # shim
GUID_NAMES = {
    EFI_GLOBAL_VARIABLE: "EFI global variable",
    EFI_IMAGE_SECURITY_DATABASE: "EFI image security database",
    SHIM_LOCK_GUID: "shim",
    # edk2 OvmfPkg/Include/Guid/QemuKernelLoaderFsMedia.h: QEMU's -kernel
    "1428f772-b64a-441e-b8c3-9ebdd7f893c7": "QEMU kernel loader",
    # systemd src/boot/efi/linux.c STUB_PAYLOAD_GUID: the .linux of a UKI
    "55c5d1f8-04cd-46b5-8a20-e56cbb3052d0": "systemd-stub payload",
    "77fa9abd-0359-4d32-bd60-28f4e78f784b": "Microsoft",
}
# Device-path vendor media GUIDs that say what the loaded image is.
IMAGE_MEANING_BY_VENDOR_MEDIA = {
    "1428f772-b64a-441e-b8c3-9ebdd7f893c7": "kernel (QEMU direct boot)",
    "55c5d1f8-04cd-46b5-8a20-e56cbb3052d0": "kernel (from a unified kernel image, systemd-stub)",
}
# EFI_SIGNATURE_LIST types (UEFI 2.10, 32.4.1).
SIGNATURE_TYPE_NAMES = {
    "a5c059a1-94e4-4aa7-87b5-ab155c2bf072": "x509",
    "c1c41626-504c-4092-aca9-41f936934328": "sha256",
    "826ca512-cf10-4ac9-b187-be01496631bd": "sha1",
    "0b6e5233-a65c-44c9-9407-d9ab83bfc8bd": "sha224",
    "ff3e5307-9fd0-48c9-85f1-8ad56c701e01": "sha384",
    "093e0fae-a6c4-4f50-9f1b-d41e2b89c19a": "sha512",
    "3c5766e8-269c-4e34-aa14-ed776e85b3b6": "rsa2048",
    "3bd2a492-96c0-4079-b420-fcf98ef103ed": "x509_sha256",
    "7076876e-80c2-4ee6-aad2-28b349a6865b": "x509_sha384",
    "446dbf63-2502-4cda-bcfa-2465d2b0fe9d": "x509_sha512",
}
# The Secure Boot variables, by vendor (UEFI 2.10, 3.3 and 32.6).
SECURE_BOOT_VARIABLES = {
    (EFI_GLOBAL_VARIABLE, "SecureBoot"): "Secure Boot state",
    (EFI_GLOBAL_VARIABLE, "PK"): "Secure Boot platform key",
    (EFI_GLOBAL_VARIABLE, "KEK"): "Secure Boot key exchange keys",
    (EFI_IMAGE_SECURITY_DATABASE, "db"): "Secure Boot allowed signatures",
    (EFI_IMAGE_SECURITY_DATABASE, "dbx"): "Secure Boot forbidden signatures",
    (EFI_IMAGE_SECURITY_DATABASE, "dbt"): "Secure Boot timestamp signatures",
    (EFI_IMAGE_SECURITY_DATABASE, "dbr"): "Secure Boot recovery signatures",
}
SIGNATURE_LIST_VARIABLES = frozenset(("PK", "KEK", "db", "dbx", "dbt", "dbr", "MokList", "MokListX"))

# --- The CCEL ACPI table (ACPI 6.5, 5.2.34) ----------------------------------

CCEL_SIGNATURE = b"CCEL"
CCEL_TABLE_SIZE = 56
CC_TYPES = {1: "AMD SEV", 2: "Intel TDX"}
CC_TYPE_TDX = 2
