# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What each event of a TDX event log is, and whether its digest covers its text.

An event's digest is what was extended into its RTMR; its data is only what
the log says about it. So every event gets a ``name`` (a label taken from
the log: "UEFI variable SecureBoot", "kernel command line (grub)", ...) and
a ``text``, and ``measured`` is true only when the digest was checked here to
be the SHA-384 of what the text shows:

- types whose digest always covers their data (eventlog_spec.py lists them,
  with the UEFI variables measured over their value only) must match, and a
  record that does not is refused, whatever the replay gives;
- grub's ``grub_cmd:``, ``kernel_cmdline:`` and ``module_cmdline:`` texts are
  measured without their prefix and NUL, and must match;
- systemd-stub's first event of each section pair is measured over the
  section name, and must match; the second covers the section's contents;
- any other event whose data happens to hash to its digest is measured;
  the rest (file paths, firmware volumes, the Linux EFI stub's tags, shim's
  MOK labels, boot application device paths) are labels: their digest is of
  something the log does not carry.

Names are always labels: policies pin digests, never names alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import struct

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_spec as spec
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import eventlog_uefi as uefi
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_errors import (
    EventLogRefused,
    place,
)

COVERS_EVENT_DATA = "the event data"
COVERS_VARIABLE = "the whole UEFI_VARIABLE_DATA (name and value)"
COVERS_VARIABLE_VALUE = "the variable's value only (not its name)"
COVERS_TEXT_AFTER_PREFIX = "the text after its prefix"
COVERS_SECTION_NAME = "the section name"

SHORT_VALUE_SIZE = 16
_UTF16_SECTION_NAME = re.compile(rb"\.\x00(?:[\x21-\x7e]\x00){1,7}\x00\x00\Z")


def _sha384(data):
    return hashlib.sha384(data).digest()


def _refuse(event, problem):
    raise EventLogRefused("%s: %s" % (place(event.record, event.offset, event.type_name, event.register_name), problem),
                          record=event.record, offset=event.offset)


def _digest_mismatch(event, what, expected):
    _refuse(event, "its digest is not the SHA-384 of %s, which this event's digest covers: SHA-384 of %s is %s, "
                   "the record has %s" % (what, what, expected.hex(), event.digest.hex()))


def _label(event, name, text=None, **details):
    event.name = name
    event.text = text
    event.details.update(details)


def _measured(event, name, text, covers, **details):
    _label(event, name, text, **details)
    event.measured = True
    event.covers = covers


def _value_text(value):
    text = uefi.ascii_text(value)
    if text is not None and len(text) >= len(value.rstrip(b"\x00")):
        return text
    if len(value) <= SHORT_VALUE_SIZE:
        return value.hex() or "(empty)"
    return "%d bytes" % len(value)


# --- UEFI variables ------------------------------------------------------------

def _variable_covers(event, value):
    """What the digest covers, refusing an event whose digest covers neither its data nor its value."""
    if event.event_type in spec.VARIABLE_VALUE_OR_WHOLE:
        if _sha384(value) == event.digest:
            return COVERS_VARIABLE_VALUE
        if _sha384(event.data) == event.digest:
            return COVERS_VARIABLE
        _refuse(event, "its digest is neither the SHA-384 of the variable's value (%s) nor of its "
                       "UEFI_VARIABLE_DATA (%s): the record has %s"
                % (_sha384(value).hex(), _sha384(event.data).hex(), event.digest.hex()))
    expected = _sha384(event.data)
    if expected != event.digest:
        _digest_mismatch(event, "its UEFI_VARIABLE_DATA", expected)
    return COVERS_VARIABLE


def _variable_value(vendor, name, value):
    """(text, details) of a variable's value, read by what the variable is."""
    if (vendor, name) == (spec.EFI_GLOBAL_VARIABLE, "SecureBoot"):
        if not value:
            return "not set (Secure Boot disabled)", {"secure_boot": False}
        states = {b"\x01": "enabled", b"\x00": "disabled"}
        return (states.get(value, "not enabled (value %s)" % value.hex()),
                {"secure_boot": value == b"\x01"})
    if name in spec.SIGNATURE_LIST_VARIABLES:
        try:
            summary = uefi.read_signature_lists(value)
        except uefi.UefiFormatError as exc:
            return "%d bytes, not a signature list (%s)" % (len(value), exc), {}
        return uefi.signature_lists_text(summary), {"signatures": summary}
    if vendor == spec.EFI_GLOBAL_VARIABLE and name == "BootOrder":
        try:
            return uefi.boot_order_text(value), {}
        except uefi.UefiFormatError as exc:
            return "%d bytes (%s)" % (len(value), exc), {}
    if vendor == spec.EFI_GLOBAL_VARIABLE and len(name) == 8 and name.startswith("Boot"):
        try:
            description, path = uefi.read_load_option(value)
        except uefi.UefiFormatError as exc:
            return "%d bytes, not a load option (%s)" % (len(value), exc), {}
        return "%s: %s" % (description, path), {"boot_option": description, "device_path": path}
    return _value_text(value), {}


