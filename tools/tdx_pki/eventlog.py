"""TDX event logs (CCEL data) for tests, built from the specifications.

A test double like the rest of tdx_pki: it keeps its own copy of the layouts
(TCG PC Client Platform Firmware Profile 1.05 for the crypto-agile log and
its event types; UEFI 2.10 for variables, device paths and signature lists;
ACPI 6.5 for the CCEL table; grub, systemd-stub and the Linux EFI stub for
the texts they measure) and never imports the collection, so a reader that
agreed with a mistake in the collection's tables would still be caught.

- :class:`EventLogBuilder` writes a log record by record, with helpers for
  the events real boots write, and replays it itself (``rtmrs()``).
- :func:`split_log` and :class:`Record` cut a real log into records so a
  test can change one (a digest, an MR index, the data, the order) and
  :func:`join_log` puts it back together.
- :func:`ccel_table` writes the ACPI table that goes with a log area.
"""

import hashlib
import struct
from dataclasses import dataclass
from typing import List, Tuple

SHA384 = 0x000C
SHA256 = 0x000B
SHA384_SIZE = 48

# PFP 1.05 table 9.
EV_NO_ACTION = 0x00000003
EV_SEPARATOR = 0x00000004
EV_EVENT_TAG = 0x00000006
EV_PLATFORM_CONFIG_FLAGS = 0x0000000A
EV_IPL = 0x0000000D
EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001
EV_EFI_VARIABLE_BOOT = 0x80000002
EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003
EV_EFI_GPT_EVENT = 0x80000006
EV_EFI_ACTION = 0x80000007
EV_EFI_PLATFORM_FIRMWARE_BLOB2 = 0x8000000A
EV_EFI_HANDOFF_TABLES2 = 0x8000000B
EV_EFI_VARIABLE_AUTHORITY = 0x800000E0

# CC measurement register index: 1-4 are RTMR0-3 (TDVF); 0 is MRTD.
RTMR0, RTMR1, RTMR2, RTMR3 = 1, 2, 3, 4

EFI_GLOBAL_VARIABLE = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
EFI_IMAGE_SECURITY_DATABASE = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
EFI_CERT_X509 = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
EFI_CERT_SHA256 = "c1c41626-504c-4092-aca9-41f936934328"
SHIM_LOCK = "605dab50-e046-4300-abb6-3dd810dd8b23"
QEMU_KERNEL_LOADER = "1428f772-b64a-441e-b8c3-9ebdd7f893c7"
LINUX_INITRD_TAG = 0x8F3B22EC
LINUX_LOAD_OPTIONS_TAG = 0x8F3B22ED
TEST_OWNER = "11111111-2222-3333-4444-555555555555"


def sha384(data):
    return hashlib.sha384(data).digest()


def guid_bytes(text):
    """A GUID's 16 bytes: the first three fields little-endian (UEFI 2.10 appendix A)."""
    parts = text.split("-")
    return (struct.pack("<IHH", int(parts[0], 16), int(parts[1], 16), int(parts[2], 16))
            + bytes.fromhex(parts[3] + parts[4]))


def ucs2(text, nul=True):
    return (text + ("\x00" if nul else "")).encode("utf-16-le")


@dataclass
class Record:
    """One TCG_PCR_EVENT2: MR index, type, (algorithm, digest) pairs, data."""

    mr_index: int
    event_type: int
    digests: List[Tuple[int, bytes]]
    data: bytes

    @property
    def digest(self):
        return self.digests[0][1]

    def with_(self, **changes):
        values = {"mr_index": self.mr_index, "event_type": self.event_type, "digests": list(self.digests),
                  "data": self.data}
        if "digest" in changes:
            values["digests"] = [(SHA384, changes.pop("digest"))]
        values.update(changes)
        return Record(**values)

    def to_bytes(self):
        out = struct.pack("<III", self.mr_index, self.event_type, len(self.digests))
        for algorithm, digest in self.digests:
            out += struct.pack("<H", algorithm) + digest
        return out + struct.pack("<I", len(self.data)) + self.data


