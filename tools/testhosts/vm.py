"""A full VM under QEMU software emulation: a kernel of its own for controls
that a container cannot show (sysctls, swap, auditd, module blacklists)."""

import glob
import json
import os
import shutil
import socket
import subprocess
import time

from . import addressing, base, containers, inventory, settings, sshkeys, system
from .errors import TesthostsError
from .packages import cache_key, read_package_list

MANIFEST = "manifest.json"
RECORD = "vm.json"
LOOPBACK = "127.0.0.1"

_VM_SETUP_SCRIPT = """\
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get -y -q --no-install-recommends install {packages}
apt-get clean
"""

# The root file system, and the NIC of QEMU's user network (DHCP from QEMU).
_FSTAB = "LABEL=testhosts-root\t/\text4\terrors=remount-ro\t0\t1\n"
_NETWORK = (
    "[Match]\n"
    "Name=en* eth*\n"
    "\n"
    "[Network]\n"
    "DHCP=ipv4\n"
)


def vms_dir():
    return os.path.join(settings.state_dir(), "vms")


def vm_dir(name):
    return os.path.join(vms_dir(), name)


def qemu_marker(name):
    return "-name testhosts-%s " % name


def image_key(base_packages, vm_packages, public_key):
    # The test user's key is baked into the image, so a new key pair (after
    # the state folder was wiped) must give a new image.
    return cache_key("vm", settings.VM_RECIPE, settings.SUITE, base_packages + vm_packages,
                     extra={"authorized_key": public_key})


def _write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _configure_image_root(root, public_key):
    _write(os.path.join(root, "etc/fstab"), _FSTAB)
    _write(os.path.join(root, "etc/systemd/network/10-testhosts-vm.network"), _NETWORK)
    _write(os.path.join(root, "etc/hosts"), "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n")
    sshkeys.install_authorized_key(root, public_key)
    return sshkeys.generate_host_keys(root)


def _newest(pattern):
    found = sorted(glob.glob(pattern))
    if not found:
        raise TesthostsError("the VM image build made no %s; see the build log" % pattern)
    return found[-1]


def ensure_image():
    """Return the folder of the cached VM image (disk.raw, vmlinuz, initrd.img), building it if needed."""
    system.require_root()
    system.require_commands("systemd-nspawn", "mkfs.ext4", "ssh-keygen")
    rootfs = base.ensure_base()
    _, public_key = sshkeys.ensure_client_key()
    key = image_key(read_package_list(settings.PACKAGES_FILE),
                    read_package_list(settings.VM_PACKAGES_FILE), public_key)
    final = os.path.join(settings.cache_dir(), "vm-%s" % key)
    if os.path.exists(os.path.join(final, MANIFEST)):
        return final
    with system.locked(os.path.join(settings.cache_dir(), "build.lock"), "building the VM image"):
        if os.path.exists(os.path.join(final, MANIFEST)):
            return final
        work = os.path.join(settings.cache_dir(), "building-vm-%s" % key)
        system.remove_tree(work)
        if os.path.lexists(final):
            system.remove_tree(final)
        os.makedirs(work)
        started = time.monotonic()
        log_file = os.path.join(work, "build.log")
        image_root = os.path.join(work, "rootfs")
        system.log("building the VM image %s from the base (log: %s)" % (key, log_file))
        system.run(["cp", "-a", "--reflink=auto", rootfs, image_root])
        vm_packages = read_package_list(settings.VM_PACKAGES_FILE)
        base.nspawn_run(image_root, _VM_SETUP_SCRIPT.format(packages=" ".join(vm_packages)), log_file)
        resolv = os.path.join(image_root, "etc/resolv.conf")
        if os.path.lexists(resolv):
            os.unlink(resolv)
        host_keys = _configure_image_root(image_root, public_key)
        shutil.copyfile(_newest(os.path.join(image_root, "boot/vmlinuz-*")), os.path.join(work, "vmlinuz"))
        shutil.copyfile(_newest(os.path.join(image_root, "boot/initrd.img-*")), os.path.join(work, "initrd.img"))
        # mkfs.ext4 -d fills the file system from a folder without mounting
        # anything; the file is sparse, so the spare room costs no disk.
        system.run(
            ["mkfs.ext4", "-q", "-F", "-L", "testhosts-root", "-d", image_root,
             os.path.join(work, "disk.raw"), settings.VM_DISK_SIZE],
            log_file=log_file,
        )
        shutil.rmtree(image_root)
        seconds = round(time.monotonic() - started, 1)
        manifest = {"key": key, "host_keys": host_keys, "packages": vm_packages,
                    "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "build_seconds": seconds}
        _write(os.path.join(work, MANIFEST), json.dumps(manifest, indent=2) + "\n")
        os.rename(work, final)
        system.log("VM image %s built in %.0f s: %s" % (key, seconds, final))
    return final


def free_port():
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def qemu_command(name, image, overlay, port, log_path):
    return [
        "qemu-system-x86_64", "-name", "testhosts-%s" % name,
        # KVM is unusable on these machines: software emulation, all cores.
        "-accel", "tcg,thread=multi", "-cpu", "max",
        "-smp", str(settings.VM_CPUS), "-m", str(settings.VM_MEMORY_MB),
        "-display", "none", "-monitor", "none", "-serial", "file:%s" % log_path,
        "-kernel", os.path.join(image, "vmlinuz"), "-initrd", os.path.join(image, "initrd.img"),
        "-append", "%s systemd.hostname=%s" % (settings.VM_KERNEL_CMDLINE, name),
        "-drive", "file=%s,if=virtio,format=qcow2" % overlay,
        "-netdev", "user,id=net0,hostfwd=tcp:%s:%d-:22" % (LOOPBACK, port),
        "-device", "virtio-net-pci,netdev=net0",
        # Entropy for sshd and the kernel's random pool at boot.
        "-device", "virtio-rng-pci",
    ]


def read_record(name):
    try:
        with open(os.path.join(vm_dir(name), RECORD), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write_record(record):
    path = os.path.join(vm_dir(record["name"]), RECORD)
    _write(path + ".tmp", json.dumps(record, indent=2, sort_keys=True))
    os.replace(path + ".tmp", path)


def is_running(record):
    return bool(record) and system.process_alive(record.get("pid"), qemu_marker(record["name"]))


def _boot(record, image):
    folder = vm_dir(record["name"])
    overlay = os.path.join(folder, "overlay.qcow2")
    # A copy-on-write layer per boot: every boot starts from the clean image.
    system.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", os.path.join(image, "disk.raw"),
                "-F", "raw", overlay], capture=True)
    for _ in range(3):  # the free port may be taken between the probe and QEMU's bind
        port = free_port()
        with open(os.path.join(folder, "qemu.log"), "ab") as log:
            process = subprocess.Popen(
                qemu_command(record["name"], image, overlay, port, os.path.join(folder, "console.log")),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True,
            )
        time.sleep(1)
        if process.poll() is None:
            record.update(pid=process.pid, port=port, started=time.time())
            _write_record(record)
            return
    raise TesthostsError("QEMU did not start for %s:\n%s" % (record["name"], system.tail(os.path.join(folder, "qemu.log"))))


