"""The configfs-tsm stand-in of a container (``testhosts up --tsm-standin PKI_DIR``).

The stand-in (tools/tsm_standin) is a FUSE daemon run on this machine with a
Python that has mfusepy. It is mounted in the host's folder before nspawn
starts, bound into the container at STAGING by nspawn, and, once the
container has booted, moved to /sys/kernel/config/tsm/report inside the
container's own mount namespace (nsenter). The machine's own /sys is never
touched.

The container's /sys is the kernel's sysfs, read-only, and this kernel has no
configfs, so /sys/kernel/config cannot be made there. Inside the container a
tmpfs is laid over /sys/kernel, every original entry is bound back onto it
(read-only, as before), and config/tsm/report is made in it.

The stand-in also writes the host's TDX event log (the CCEL table and data,
tools/tsm_standin/eventlog.py) in its control folder's ``acpi-tables``; that
folder is bound at ACPI_STAGING by nspawn and then at the container's
/sys/firmware/acpi/tables, read-only, where a TD's kernel shows them. Bound,
not copied: ``python -m tools.tsm_standin eventlog`` changes what the host
shows while it runs.
"""

import json
import os
import subprocess
import sys
import time

from . import inside, settings, system
from .errors import TesthostsError

STAGING = "/run/tsm-standin"
ACPI_STAGING = "/run/tsm-standin-acpi"
REPORT_DIR = "/sys/kernel/config/tsm/report"
MOUNT_TIMEOUT = 30

# Run with the container's own sh and mount (entering its mount namespace
# enters its root too).
_MOUNT_SCRIPT = r"""
set -eu
keep=/run/.tsm-standin-sys-kernel
mkdir -p "$keep"
mount --bind /sys/kernel "$keep"
# Private: the container's systemd made every mount shared, and the tmpfs
# below must not propagate onto this copy of the original.
mount --make-private "$keep"
mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tsm-standin-sys-kernel /sys/kernel
for path in "$keep"/*; do
    name=${path##*/}
    if [ -d "$path" ]; then mkdir "/sys/kernel/$name"; else : > "/sys/kernel/$name"; fi
    mount --rbind "$path" "/sys/kernel/$name"
done
mkdir -p /sys/kernel/config/tsm/report
mount --bind "$1" /sys/kernel/config/tsm/report
mount -o remount,ro /sys/kernel
umount --lazy "$keep"
rmdir "$keep"
umount --lazy "$1"
# The event log, where a TD's kernel shows it. nspawn gives the container a
# read-only tmpfs /sys with sysfs's folders bound in, and no /sys/firmware:
# the folder is made in that tmpfs (rw for the mkdir only). Where sysfs shows
# the machine's own ACPI tables there, the stand-in's are bound over them.
if [ ! -d /sys/firmware/acpi/tables ]; then
    mount -o remount,bind,rw /sys
    mkdir -p /sys/firmware/acpi/tables
    mount -o remount,bind,ro /sys
fi
mount --bind "$2" /sys/firmware/acpi/tables
mount -o remount,bind,ro /sys/firmware/acpi/tables
umount --lazy "$2"
"""


def python():
    """The interpreter that runs the daemon: it needs mfusepy (requirements-dev.txt)."""
    chosen = os.environ.get(settings.TSM_PYTHON_ENV)
    if chosen:
        return chosen
    venv = os.path.join(settings.REPO_DIR, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def control_dir(folder):
    return os.path.join(folder, "tsm-standin")


def mountpoint(folder):
    return os.path.join(folder, "tsm-mount")


def check_pki_dir(pki_dir):
    if not os.path.isdir(pki_dir):
        raise TesthostsError("--tsm-standin %s: no such directory; give the folder of a test PKI "
                             "(python -m tools.tdx_pki, see docs/testing.md)" % pki_dir)
    return os.path.abspath(pki_dir)


def start(record, folder, pki_dir, kernel_version=None):
    """Start the daemon and wait for its mount; its pid goes into the record.

    ``kernel_version``: the kernel the host's event log says it booted (the
    stand-in's default Ubuntu kernel when None).
    """
    control = control_dir(folder)
    os.makedirs(control, mode=0o700, exist_ok=True)
    config = {"pki_dir": pki_dir, "host": record["name"], "td": {}}
    if kernel_version:
        config["kernel_version"] = kernel_version
    with open(os.path.join(control, "config.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
    target = mountpoint(folder)
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(folder, "tsm-standin.log"), "ab") as log:
        process = subprocess.Popen(
            [python(), "-m", "tools.tsm_standin", "serve", "--control", control, "--mountpoint", target],
            cwd=settings.REPO_DIR, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    record["tsm_standin"] = {"pid": process.pid, "control": control, "mountpoint": target}
    deadline = time.monotonic() + MOUNT_TIMEOUT
    while not os.path.ismount(target):
        if process.poll() is not None or time.monotonic() > deadline:
            raise TesthostsError("the configfs-tsm stand-in of %s did not mount; its log:\n%s"
                                 % (record["name"], system.tail(os.path.join(folder, "tsm-standin.log"))))
        time.sleep(0.05)


def nspawn_arguments(record):
    standin = record.get("tsm_standin")
    if not standin:
        return []
    return ["--bind=%s:%s" % (standin["mountpoint"], STAGING),
            "--bind=%s:%s" % (os.path.join(standin["control"], "acpi-tables"), ACPI_STAGING)]


def _container_init(record):
    pid = inside.container_init(record)
    if pid is None:
        raise TesthostsError("cannot find the init of container %s to mount the tsm stand-in" % record["name"])
    return pid


def mount_in_container(record):
    if not record.get("tsm_standin"):
        return
    system.require_commands("nsenter")
    # --pid too: mount and umount read /proc/self/mountinfo, and the container's
    # /proc shows only its own pid namespace.
    system.run(["nsenter", "--target", str(_container_init(record)), "--mount", "--pid", "--",
                "/bin/sh", "-c", _MOUNT_SCRIPT, "tsm-standin", STAGING, ACPI_STAGING], capture=True)


def stop(record):
    """Stop the daemon (after the container: nothing uses the mount then) and unmount it."""
    standin = (record or {}).get("tsm_standin")
    if not standin:
        return
    marker = "tools.tsm_standin serve --control %s " % standin["control"]
    system.stop_process(standin.get("pid"), marker, 10, "the tsm stand-in of %s" % record["name"])
    if os.path.ismount(standin["mountpoint"]):
        system.run(["umount", "--lazy", standin["mountpoint"]], check=False)