def spec_id_header(mr_index=1, algorithms=((SHA384, SHA384_SIZE),), signature=b"Spec ID Event03\x00"):
    """The legacy TCG_PCClientPCREvent carrying TCG_EfiSpecIDEvent, as TDVF writes it (MR index 1)."""
    body = signature + struct.pack("<IBBBBI", 0, 0, 2, 0, 2, len(algorithms))
    body += b"".join(struct.pack("<HH", algorithm, size) for algorithm, size in algorithms) + b"\x00"
    return struct.pack("<II", mr_index, EV_NO_ACTION) + bytes(20) + struct.pack("<I", len(body)) + body


def replay(records):
    """RTMR0-3 from the extends of ``records`` (EV_NO_ACTION skipped), each from 48 zero bytes."""
    registers = [bytes(SHA384_SIZE)] * 4
    for record in records:
        if record.event_type == EV_NO_ACTION or not 1 <= record.mr_index <= 4:
            continue
        index = record.mr_index - 1
        registers[index] = sha384(registers[index] + record.digest)
    return registers


def join_log(header, records, area_size=None, fill=b"\xff", end_marker=True):
    """Header, records, then (when ``end_marker``) fill up to ``area_size`` bytes; the fill is the end marker."""
    out = header + b"".join(record.to_bytes() for record in records)
    if area_size is None:
        return out + (fill * 8 if end_marker else b"")
    if len(out) > area_size:
        raise ValueError("the log (%d bytes) does not fit an area of %d" % (len(out), area_size))
    return out + fill * (area_size - len(out))


def split_log(raw):
    """(header bytes, [Record], offset of the end) of a SHA-384 CCEL log, read from the specification."""
    size = struct.unpack_from("<I", raw, 28)[0]
    offset = 32 + size
    header = raw[:offset]
    records = []
    while offset + 8 <= len(raw):
        mr_index, event_type = struct.unpack_from("<II", raw, offset)
        if (mr_index, event_type) in ((0xFFFFFFFF, 0xFFFFFFFF), (0, 0)):
            break
        count = struct.unpack_from("<I", raw, offset + 8)[0]
        position = offset + 12
        digests = []
        for _ in range(count):
            algorithm = struct.unpack_from("<H", raw, position)[0]
            digests.append((algorithm, raw[position + 2:position + 2 + SHA384_SIZE]))
            position += 2 + SHA384_SIZE
        data_size = struct.unpack_from("<I", raw, position)[0]
        records.append(Record(mr_index, event_type, digests, raw[position + 4:position + 4 + data_size]))
        offset = position + 4 + data_size
    return header, records, offset


def record_offsets(header, records):
    """The byte offset of each record in a joined log."""
    offsets = []
    offset = len(header)
    for record in records:
        offsets.append(offset)
        offset += len(record.to_bytes())
    return offsets


def ccel_table(area_size, area_start=0x7E000000, cc_type=2, oem_id=b"TDXPKI", length=None, fix_checksum=True):
    """The 56-byte CCEL ACPI table (ACPI 6.5, 5.2.34) for a log area."""
    length = 56 if length is None else length
    table = bytearray(b"CCEL" + struct.pack("<IBB", length, 1, 0) + oem_id.ljust(6)[:6] + b"TESTCCEL"
                      + struct.pack("<I", 1) + b"TPKI" + struct.pack("<I", 1)
                      + struct.pack("<BBH", cc_type, 0, 0) + struct.pack("<QQ", area_size, area_start))
    table += bytes(max(0, length - len(table)))
    if fix_checksum:
        table[9] = (-sum(table)) % 256
    return bytes(table)


# --- UEFI structures --------------------------------------------------------------

def variable_data(vendor, name, value):
    """UEFI_VARIABLE_DATA (PFP 10.2.3): GUID, name length in characters, value length, name, value."""
    return guid_bytes(vendor) + struct.pack("<QQ", len(name), len(value)) + ucs2(name, nul=False) + value