def vm_up(name, inventory_path):
    system.require_root()
    system.require_commands("qemu-system-x86_64", "qemu-img", "ssh")
    addressing.validate_name(name)
    image = ensure_image()
    private_key, _ = sshkeys.ensure_client_key()
    with open(os.path.join(image, MANIFEST), encoding="utf-8") as handle:
        host_keys = json.load(handle)["host_keys"]
    os.makedirs(vms_dir(), mode=0o700, exist_ok=True)
    with system.locked(os.path.join(settings.state_dir(), "vms.lock"), "reserving the VM"):
        old = read_record(name)
        if old and is_running(old):
            raise TesthostsError("VM %s is already up (port %s); run `testhosts vm-down %s` first"
                                 % (name, old.get("port"), name))
        if os.path.lexists(vm_dir(name)):
            system.log("clearing leftovers of an earlier run of VM %s" % name)
            _clear(name, old)
        os.makedirs(vm_dir(name), mode=0o700)
        record = {"name": name, "kind": "vm", "image": image, "owner": os.getpid(), "pid": None}
        _write_record(record)
    started = time.monotonic()
    try:
        _boot(record, image)
        known_hosts = os.path.join(vm_dir(name), "known_hosts")
        _write(known_hosts, sshkeys.known_hosts_text(LOOPBACK, record["port"], host_keys))
        state, failed = sshkeys.wait_for_login(
            LOOPBACK, private_key, known_hosts, settings.VM_SSH_READY_TIMEOUT,
            still_running=lambda: is_running(record), port=record["port"], what="VM %s" % name,
        )
    except (TesthostsError, OSError) as error:
        console = system.tail(os.path.join(vm_dir(name), "console.log"))
        _clear(name, record)
        raise TesthostsError("%s; serial console:\n%s" % (error, console)) from None
    record.update(ready_seconds=round(time.monotonic() - started, 1), boot_state=state,
                  known_hosts=known_hosts, owner=None)
    _write_record(record)
    note = "" if state == "running" else " (%s; failed units: %s)" % (state, ", ".join(failed) or "none")
    system.log("VM %s ready at %s:%d, boot to SSH in %.0f s%s"
               % (name, LOOPBACK, record["port"], record["ready_seconds"], note))
    containers.write_inventory(
        inventory_path,
        {name: inventory.host_vars("vm", LOOPBACK, private_key, known_hosts, port=record["port"])},
        None,
    )
    return record


def _clear(name, record):
    # The per-boot overlay is thrown away, so a power cut loses nothing.
    for pid in system.pids_with_cmdline(qemu_marker(name)):
        system.stop_process(pid, qemu_marker(name), settings.HALT_TIMEOUT, "VM %s" % name)
    if record and record.get("pid"):
        system.stop_process(record["pid"], qemu_marker(name), settings.HALT_TIMEOUT, "VM %s" % name)
    system.remove_tree(vm_dir(name))


def vm_down(names, quiet=False):
    system.require_root()
    for name in names:
        addressing.validate_name(name)
        if not os.path.lexists(vm_dir(name)):
            if not quiet:
                system.log("VM %s is not up" % name)
            continue
        _clear(name, read_record(name))
        if not quiet:
            system.log("VM %s down" % name)


def recorded_names():
    if not os.path.isdir(vms_dir()):
        return []
    return sorted(name for name in os.listdir(vms_dir()) if os.path.isdir(vm_dir(name)))


def listing():
    rows = []
    for name in recorded_names():
        record = read_record(name) or {"name": name}
        rows.append({"name": name, "kind": "vm",
                     "address": "%s:%s" % (LOOPBACK, record.get("port", "-")),
                     "state": "running" if is_running(record) else "stale"})
    return rows