def _variable_name(event, vendor, name):
    meaning = spec.SECURE_BOOT_VARIABLES.get((vendor, name))
    if event.event_type == spec.EV_EFI_VARIABLE_AUTHORITY:
        if vendor == spec.EFI_IMAGE_SECURITY_DATABASE:
            return "Secure Boot authority: the %s entry that verified an image" % name
        return "UEFI variable %s (authority, %s)" % (name, spec.GUID_NAMES.get(vendor, vendor))
    if meaning:
        return "UEFI variable %s (%s)" % (name, meaning)
    if vendor == spec.EFI_GLOBAL_VARIABLE and len(name) == 8 and name.startswith("Boot"):
        return "UEFI variable %s (boot option)" % name
    return "UEFI variable %s" % name


def _describe_variable(event):
    try:
        vendor, name, value = uefi.read_variable(event.data)
    except uefi.UefiFormatError as exc:
        _refuse(event, "its UEFI_VARIABLE_DATA is malformed: %s" % exc)
    covers = _variable_covers(event, value)
    if event.event_type == spec.EV_EFI_VARIABLE_AUTHORITY and vendor == spec.EFI_IMAGE_SECURITY_DATABASE:
        try:
            owner, signature_sha256 = uefi.read_signature_data(value)
            text, details = "signature of owner %s, SHA-256 %s" % (owner, signature_sha256), {
                "owner": owner, "signature_sha256": signature_sha256}
        except uefi.UefiFormatError as exc:
            text, details = "%d bytes (%s)" % (len(value), exc), {}
    else:
        text, details = _variable_value(vendor, name, value)
    _measured(event, _variable_name(event, vendor, name), text, covers,
              variable=name, vendor=vendor, **details)


# --- Types whose digest covers their data --------------------------------------

def _check_event_data(event):
    expected = _sha384(event.data)
    if expected != event.digest:
        _digest_mismatch(event, "its event data", expected)


def _describe_separator(event):
    _check_event_data(event)
    value = event.data.hex()
    error = event.data == b"\xff\xff\xff\xff"
    _measured(event, "separator (firmware error)" if error else "separator", "0x" + value, COVERS_EVENT_DATA)


def _describe_efi_action(event):
    _check_event_data(event)
    text = uefi.ascii_text(event.data)
    _measured(event, "EFI action", text if text is not None else event.data.hex(), COVERS_EVENT_DATA)


def _describe_gpt(event):
    _check_event_data(event)
    try:
        disk, partitions = uefi.read_gpt(event.data)
        text, details = "disk %s, %d partitions" % (disk, partitions), {"disk_guid": disk, "partitions": partitions}
    except uefi.UefiFormatError as exc:
        text, details = "%d bytes (%s)" % (len(event.data), exc), {}
    _measured(event, "GPT partition table", text, COVERS_EVENT_DATA, **details)


# --- Boot applications and drivers ------------------------------------------------

def _describe_image(event):
    kind = {spec.EV_EFI_BOOT_SERVICES_APPLICATION: "boot application",
            spec.EV_EFI_BOOT_SERVICES_DRIVER: "boot services driver",
            spec.EV_EFI_RUNTIME_SERVICES_DRIVER: "runtime services driver"}[event.event_type]
    try:
        image_size, nodes = uefi.read_image_load_event(event.data)
        path = uefi.file_path_of(nodes)
        vendor = uefi.vendor_media_of(nodes)
        device_path = uefi.device_path_text(nodes)
    except uefi.UefiFormatError as exc:
        _label(event, "%s (unreadable image load event: %s)" % (kind, exc))
        return
    meaning = spec.IMAGE_MEANING_BY_VENDOR_MEDIA.get(vendor)
    if meaning:
        name = meaning
    elif path:
        name = "%s %s" % (kind, path)
    else:
        name = kind
    _label(event, name, device_path, device_path=device_path, image_size=image_size)


# --- EV_IPL: grub, systemd-stub, shim ------------------------------------------------

def _section_name(data):
    """The UKI section name an EV_IPL's UTF-16 data names (a PE section name: a dot and up to 7 more), or None."""
    if _UTF16_SECTION_NAME.match(data):
        return data[:-2:2].decode("ascii")
    return None


def _strip_device(path):
    """A grub path without its ``(hd0,gpt1)`` device, to match a command's argument with a file event."""
    if path.startswith("(") and ")" in path:
        return path[path.index(")") + 1:]
    return path