def signature_list(kind, entries, owner=TEST_OWNER):
    """One EFI_SIGNATURE_LIST of same-sized entries (UEFI 2.10, 32.4.1)."""
    size = 16 + len(entries[0])
    body = b"".join(guid_bytes(owner) + entry for entry in entries)
    return guid_bytes(kind) + struct.pack("<III", 28 + len(body), 0, size) + body


def file_path_node(path):
    body = ucs2(path)
    return struct.pack("<BBH", 4, 4, 4 + len(body)) + body


def vendor_media_node(guid):
    return struct.pack("<BBH", 4, 3, 20) + guid_bytes(guid)


END_NODE = struct.pack("<BBH", 0x7F, 0xFF, 4)


def image_load_event(device_path, image_size=0x100000):
    """UEFI_IMAGE_LOAD_EVENT: location, length, link-time address, device path length, device path."""
    return struct.pack("<QQQQ", 0x7E000000, image_size, 0, len(device_path)) + device_path


def described(text):
    """The size-prefixed, NUL-ended description of UEFI_PLATFORM_FIRMWARE_BLOB2 and UEFI_HANDOFF_TABLE_POINTERS2."""
    return bytes([len(text) + 1]) + text + b"\x00"


def sp800_155_event3(platform_model="Test Cloud Engine", firmware_version="2.7",
                     rim_uri="https://example.invalid/ovmf_x64_csm/firmware.fd.signed", manufacturer_id=11129):
    """An SP800-155 Event3 (PFP 10.4.5.2) naming the firmware's reference manifest by URI, as Google Cloud's does."""
    def sized(text):
        raw = text.encode("ascii") + b"\x00"
        return bytes([len(raw)]) + raw
    locator = rim_uri.encode("ascii") + b"\x00"
    return (b"SP800-155 Event3" + struct.pack("<I", manufacturer_id) + guid_bytes(TEST_OWNER)
            + sized("Test, Inc.") + sized(platform_model) + sized("") + sized("Test, Inc.")
            + struct.pack("<I", manufacturer_id) + sized(firmware_version)
            + struct.pack("<II", 1, len(locator)) + locator + struct.pack("<II", 0, 0))


def load_option(description, device_path, attributes=1):
    """EFI_LOAD_OPTION (UEFI 2.10, 3.1.3)."""
    return struct.pack("<IH", attributes, len(device_path)) + ucs2(description) + device_path


