"""Remove cached images that nothing uses any more.

Every change to a package list makes a new base (about 400 MB) and VM image
(about 1 GB); the old ones stay until pruned.
"""

import fcntl
import os

from . import base, google, settings, sshkeys, system, vm
from .packages import read_package_list


def _current_names():
    packages = read_package_list(settings.PACKAGES_FILE)
    names = {os.path.basename(base.base_dir(base.base_key(packages))),
             os.path.basename(google.image_dir(google.image_key(packages, google.variant_packages())))}
    public_key_file = sshkeys.client_key_path() + ".pub"
    if os.path.exists(public_key_file):
        with open(public_key_file, encoding="utf-8") as handle:
            key = vm.image_key(packages, read_package_list(settings.VM_PACKAGES_FILE), handle.read().strip())
        names.add("vm-%s" % key)
    return names


def _in_use(path):
    """True if a running container has it as its overlay's lower layer, or a VM boots from it."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        if any("lowerdir=%s/" % path in line or "lowerdir=%s," % path in line for line in handle):
            return True
    for name in vm.recorded_names():
        record = vm.read_record(name)
        if record and record.get("image") == path and vm.is_running(record):
            return True
    return False


def prune():
    system.require_root()
    cache = settings.cache_dir()
    if not os.path.isdir(cache):
        return []
    keep = _current_names()
    removed = []
    with open(os.path.join(cache, "build.lock"), "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            system.log("a build is running; pruning only finished images")
            building = True
        else:
            building = False
        for name in sorted(os.listdir(cache)):
            path = os.path.join(cache, name)
            if not os.path.isdir(path) or name in keep:
                continue
            if name.startswith("building-"):
                if building:
                    continue
            elif not name.startswith(("base-", google.VARIANT + "-", "vm-")):
                continue
            target = path if name.startswith("vm-") else os.path.join(path, "rootfs")
            if _in_use(target):
                system.log("keeping %s: a running test host uses it" % name)
                continue
            system.remove_tree(path)
            removed.append(path)
            system.log("removed %s" % path)
    return removed
