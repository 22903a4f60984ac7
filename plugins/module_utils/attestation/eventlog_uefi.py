# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""UEFI structures found in event data, read into short texts and values.

Layouts from the UEFI specification 2.10 (GUIDs 2.6.1 appendix A, device
paths 10.3 and their text forms 10.6, EFI_LOAD_OPTION 3.1.3, signature lists
32.4.1, the GPT header 5.3.2) and the TCG PC Client PFP 1.05 (10.2.3
UEFI_VARIABLE_DATA, UEFI_IMAGE_LOAD_EVENT, UEFI_GPT_DATA,
UEFI_PLATFORM_FIRMWARE_BLOB2, UEFI_HANDOFF_TABLE_POINTERS2).

Every reader takes bytes from an untrusted log: it returns a value or raises
:class:`UefiFormatError` with what does not fit, never another exception.
Standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import struct

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_spec as spec

GUID_SIZE = 16
VARIABLE_HEADER_SIZE = 32   # vendor GUID, name length (UINT64), value length (UINT64)
IMAGE_LOAD_HEADER_SIZE = 32  # location, length, link address, device path length (UINT64 each)
SIGNATURE_LIST_HEADER_SIZE = 28
GPT_HEADER_SIZE = 92
DEVICE_PATH_END_TYPE = 0x7F
_PRINTABLE_ASCII = re.compile(rb"[\t\n\r\x20-\x7e]+\Z")


class UefiFormatError(ValueError):
    """A UEFI structure in event data does not fit its own sizes."""


def guid_text(raw):
    """The registry form of a GUID: its first three fields are little-endian."""
    if len(raw) != GUID_SIZE:
        raise UefiFormatError("a GUID is 16 bytes, got %d" % len(raw))
    first, second, third = struct.unpack_from("<IHH", raw, 0)
    tail = raw[8:].hex()
    return "%08x-%04x-%04x-%s-%s" % (first, second, third, tail[:4], tail[4:])


def utf16_text(raw):
    """UCS-2 text, up to its first NUL."""
    if len(raw) % 2:
        raise UefiFormatError("UTF-16 text of an odd length (%d bytes)" % len(raw))
    try:
        text = raw.decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise UefiFormatError("text that is not UTF-16: %s" % exc.reason)
    return text.split("\x00", 1)[0]


def ascii_text(raw):
    """Printable ASCII text up to its first NUL, or None when it is not that."""
    text = raw.split(b"\x00", 1)[0]
    if _PRINTABLE_ASCII.match(text):
        return text.decode("ascii")
    return None


def read_variable(data):
    """(vendor GUID, variable name, value bytes) of a UEFI_VARIABLE_DATA that fills ``data`` exactly."""
    if len(data) < VARIABLE_HEADER_SIZE:
        raise UefiFormatError("UEFI_VARIABLE_DATA needs %d bytes of header, the event has %d"
                              % (VARIABLE_HEADER_SIZE, len(data)))
    name_length, value_length = struct.unpack_from("<QQ", data, GUID_SIZE)
    expected = VARIABLE_HEADER_SIZE + 2 * name_length + value_length
    if expected != len(data):
        raise UefiFormatError("UEFI_VARIABLE_DATA says a name of %d characters and a value of %d bytes "
                              "(%d bytes in all), the event has %d" % (name_length, value_length, expected, len(data)))
    name_end = VARIABLE_HEADER_SIZE + 2 * name_length
    name = utf16_text(data[VARIABLE_HEADER_SIZE:name_end])
    return guid_text(data[:GUID_SIZE]), name, data[name_end:]


def device_path_nodes(raw):
    """[(type, subtype, body)] of a device path, up to its end node."""
    nodes = []
    offset = 0
    while offset + 4 <= len(raw):
        node_type, subtype, length = struct.unpack_from("<BBH", raw, offset)
        if length < 4 or offset + length > len(raw):
            raise UefiFormatError("a device path node at byte %d says %d bytes, %d are left"
                                  % (offset, length, len(raw) - offset))
        if node_type == DEVICE_PATH_END_TYPE:
            return nodes
        nodes.append((node_type, subtype, raw[offset + 4:offset + length]))
        offset += length
    if offset != len(raw):
        raise UefiFormatError("a device path ends inside a node header")
    return nodes