class _GrubContext:
    """The last grub command seen, so the file event after ``linux`` or ``initrd`` is named for it."""

    def __init__(self):
        self.last_command = ""

    def command(self, text):
        self.last_command = text

    def file_meaning(self, path):
        words = self.last_command.split()
        if not words:
            return None
        path = _strip_device(path)
        arguments = [_strip_device(word) for word in words[1:]]
        if words[0] in spec.GRUB_KERNEL_COMMANDS and arguments[:1] == [path]:
            return "kernel"
        if words[0] in spec.GRUB_INITRD_COMMANDS and path in arguments:
            return "initrd"
        return None


def _describe_grub_text(event, prefix, meaning, grub):
    body = event.data[len(prefix):]
    if body.endswith(b"\x00"):
        body = body[:-1]
    expected = _sha384(body)
    if expected != event.digest:
        _digest_mismatch(event, "its text after %r" % prefix.decode("ascii"), expected)
    text = body.decode("utf-8", "replace")
    if prefix == b"grub_cmd: ":
        grub.command(text)
    _measured(event, meaning, text, COVERS_TEXT_AFTER_PREFIX)


def _describe_section_pair(events, index):
    """Name systemd-stub's pair at ``index``: the first covers the section name and must match."""
    first, second = events[index], events[index + 1]
    section = _section_name(first.data)
    expected = _sha384(section.encode("ascii") + b"\x00")
    if expected != first.digest:
        _refuse(first, "it is the first of systemd-stub's pair of events for section %s, whose digest covers the "
                       "section name: SHA-384 of %r is %s, the record has %s"
                % (section, section + "\x00", expected.hex(), first.digest.hex()))
    _measured(first, "UKI section name %s (systemd-stub)" % section, section, COVERS_SECTION_NAME, section=section)
    _describe_section_contents(second, section)


def _describe_section_contents(event, section):
    meaning = spec.UKI_SECTION_MEANINGS.get(section, "section")
    _label(event, "%s (UKI section %s, systemd-stub)" % (meaning, section), section, section=section)


def _is_section_pair(events, index):
    if index + 1 >= len(events):
        return False
    first, second = events[index], events[index + 1]
    return (second.event_type == spec.EV_IPL and second.mr_index == first.mr_index and second.data == first.data
            and _section_name(first.data) is not None)


def _describe_ipl(events, index, grub):
    """Describe the EV_IPL at ``index``; return how many events were described (2 for a systemd-stub pair)."""
    event = events[index]
    for prefix, meaning in spec.GRUB_TEXT_PREFIXES.items():
        if event.data.startswith(prefix):
            _describe_grub_text(event, prefix, meaning, grub)
            return 1
    if _is_section_pair(events, index):
        _describe_section_pair(events, index)
        return 2
    section = _section_name(event.data)
    if section is not None:
        _describe_section_contents(event, section)
        return 1
    text = uefi.ascii_text(event.data)
    if text is None:
        _label(event, "EV_IPL")
    elif text in spec.SHIM_IPL_VARIABLES:
        _label(event, "MOK variable %s (shim)" % text, text, variable=text)
    elif text.startswith(("/", "(")):
        meaning = grub.file_meaning(text)
        _label(event, "%s %s (grub)" % (meaning or "file", text), text, path=text)
    else:
        _label(event, "EV_IPL", text)
    return 1


# --- Labels: tags, firmware blobs, hand-off tables, EV_NO_ACTION ------------------

def _describe_event_tag(event):
    if len(event.data) < 8:
        _label(event, "tagged event (unreadable)")
        return
    tag, size = struct.unpack_from("<II", event.data, 0)
    label = uefi.ascii_text(event.data[8:8 + size])
    meaning = spec.LINUX_EVENT_TAGS.get(tag)
    if meaning:
        _label(event, "%s (Linux EFI stub)" % meaning, label, tag="0x%08x" % tag)
    else:
        _label(event, "tagged event 0x%08x" % tag, label, tag="0x%08x" % tag)


def _blob_description(event):
    """The text an EV_EFI_PLATFORM_FIRMWARE_BLOB2 or EV_EFI_HANDOFF_TABLES2 event begins with, None if unreadable."""
    try:
        return uefi.read_described_blob(event.data)
    except uefi.UefiFormatError:
        return None


def _describe_blob2(event):
    description = _blob_description(event)
    if description is None:
        _label(event, "firmware blob")
    else:
        kind = "firmware volume" if description.startswith("Fv(") else "firmware blob"
        _label(event, "%s %s" % (kind, description), description)


def _describe_handoff2(event):
    description = _blob_description(event)
    if description is None:
        _label(event, "hand-off tables")
    else:
        _label(event, "hand-off table %s" % description, description)


def _describe_config_flags(event):
    text = uefi.ascii_text(event.data)
    _label(event, "platform configuration %s" % text if text else "platform configuration", text)