class EventLogBuilder:
    """A CCEL log written record by record; ``rtmrs()`` replays it by this module's own rule."""

    def __init__(self, header=None):
        self.header = spec_id_header() if header is None else header
        self.records = []

    def add(self, mr_index, event_type, data=b"", digest=None):
        self.records.append(Record(mr_index, event_type, [(SHA384, sha384(data) if digest is None else digest)],
                                   data))
        return self

    def no_action(self, data, mr_index=0):
        return self.add(mr_index, EV_NO_ACTION, data, digest=bytes(SHA384_SIZE))

    def separator(self, mr_index):
        return self.add(mr_index, EV_SEPARATOR, bytes(4))

    def efi_action(self, mr_index, text):
        return self.add(mr_index, EV_EFI_ACTION, text.encode("ascii"))

    def variable(self, event_type, vendor, name, value, mr_index=RTMR0, measure="whole"):
        data = variable_data(vendor, name, value)
        return self.add(mr_index, event_type, data, digest=sha384(data if measure == "whole" else value))

    def secure_boot(self, enabled=True):
        return self.variable(EV_EFI_VARIABLE_DRIVER_CONFIG, EFI_GLOBAL_VARIABLE, "SecureBoot",
                             b"\x01" if enabled else b"\x00")

    def secure_boot_keys(self, certificates=(b"test PK certificate",), forbidden_hashes=(bytes(32),)):
        x509 = signature_list(EFI_CERT_X509, list(certificates))
        self.variable(EV_EFI_VARIABLE_DRIVER_CONFIG, EFI_GLOBAL_VARIABLE, "PK", x509)
        self.variable(EV_EFI_VARIABLE_DRIVER_CONFIG, EFI_GLOBAL_VARIABLE, "KEK", x509)
        self.variable(EV_EFI_VARIABLE_DRIVER_CONFIG, EFI_IMAGE_SECURITY_DATABASE, "db", x509)
        return self.variable(EV_EFI_VARIABLE_DRIVER_CONFIG, EFI_IMAGE_SECURITY_DATABASE, "dbx",
                             signature_list(EFI_CERT_SHA256, list(forbidden_hashes)))

    def boot_option(self, number, description, device_path=END_NODE):
        """Boot#### measured over its value, as edk2 does."""
        return self.variable(EV_EFI_VARIABLE_BOOT, EFI_GLOBAL_VARIABLE, "Boot%04X" % number,
                             load_option(description, device_path), measure="value")

    def boot_application(self, device_path, image=b"a PE image", mr_index=RTMR1):
        """The digest stands for the image's Authenticode hash: of the image, never of the event data."""
        return self.add(mr_index, EV_EFI_BOOT_SERVICES_APPLICATION, image_load_event(device_path + END_NODE),
                        digest=sha384(image))

    def grub_command(self, text, mr_index=RTMR2):
        return self.add(mr_index, EV_IPL, b"grub_cmd: " + text.encode() + b"\x00", digest=sha384(text.encode()))

    def kernel_cmdline(self, text, mr_index=RTMR2):
        return self.add(mr_index, EV_IPL, b"kernel_cmdline: " + text.encode() + b"\x00",
                        digest=sha384(text.encode()))

    def grub_file(self, path, contents, mr_index=RTMR2):
        return self.add(mr_index, EV_IPL, path.encode() + b"\x00", digest=sha384(contents))

    def uki_section(self, name, contents, mr_index=RTMR2):
        """systemd-stub's pair: the section name (ASCII and NUL), then the contents, both labelled in UTF-16."""
        label = ucs2(name)
        self.add(mr_index, EV_IPL, label, digest=sha384(name.encode() + b"\x00"))
        return self.add(mr_index, EV_IPL, label, digest=sha384(contents))

    def linux_tag(self, tag, label, measured, mr_index=RTMR2):
        data = struct.pack("<II", tag, len(label) + 1) + label.encode() + b"\x00"
        return self.add(mr_index, EV_EVENT_TAG, data, digest=sha384(measured))

    def rtmrs(self):
        return replay(self.records)

    def to_bytes(self, area_size=None, fill=b"\xff", end_marker=True):
        return join_log(self.header, self.records, area_size, fill, end_marker)


def firmware(builder, secure_boot=True):
    """What TDVF measures before the boot loader: TD hand-off, firmware volume, Secure Boot, separators."""
    builder.add(RTMR0, EV_EFI_HANDOFF_TABLES2, described(b"TdxTable") + struct.pack("<Q", 0), digest=sha384(b"TD HOB"))
    builder.add(RTMR0, EV_EFI_PLATFORM_FIRMWARE_BLOB2,
                described(b"Fv(00000000-0000-0000-0000-000000000000)") + struct.pack("<QQ", 0xFFC00000, 0x400000),
                digest=sha384(b"firmware volume"))
    builder.secure_boot(secure_boot).secure_boot_keys().separator(RTMR0)
    builder.add(RTMR0, EV_PLATFORM_CONFIG_FLAGS, b"ACPI DATA", digest=sha384(b"ACPI tables"))
    builder.variable(EV_EFI_VARIABLE_BOOT, EFI_GLOBAL_VARIABLE, "BootOrder", b"\x01\x00", measure="value")
    builder.boot_option(1, "UEFI test disk", vendor_media_node(TEST_OWNER))
    return builder.efi_action(RTMR1, "Calling EFI Application from Boot Option").separator(RTMR1)


def exit_boot_services(builder):
    return (builder.efi_action(RTMR1, "Exit Boot Services Invocation")
            .efi_action(RTMR1, "Exit Boot Services Returned with Success"))