def _hard_drive_text(body):
    if len(body) < 38:
        return None
    partition, start, size = struct.unpack_from("<IQQ", body, 0)
    signature_type = body[37]
    if signature_type == 2:
        return "HD(%d,GPT,%s,0x%x,0x%x)" % (partition, guid_text(body[20:36]), start, size)
    return "HD(%d,MBR,0x%s,0x%x,0x%x)" % (partition, body[20:24][::-1].hex(), start, size)


def _node_text(node_type, subtype, body):
    """UEFI 10.6's text form of the nodes seen in boot logs; Path(type,subtype) for the rest."""
    if node_type == 1 and subtype == 1 and len(body) == 2:
        return "Pci(0x%x,0x%x)" % (body[1], body[0])
    if node_type == 2 and subtype == 1 and len(body) == 8:
        hid, uid = struct.unpack_from("<II", body, 0)
        if hid == 0x0A0341D0:
            return "PciRoot(0x%x)" % uid
        return "Acpi(0x%08x,0x%x)" % (hid, uid)
    if node_type == 3 and subtype == 0x17 and len(body) >= 4:
        return "NVMe(0x%x)" % struct.unpack_from("<I", body, 0)[0]
    if node_type == 3 and subtype == 2 and len(body) == 4:
        return "Scsi(0x%x,0x%x)" % struct.unpack_from("<HH", body, 0)
    if node_type == 4 and subtype == 1:
        text = _hard_drive_text(body)
        if text:
            return text
    if node_type == 4 and subtype == 3 and len(body) >= GUID_SIZE:
        return "VenMedia(%s)" % guid_text(body[:GUID_SIZE])
    if node_type == 4 and subtype == 4:
        return utf16_text(body)
    if node_type == 4 and subtype == 6 and len(body) == GUID_SIZE:
        return "FvFile(%s)" % guid_text(body)
    if node_type == 4 and subtype == 7 and len(body) == GUID_SIZE:
        return "Fv(%s)" % guid_text(body)
    return "Path(%d,%d)" % (node_type, subtype)


def device_path_text(nodes):
    return "/".join(_node_text(*node) for node in nodes) or "(empty device path)"


def file_path_of(nodes):
    """The file path nodes of a device path joined, or None when it has none."""
    parts = [utf16_text(body) for node_type, subtype, body in nodes if (node_type, subtype) == (4, 4)]
    return "/".join(part for part in parts if part) or None


def vendor_media_of(nodes):
    for node_type, subtype, body in nodes:
        if (node_type, subtype) == (4, 3) and len(body) >= GUID_SIZE:
            return guid_text(body[:GUID_SIZE])
    return None


def read_image_load_event(data):
    """(image length in memory, device path nodes) of a UEFI_IMAGE_LOAD_EVENT."""
    if len(data) < IMAGE_LOAD_HEADER_SIZE:
        raise UefiFormatError("UEFI_IMAGE_LOAD_EVENT needs %d bytes, the event has %d"
                              % (IMAGE_LOAD_HEADER_SIZE, len(data)))
    image_length, path_length = struct.unpack_from("<8xQ8xQ", data, 0)
    if IMAGE_LOAD_HEADER_SIZE + path_length != len(data):
        raise UefiFormatError("UEFI_IMAGE_LOAD_EVENT says a device path of %d bytes, the event has %d after its header"
                              % (path_length, len(data) - IMAGE_LOAD_HEADER_SIZE))
    return image_length, device_path_nodes(data[IMAGE_LOAD_HEADER_SIZE:])


def read_load_option(value):
    """(description, device path text) of an EFI_LOAD_OPTION (a Boot#### value)."""
    if len(value) < 6:
        raise UefiFormatError("EFI_LOAD_OPTION needs 6 bytes before its description, the value has %d" % len(value))
    path_length = struct.unpack_from("<H", value, 4)[0]
    offset = value.find(b"\x00\x00", 6)
    while offset > 0 and offset % 2:  # a NUL character starts on an even byte
        offset = value.find(b"\x00\x00", offset + 1)
    if offset < 0:
        raise UefiFormatError("EFI_LOAD_OPTION's description has no end")
    description = utf16_text(value[6:offset])
    path_start = offset + 2
    if path_start + path_length > len(value):
        raise UefiFormatError("EFI_LOAD_OPTION says a device path of %d bytes, %d are left"
                              % (path_length, len(value) - path_start))
    return description, device_path_text(device_path_nodes(value[path_start:path_start + path_length]))


