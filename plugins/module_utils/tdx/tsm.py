# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ask for a TDX quote through the kernel's configfs-tsm report interface.

Linux 6.7+ (Documentation/ABI/testing/configfs-tsm-report): make a report
entry (a directory), write 64 bytes of report data to ``inblob``, read the
quote from ``outblob``, and check that ``generation`` moved exactly once (by
our own write) so no other writer changed the request in between. The entry
is removed in every case, so nothing is left behind.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import os

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import layouts, signs
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.os_errors import errno_name

DEFAULT_REPORT_DIR = "/" + signs.TSM_REPORT_DIR
ENTRY_PREFIX = "confidential-tdx-"


class QuoteError(Exception):
    """A quote could not be had; the message is one line for the user."""


# errno when reading outblob -> what to tell the user
OUTBLOB_ERRORS = {
    errno.ETIMEDOUT: ("the host's quote service did not answer in time (ETIMEDOUT): on Google Cloud retry; "
                      "on a plain QEMU/KVM host configure a quote generation service"),
    errno.EIO: ("the GetQuote hypercall failed (EIO): the host has no working quote service for this TD"),
    errno.EBUSY: "another quote request is in flight on this TD (EBUSY): retry when it has finished",
    errno.EINTR: "the quote request was interrupted (EINTR): retry",
}


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _read_generation(entry):
    text = _read(os.path.join(entry, "generation")).decode("ascii", "replace").strip()
    try:
        return int(text)
    except ValueError:
        raise QuoteError("%s/generation holds %r, not a number" % (entry, text))


def _write_inblob(entry, report_data):
    # No O_CREAT: configfs makes the attribute with the entry; a missing
    # inblob means this is not a configfs-tsm report entry.
    fd = os.open(os.path.join(entry, "inblob"), os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        written = os.write(fd, report_data)
    finally:
        os.close(fd)
    if written != len(report_data):
        raise QuoteError("only %d of %d bytes of report data reached %s/inblob" % (written, len(report_data), entry))


def request_quote(report_data, report_dir=DEFAULT_REPORT_DIR):
    """Return ``(quote bytes, facts)`` for 64 bytes of ``report_data``.

    ``facts`` has ``entry``, ``provider`` and ``generation``. Raises
    :class:`QuoteError` with a one-line message on every foreseeable failure.
    """
    if len(report_data) != layouts.REPORT_DATA_SIZE:
        raise QuoteError("report data must be %d bytes, got %d" % (layouts.REPORT_DATA_SIZE, len(report_data)))
    if not os.path.isdir(report_dir):
        raise QuoteError(
            "%s does not exist: this kernel has no configfs-tsm report interface (needs Linux 6.7+ with "
            "the tdx_guest driver, and configfs mounted on /sys/kernel/config)" % report_dir)
    entry = os.path.join(report_dir, ENTRY_PREFIX + binascii.hexlify(os.urandom(8)).decode("ascii"))
    try:
        os.mkdir(entry)
    except PermissionError:
        raise QuoteError("creating a report entry in %s needs root: run the task with become" % report_dir)
    except OSError as exc:
        raise QuoteError("cannot create a report entry in %s: %s (%s)"
                         % (report_dir, exc.strerror, errno_name(exc)))
    try:
        result = _quote_from_entry(entry, report_data)
    except QuoteError as exc:
        problem = _remove_entry(entry)
        if problem:
            raise QuoteError("%s; %s" % (exc, problem))
        raise
    problem = _remove_entry(entry)
    if problem:
        raise QuoteError(problem)
    return result


def _remove_entry(entry):
    """Remove the report entry; return a one-line problem, or None."""
    try:
        os.rmdir(entry)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return ("could not remove the report entry %s: %s (%s); remove it with rmdir"
                % (entry, exc.strerror, errno_name(exc)))
    return None


def _quote_from_entry(entry, report_data):
    try:
        provider = _read(os.path.join(entry, "provider")).decode("ascii", "replace").strip()
        if provider != signs.TSM_PROVIDER:
            raise QuoteError("the report entry's provider is %r, not %r: this is not a TDX guest"
                             % (provider, signs.TSM_PROVIDER))
        before = _read_generation(entry)
        _write_inblob(entry, report_data)
        written = _read_generation(entry)
        quote = _read(os.path.join(entry, "outblob"))
        after = _read_generation(entry)
    except QuoteError:
        raise
    except OSError as exc:
        meaning = OUTBLOB_ERRORS.get(exc.errno)
        if meaning:
            raise QuoteError(meaning)
        raise QuoteError("reading the report entry %s failed: %s (%s)"
                         % (entry, exc.strerror or exc, errno_name(exc)))
    if written != before + 1 or after != written:
        raise QuoteError(
            "another writer changed the report entry %s while the quote was made (generation went %d, %d, %d "
            "before our write, after it and after reading the quote; expected %d, %d, %d): the quote may "
            "not carry our report data; run again" % (entry, before, written, after, before, before + 1, before + 1))
    if not quote:
        raise QuoteError("the kernel returned an empty quote from %s/outblob" % entry)
    return quote, {"entry": entry, "provider": provider, "generation": after}
