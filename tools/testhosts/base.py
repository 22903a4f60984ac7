"""The cached Debian base root filesystem every test host starts from."""

import json
import os
import shutil
import time

from . import mirrors, settings, system
from .errors import TesthostsError
from .packages import cache_key, read_package_list

MANIFEST = "manifest.json"

# Runs inside the new root filesystem (systemd-nspawn, not booted): bring it
# up to date with the security archive, install the package list, and add the
# test user. Kept free of host-side paths so it reads like a setup script.
_SETUP_SCRIPT = """\
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get -y -q -o Dpkg::Options::=--force-confold dist-upgrade
apt-get -y -q --no-install-recommends install {packages}
id {user} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --groups sudo {user}
echo '{user}:{password}' | chpasswd
printf '%s ALL=(ALL) NOPASSWD: ALL\\n' {user} > /etc/sudoers.d/{user}
chmod 0440 /etc/sudoers.d/{user}
visudo -c -q
systemctl enable systemd-networkd.service
apt-get clean
"""


def base_key(packages):
    return cache_key("base", settings.BASE_RECIPE, settings.SUITE, packages)


def base_dir(key):
    return os.path.join(settings.cache_dir(), "base-%s" % key)


def nspawn_run(root, script, log_file):
    """Run a shell script inside ``root`` without booting it, with the host's network.

    ``--register=no --keep-unit``: this machine has no systemd bus to
    register with. DNS: the host's resolver settings are copied in.
    """
    shutil.copyfile("/etc/hosts", os.path.join(root, "etc/hosts"))
    system.run(
        [
            "systemd-nspawn", "--register=no", "--keep-unit", "--quiet",
            "--directory", root, "--pipe", "--resolv-conf=replace-host",
            "--setenv=DEBIAN_FRONTEND=noninteractive",
            "/bin/sh", "-c", script,
        ],
        log_file=log_file,
    )


def _write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def _make_neutral(root):
    """Strip what must differ per host, so each clone gets its own.

    Host keys are generated at start, machine-id by systemd at first boot,
    the hostname from the host's name.
    """
    ssh_dir = os.path.join(root, "etc/ssh")
    for name in os.listdir(ssh_dir):
        if name.startswith("ssh_host_"):
            os.unlink(os.path.join(ssh_dir, name))
    _write(os.path.join(root, "etc/machine-id"), "", 0o444)
    dbus_id = os.path.join(root, "var/lib/dbus/machine-id")
    if os.path.lexists(dbus_id):
        os.unlink(dbus_id)
    for leftover in ("etc/hostname", "etc/resolv.conf"):
        path = os.path.join(root, leftover)
        if os.path.lexists(path):
            os.unlink(path)
    _write(os.path.join(root, "etc/hosts"), "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n")


def build_rootfs(root, packages, log_file):
    mirror = mirrors.main_mirror()
    system.log("debootstrap %s from %s (log: %s)" % (settings.SUITE, mirror, log_file))
    system.run(
        ["debootstrap", "--variant=minbase", settings.SUITE, root, mirror],
        log_file=log_file,
    )
    # debootstrap leaves a one-line sources.list; replace it with the full set
    # (updates and security) so the hosts look like an installed Debian.
    legacy = os.path.join(root, "etc/apt/sources.list")
    if os.path.exists(legacy):
        os.unlink(legacy)
    _write(
        os.path.join(root, "etc/apt/sources.list.d/debian.sources"),
        mirrors.guest_sources(mirror, mirrors.security_mirror()),
    )
    system.log("installing %d packages into the base" % len(packages))
    nspawn_run(
        root,
        _SETUP_SCRIPT.format(
            packages=" ".join(packages), user=settings.TEST_USER, password=settings.TEST_PASSWORD
        ),
        log_file,
    )
    _make_neutral(root)


def ensure_base():
    """Return the base root filesystem for the current package list, building it if needed."""
    system.require_root()
    system.require_commands("debootstrap", "systemd-nspawn")
    packages = read_package_list(settings.PACKAGES_FILE)
    key = base_key(packages)
    final = base_dir(key)
    rootfs = os.path.join(final, "rootfs")
    if os.path.exists(os.path.join(final, MANIFEST)):
        return rootfs
    with system.locked(os.path.join(settings.cache_dir(), "build.lock"), "building the base"):
        if os.path.exists(os.path.join(final, MANIFEST)):
            return rootfs
        work = os.path.join(settings.cache_dir(), "building-base-%s" % key)
        system.remove_tree(work)  # left by a run that crashed mid-build
        if os.path.lexists(final):
            system.remove_tree(final)
        os.makedirs(work)
        started = time.monotonic()
        build_rootfs(os.path.join(work, "rootfs"), packages, os.path.join(work, "build.log"))
        check_build_result(os.path.join(work, "rootfs"))
        seconds = round(time.monotonic() - started, 1)
        manifest = {"key": key, "suite": settings.SUITE, "packages": packages,
                    "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "build_seconds": seconds}
        _write(os.path.join(work, MANIFEST), json.dumps(manifest, indent=2) + "\n")
        os.rename(work, final)
        system.log("base %s built in %.0f s: %s" % (key, seconds, rootfs))
    return rootfs


def cached_bases():
    root = settings.cache_dir()
    if not os.path.isdir(root):
        return []
    return sorted(
        os.path.join(root, name) for name in os.listdir(root)
        if name.startswith("base-") and os.path.exists(os.path.join(root, name, MANIFEST))
    )


def check_build_result(rootfs):
    for needed in ("usr/sbin/sshd", "lib/systemd/systemd", "usr/bin/python3"):
        if not os.path.exists(os.path.join(rootfs, needed)):
            raise TesthostsError("base image %s lacks /%s; keep systemd, openssh-server and python3 in packages.txt"
                                 % (rootfs, needed))