class _Cursor:
    """Reads an SP800-155 event field by field; UefiFormatError past its end."""

    def __init__(self, data, offset):
        self.data = data
        self.offset = offset

    def take(self, size):
        if self.offset + size > len(self.data):
            raise uefi.UefiFormatError("the event ends inside a field")
        chunk = self.data[self.offset:self.offset + size]
        self.offset += size
        return chunk

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def sized_text(self):
        return (uefi.ascii_text(self.take(self.take(1)[0])) or "")


def _sp800_155_details(data):
    """The platform, firmware and reference-manifest locator an SP800-155 Event2 or Event3 names."""
    cursor = _Cursor(data, 16)
    details = {"platform_manufacturer_id": cursor.u32(), "reference_manifest_guid": uefi.guid_text(cursor.take(16))}
    details["platform_manufacturer"] = cursor.sized_text()
    details["platform_model"] = cursor.sized_text()
    details["platform_version"] = cursor.sized_text()
    details["firmware_manufacturer"] = cursor.sized_text()
    details["firmware_manufacturer_id"] = cursor.u32()
    details["firmware_version"] = cursor.sized_text()
    if data.startswith(b"SP800-155 Event3"):
        locator_type = cursor.u32()
        locator = cursor.take(cursor.u32())
        details["rim_locator_type"] = spec.SP800_155_LOCATOR_TYPES.get(locator_type, str(locator_type))
        if locator_type == 1:
            details["rim_locator"] = uefi.ascii_text(locator) or locator.hex()
        elif locator_type == 3 and len(locator) > 16:
            details["rim_locator"] = "%s/%s" % (uefi.guid_text(locator[:16]), uefi.utf16_text(locator[16:]))
        else:
            details["rim_locator"] = locator.hex()
    return details


def _describe_no_action(event):
    for signature in spec.SP800_155_SIGNATURES:
        if event.data.startswith(signature):
            try:
                details = _sp800_155_details(event.data)
            except uefi.UefiFormatError as exc:
                _label(event, "firmware reference measurement (SP800-155, unreadable: %s)" % exc)
                return
            text = "%s %s, firmware %s by %s" % (details["platform_manufacturer"], details["platform_model"],
                                                 details["firmware_version"], details["firmware_manufacturer"])
            if details.get("rim_locator"):
                text += "; reference manifest at %s" % details["rim_locator"]
            _label(event, "firmware reference measurement (SP800-155)", text, **details)
            return
    for signature, meaning in spec.NO_ACTION_SIGNATURES.items():
        if event.data.startswith(signature):
            _label(event, meaning, signature.rstrip(b"\x00").decode("ascii"))
            return
    _label(event, "EV_NO_ACTION", uefi.ascii_text(event.data[:16]))


def _describe_other(event):
    text = uefi.ascii_text(event.data)
    if text is None and event.data:
        try:
            text = uefi.utf16_text(event.data) or None
        except uefi.UefiFormatError:
            text = None
        if text is not None and not all(32 <= ord(char) < 127 for char in text):
            text = None
    _label(event, event.type_name, text)


DESCRIBERS = {
    spec.EV_SEPARATOR: _describe_separator,
    spec.EV_EFI_ACTION: _describe_efi_action,
    spec.EV_EFI_GPT_EVENT: _describe_gpt,
    spec.EV_EVENT_TAG: _describe_event_tag,
    spec.EV_EFI_PLATFORM_FIRMWARE_BLOB2: _describe_blob2,
    spec.EV_EFI_HANDOFF_TABLES2: _describe_handoff2,
    spec.EV_PLATFORM_CONFIG_FLAGS: _describe_config_flags,
    spec.EV_NO_ACTION: _describe_no_action,
}
for _type in spec.VARIABLE_EVENT_TYPES:
    DESCRIBERS[_type] = _describe_variable
for _type in spec.IMAGE_LOAD_EVENT_TYPES:
    DESCRIBERS[_type] = _describe_image


def describe_events(events):
    """Name each event after the Spec ID header, and check every digest that covers its text.

    Raises EventLogRefused at the first event whose text its digest must
    cover and does not. An extended event whose digest turns out to be the
    SHA-384 of its data is marked measured too, whatever its type.
    """
    grub = _GrubContext()
    index = 1
    while index < len(events):
        event = events[index]
        if event.event_type == spec.EV_IPL:
            index += _describe_ipl(events, index, grub)
        else:
            DESCRIBERS.get(event.event_type, _describe_other)(event)
            index += 1
    for event in events:
        if not event.measured and event.extended and _sha384(event.data) == event.digest:
            event.measured = True
            event.covers = COVERS_EVENT_DATA
            if event.text is None:
                event.text = _value_text(event.data)