def grub_boot_log(kernel=b"vmlinuz contents", initrd=b"initrd contents",
                  cmdline="/boot/vmlinuz root=/dev/sda1 ro console=ttyS0"):
    """A Google Cloud-like boot: shim, grub, a kernel and initrd read by grub, grub's command texts."""
    builder = EventLogBuilder()
    builder.no_action(sp800_155_event3())
    firmware(builder)
    builder.boot_application(file_path_node("\\EFI\\BOOT\\BOOTX64.EFI"), image=b"shim")
    builder.add(RTMR2, EV_IPL, b"MokList\x00", digest=sha384(b"MOK list"))
    builder.variable(EV_EFI_VARIABLE_AUTHORITY, SHIM_LOCK, "SbatLevel", b"sbat,1,2024010900\n")
    builder.boot_application(file_path_node("\\EFI\\BOOT\\grubx64.efi"), image=b"grub")
    builder.grub_file("/boot/grub/grub.cfg", b"grub.cfg contents")
    builder.grub_command("set timeout=0")
    builder.grub_command("linux " + cmdline)
    builder.grub_file("/boot/vmlinuz", kernel)
    builder.grub_command("initrd /boot/initrd.img")
    builder.grub_file("/boot/initrd.img", initrd)
    builder.kernel_cmdline(cmdline)
    return exit_boot_services(builder)


def uki_boot_log(sections=((".linux", b"kernel"), (".cmdline", b"console=ttyS0"), (".initrd", b"initrd"))):
    """A unified kernel image booted through systemd-stub, which measures each section as a pair."""
    builder = EventLogBuilder()
    firmware(builder)
    builder.boot_application(file_path_node("\\EFI\\BOOT\\BOOTX64.EFI"), image=b"uki")
    for name, contents in sections:
        builder.uki_section(name, contents)
    builder.boot_application(vendor_media_node("55c5d1f8-04cd-46b5-8a20-e56cbb3052d0"), image=b"kernel")
    return exit_boot_services(builder)


def direct_boot_log(cmdline="console=hvc0", initrd=b"initrd"):
    """QEMU's -kernel: OVMF loads the kernel, the Linux EFI stub tags its command line and initrd."""
    builder = EventLogBuilder()
    firmware(builder, secure_boot=False)
    builder.boot_application(vendor_media_node(QEMU_KERNEL_LOADER) + file_path_node("kernel"), image=b"kernel")
    builder.linux_tag(LINUX_LOAD_OPTIONS_TAG, "LOADED_IMAGE::LoadOptions", ucs2(cmdline))
    builder.linux_tag(LINUX_INITRD_TAG, "Linux initrd", initrd)
    return exit_boot_services(builder)


UBUNTU_CMDLINE = "/boot/vmlinuz root=LABEL=cloudimg-rootfs ro console=ttyS0 nvme_core.io_timeout=4294967295"


def ubuntu_boot_log(kernel_version="6.8.0-1015-gcp", cmdline=UBUNTU_CMDLINE):
    """An Ubuntu cloud image booting on Google Cloud with Secure Boot: shim, grub, kernel, initrd, command line.

    grub boots /boot/vmlinuz and /boot/initrd.img, the links Ubuntu points at
    the newest kernel, so a kernel update changes the kernel's and the
    initrd's contents (their digests) and nothing else in the log.
    """
    return grub_boot_log(kernel=b"vmlinuz-" + kernel_version.encode(), initrd=b"initrd.img-" + kernel_version.encode(),
                         cmdline=cmdline)


def altered_kernel_cmdline(raw, extra=" init=/bin/sh"):
    """``raw`` with ``extra`` added to grub's kernel command line event, its digest made to match the new text.

    The log reads as well formed and honest about its text, but no longer
    replays to the RTMR2 of the boot it came from: what a host that lies
    about its boot would send.
    """
    header, records, _ = split_log(raw)
    prefix = b"kernel_cmdline: "
    for index, record in enumerate(records):
        if record.event_type == EV_IPL and record.data.startswith(prefix):
            text = record.data[len(prefix):].rstrip(b"\x00") + extra.encode()
            records[index] = record.with_(data=prefix + text + b"\x00", digest=sha384(text))
            return join_log(header, records)
    raise ValueError("the log has no kernel_cmdline event to alter")