def boot_order_text(value):
    if len(value) % 2:
        raise UefiFormatError("BootOrder of an odd length (%d bytes)" % len(value))
    return ", ".join("Boot%04X" % number for (number,) in struct.iter_unpack("<H", value)) or "(empty)"


def read_signature_lists(value):
    """{"counts": {type: n}, "x509_sha256": [SHA-256 of each X.509 certificate]} of EFI_SIGNATURE_LISTs."""
    counts = {}
    certificates = []
    offset = 0
    while offset < len(value):
        if offset + SIGNATURE_LIST_HEADER_SIZE > len(value):
            raise UefiFormatError("an EFI_SIGNATURE_LIST at byte %d is cut short" % offset)
        list_size, header_size, signature_size = struct.unpack_from("<III", value, offset + GUID_SIZE)
        entries_size = list_size - SIGNATURE_LIST_HEADER_SIZE - header_size
        if (list_size > len(value) - offset or entries_size < 0 or signature_size <= GUID_SIZE
                or entries_size % signature_size):
            raise UefiFormatError("an EFI_SIGNATURE_LIST at byte %d does not fit its sizes (list %d, header %d, "
                                  "signature %d, %d bytes left)"
                                  % (offset, list_size, header_size, signature_size, len(value) - offset))
        kind = guid_text(value[offset:offset + GUID_SIZE])
        kind = spec.SIGNATURE_TYPE_NAMES.get(kind, kind)
        count = entries_size // signature_size
        counts[kind] = counts.get(kind, 0) + count
        if kind == "x509":
            first = offset + SIGNATURE_LIST_HEADER_SIZE + header_size
            for start in range(first, first + entries_size, signature_size):
                certificate = value[start + GUID_SIZE:start + signature_size]
                certificates.append(hashlib.sha256(certificate).hexdigest())
        offset += list_size
    return {"counts": counts, "x509_sha256": certificates}


def signature_lists_text(summary):
    counts = summary["counts"]
    if not counts:
        return "empty"
    return ", ".join("%d %s" % (counts[kind], kind) for kind in sorted(counts))


def read_signature_data(value):
    """(owner GUID, SHA-256 of the signature) of one EFI_SIGNATURE_DATA (an authority event's value)."""
    if len(value) <= GUID_SIZE:
        raise UefiFormatError("EFI_SIGNATURE_DATA needs more than %d bytes, the value has %d" % (GUID_SIZE, len(value)))
    return guid_text(value[:GUID_SIZE]), hashlib.sha256(value[GUID_SIZE:]).hexdigest()


def read_gpt(data):
    """(disk GUID, partition count) of UEFI_GPT_DATA that fills ``data`` exactly."""
    if len(data) < GPT_HEADER_SIZE + 8 or data[:8] != b"EFI PART":
        raise UefiFormatError("UEFI_GPT_DATA does not start with a GPT header ('EFI PART')")
    entry_size = struct.unpack_from("<I", data, 84)[0]
    count = struct.unpack_from("<Q", data, GPT_HEADER_SIZE)[0]
    if GPT_HEADER_SIZE + 8 + count * entry_size != len(data):
        raise UefiFormatError("UEFI_GPT_DATA says %d partitions of %d bytes, the event has %d bytes"
                              % (count, entry_size, len(data)))
    return guid_text(data[56:72]), count


def read_described_blob(data):
    """The description of a UEFI_PLATFORM_FIRMWARE_BLOB2 or UEFI_HANDOFF_TABLE_POINTERS2 (a size byte, then text)."""
    if not data or 1 + data[0] > len(data):
        raise UefiFormatError("the description's size byte says more than the event holds")
    text = ascii_text(data[1:1 + data[0]])
    if text is None:
        raise UefiFormatError("the description is not text")
    return text
