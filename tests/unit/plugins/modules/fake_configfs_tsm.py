"""A FUSE file system that behaves like the kernel's configfs-tsm report directory.

A plain temporary directory cannot stand in for /sys/kernel/config/tsm/report:
there, ``mkdir`` makes an entry whose attributes exist at once, reading
``outblob`` blocks until the quote is made, ``generation`` counts writes and
``rmdir`` removes a non-empty entry. This file system does exactly that (see
Documentation/ABI/testing/configfs-tsm-report), so guest_quote runs
unchanged against it. It does not import the collection: the quote it hands
out comes from the tests' own builder.
"""

import errno
import stat
import threading
import time

import mfusepy

ATTRIBUTES = {"provider": 0o444, "generation": 0o444, "inblob": 0o200, "outblob": 0o444}
INBLOB_MAX = 64


class Entry:
    def __init__(self):
        self.generation = 0
        self.inblob = b""
        self.outblob = None


class FakeTsmReport(mfusepy.Operations):
    """``answer(inblob) -> quote bytes``; the other arguments make it misbehave."""

    use_ns = True

    def __init__(self, answer, provider="tdx_guest", outblob_errno=None, race=False, mkdir_errno=None):
        self.answer = answer
        self.provider = provider
        self.outblob_errno = outblob_errno
        self.race = race
        self.mkdir_errno = mkdir_errno
        self.entries = {}
        self.created = []
        self.removed = []
        self.lock = threading.Lock()

    def _split(self, path):
        parts = [part for part in path.split("/") if part]
        if not parts:
            return None, None
        entry = self.entries.get(parts[0])
        if entry is None or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ATTRIBUTES):
            raise mfusepy.FuseOSError(errno.ENOENT)
        return entry, parts[1] if len(parts) == 2 else None

    def getattr(self, path, fh=None):
        with self.lock:
            entry, attribute = self._split(path)
        now = time.time_ns()
        if attribute is None:
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_atime=now, st_mtime=now, st_ctime=now)
        return dict(st_mode=stat.S_IFREG | ATTRIBUTES[attribute], st_nlink=1, st_size=4096,
                    st_atime=now, st_mtime=now, st_ctime=now)

    def readdir(self, path, fh):
        with self.lock:
            entry, _ = self._split(path)
            names = list(ATTRIBUTES) if entry else list(self.entries)
        return [".", ".."] + names

    def mkdir(self, path, mode):
        if self.mkdir_errno:
            raise mfusepy.FuseOSError(self.mkdir_errno)
        name = path.strip("/")
        with self.lock:
            if "/" in name:
                raise mfusepy.FuseOSError(errno.EPERM)
            if name in self.entries:
                raise mfusepy.FuseOSError(errno.EEXIST)
            self.entries[name] = Entry()
            self.created.append(name)
        return 0

    def rmdir(self, path):
        name = path.strip("/")
        with self.lock:
            if name not in self.entries:
                raise mfusepy.FuseOSError(errno.ENOENT)
            del self.entries[name]
            self.removed.append(name)
        return 0

    def open(self, path, fi):
        with self.lock:
            entry, attribute = self._split(path)
        if attribute is None:
            raise mfusepy.FuseOSError(errno.EISDIR)
        fi.direct_io = 1  # no page cache: every read reaches us, as in configfs
        return 0

    def truncate(self, path, length, fh=None):
        return 0

    def read(self, path, size, offset, fi):
        with self.lock:
            entry, attribute = self._split(path)
            if attribute == "provider":
                data = (self.provider + "\n").encode()
            elif attribute == "generation":
                data = b"%d\n" % entry.generation
            elif attribute == "outblob":
                if self.outblob_errno:
                    raise mfusepy.FuseOSError(self.outblob_errno)
                if entry.outblob is None:
                    entry.outblob = self.answer(entry.inblob)
                    if self.race:
                        entry.generation += 1  # another writer got in while the quote was made
                data = entry.outblob
            else:
                raise mfusepy.FuseOSError(errno.EACCES)
        return data[offset:offset + size]

    def write(self, path, data, offset, fi):
        with self.lock:
            entry, attribute = self._split(path)
            if attribute != "inblob":
                raise mfusepy.FuseOSError(errno.EACCES)
            if offset + len(data) > INBLOB_MAX:
                raise mfusepy.FuseOSError(errno.EINVAL)
            entry.inblob = entry.inblob[:offset] + bytes(data)
            entry.generation += 1
            entry.outblob = None
        return len(data)
