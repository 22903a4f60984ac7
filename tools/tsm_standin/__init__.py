"""A configfs-tsm report directory for test hosts, answering quotes from the test PKI.

Linux 6.7+ gives a TD guest ``/sys/kernel/config/tsm/report``: ``mkdir`` an
entry, write 64 bytes of report data to ``inblob``, read the quote from
``outblob`` (Documentation/ABI/testing/configfs-tsm-report). A test host is a
container on a kernel without TDX, so this FUSE file system plays that
directory inside one host's own mount namespace, and signs each quote with
the test PKI of ``tools/tdx_pki`` over exactly the ``inblob`` written.

It is a test double: it must not import the collection (plugins/).
"""
