"""The kernel's configfs-tsm report directory, as a FUSE file system.

What it mimics, from the kernel's ABI document and drivers/virt/coco/tsm.c:
``mkdir NAME`` makes an entry whose attributes exist at once; ``inblob``
takes at most 64 bytes (TSM_INBLOB_MAX) and the TDX provider wants exactly
64 (TDX_REPORTDATA_LEN) when the quote is read; each write to a writable
attribute increments ``generation``; ``outblob`` is made on the first read
after a write, over the ``inblob`` of that moment, and kept until the next
write; ``rmdir`` removes the entry with its attributes. Nothing else can be
created (files, links, nested entries).

What the quote is comes from outside, as the provider's driver answers in
the kernel: the test hosts' daemon signs with the test PKI (answers.py), the
unit tests of guest_quote hand out what their case needs.
"""

import errno
import stat
import threading
import time

import mfusepy

INBLOB_MAX = 64
TDX_REPORTDATA_LEN = 64
# name -> mode, as the kernel shows them for the TDX provider.
ATTRIBUTE_MODES = {"provider": 0o444, "generation": 0o444, "inblob": 0o200, "outblob": 0o444}
# A configfs attribute always reports one page as its size.
ATTRIBUTE_SIZE = 4096


def _refuse(code):
    raise mfusepy.FuseOSError(code)


class ReportEntry:
    """One ``mkdir``-ed report request."""

    def __init__(self, name):
        self.name = name
        self.generation = 0
        self.inblob = b""
        self.outblob = None

    def write_inblob(self, data, offset):
        if offset + len(data) > INBLOB_MAX:
            _refuse(errno.EINVAL)
        self.inblob = self.inblob[:offset] + bytes(data)
        self.generation += 1
        self.outblob = None

    def read_outblob(self, answer):
        if self.outblob is None:
            if len(self.inblob) != TDX_REPORTDATA_LEN:
                _refuse(errno.EINVAL)
            self.outblob = answer(self)
        return self.outblob


class TsmReportFilesystem(mfusepy.Operations):
    """The report directory; ``answer(entry) -> bytes`` is what the provider hands out as the quote.

    It is asked on the first read of ``outblob`` after a write, with the
    :class:`ReportEntry` (``name``, ``inblob``, ``generation``), and only
    then. An OSError it raises fails that read with its errno, as a failed
    quote request does in the kernel (ETIMEDOUT, EIO, EBUSY ...); a write
    it makes to the entry (``entry.write_inblob``) is another writer's,
    come in while the quote was made.
    """

    use_ns = True

    def __init__(self, answer, provider="tdx_guest"):
        self.answer = answer
        self.provider = provider
        self.entries = {}
        self._mutex = threading.Lock()

    def _lookup(self, path):
        """(entry name, entry, attribute) for a path; ENOENT for anything that does not exist."""
        parts = [part for part in path.split("/") if part]
        if not parts:
            return None, None, None
        if len(parts) > 2 or parts[0] not in self.entries:
            _refuse(errno.ENOENT)
        attribute = parts[1] if len(parts) == 2 else None
        if attribute is not None and attribute not in ATTRIBUTE_MODES:
            _refuse(errno.ENOENT)
        return parts[0], self.entries[parts[0]], attribute

    def getattr(self, path, fh=None):
        with self._mutex:
            _, _, attribute = self._lookup(path)
        now = time.time_ns()
        times = dict(st_atime=now, st_mtime=now, st_ctime=now)
        if attribute is None:
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, **times)
        return dict(st_mode=stat.S_IFREG | ATTRIBUTE_MODES[attribute], st_nlink=1, st_size=ATTRIBUTE_SIZE, **times)

    def readdir(self, path, fh):
        with self._mutex:
            _, entry, _ = self._lookup(path)
            names = list(ATTRIBUTE_MODES) if entry is not None else sorted(self.entries)
        return [".", ".."] + names

    def mkdir(self, path, mode):
        parts = [part for part in path.split("/") if part]
        with self._mutex:
            if len(parts) != 1:
                _refuse(errno.EPERM)
            if parts[0] in self.entries:
                _refuse(errno.EEXIST)
            self.entries[parts[0]] = ReportEntry(parts[0])
        return 0

    def rmdir(self, path):
        with self._mutex:
            name, entry, attribute = self._lookup(path)
            if entry is None or attribute is not None:
                _refuse(errno.EPERM if entry is None else errno.ENOTDIR)
            del self.entries[name]
        return 0

    def open(self, path, fi):
        with self._mutex:
            _, _, attribute = self._lookup(path)
        if attribute is None:
            _refuse(errno.EISDIR)
        fi.direct_io = 1  # configfs has no page cache: every read must reach us
        return 0

    def truncate(self, path, length, fh=None):
        return 0  # an open(O_TRUNC) of inblob; configfs ignores it too

    def read(self, path, size, offset, fi):
        with self._mutex:
            _, entry, attribute = self._lookup(path)
            if attribute == "provider":
                data = (self.provider + "\n").encode()
            elif attribute == "generation":
                data = b"%d\n" % entry.generation
            elif attribute == "outblob":
                data = entry.read_outblob(self.answer)
            else:
                _refuse(errno.EACCES)
        return data[offset:offset + size]

    def write(self, path, data, offset, fi):
        with self._mutex:
            _, entry, attribute = self._lookup(path)
            if attribute != "inblob":
                _refuse(errno.EACCES)
            entry.write_inblob(data, offset)
        return len(data)

    # Only mkdir makes things here, as in configfs.
    def create(self, path, mode, fi=None):
        _refuse(errno.EPERM)

    def mknod(self, path, mode, dev):
        _refuse(errno.EPERM)

    def unlink(self, path):
        _refuse(errno.EPERM)

    def rename(self, old, new):
        _refuse(errno.EPERM)
