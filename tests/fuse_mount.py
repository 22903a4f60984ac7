"""A FUSE file system (such as the configfs-tsm stand-in), mounted in this process for the length of a ``with``."""

import os
import subprocess
import threading

import mfusepy

from tests.polling import wait_until


class Mounted:
    """Mount ``operations`` (an mfusepy.Operations) on ``mountpoint``; unmount on exit."""

    def __init__(self, operations, mountpoint):
        self.operations = operations
        self.mountpoint = mountpoint
        os.makedirs(mountpoint, exist_ok=True)
        self.thread = threading.Thread(
            target=mfusepy.FUSE, args=(operations, mountpoint),
            kwargs=dict(foreground=True, raw_fi=True), daemon=True)

    def __enter__(self):
        # libfuse's main loop moves the whole process to / (as a daemon
        # would); without restoring it, every later test in this worker runs
        # from / and relative paths, such as the tests' own, break.
        self.cwd = os.getcwd()
        self.thread.start()
        wait_until(lambda: os.path.ismount(self.mountpoint) or not self.thread.is_alive(), 20, interval=0.02)
        if not os.path.ismount(self.mountpoint):
            os.chdir(self.cwd)
            raise RuntimeError("%s did not mount on %s" % (type(self.operations).__name__, self.mountpoint))
        return self

    def __exit__(self, *exc):
        subprocess.run(["umount", self.mountpoint], check=False)
        self.thread.join(10)
        os.chdir(self.cwd)
