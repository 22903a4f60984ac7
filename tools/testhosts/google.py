"""The ``google`` variant of the test hosts: they log in the way Google's images do.

The base image plus Debian's ``google-guest-agent`` (enabled under systemd)
and ``google-compute-engine-oslogin``, and the sshd drop-in of Ubuntu's cloud
images (``PasswordAuthentication no``). OS Login itself is left switched off
in the image: on Google's images the agent writes the ``AuthorizedKeysCommand``,
NSS and PAM lines when ``enable-oslogin`` turns true in the metadata, and
removes them when it turns false, so that is left to the real agent here too.

The test user's key is not installed on these hosts: the only ways in are the
ones Google's images have, keys in the instance or project metadata (the agent
makes the account) and OS Login. They need a metadata server at
169.254.169.254 inside the host, which the emulator's backing mode provides
(tools/metadata_server); ``metadata.google.internal`` resolves to it through
/etc/hosts as on Google's images.
"""

import json
import os
import subprocess
import time

from . import base, settings, system
from .errors import TesthostsError
from .packages import cache_key, read_package_list

VARIANT = "google"
PACKAGES_FILE = os.path.join(settings.PACKAGE_DIR, "packages-google.txt")
# Bump when the way this variant is made changes.
RECIPE = 1
METADATA_ADDRESS = "169.254.169.254"
METADATA_HOSTS_LINE = "%s\tmetadata.google.internal metadata\n" % METADATA_ADDRESS

# The sshd drop-in of Ubuntu's cloud images (named in issue 15); Debian 12's
# sshd_config includes /etc/ssh/sshd_config.d/*.conf first, as Ubuntu's does.
CLOUDIMG_DROP_IN = "etc/ssh/sshd_config.d/60-cloudimg-settings.conf"
CLOUDIMG_DROP_IN_TEXT = "PasswordAuthentication no\n"

_SETUP_SCRIPT = """\
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get -y -q --no-install-recommends install {packages}
systemctl enable google-guest-agent.service
apt-get clean
"""

# Files the image must hold once built, with the package that brings them.
_EXPECTED = {
    "usr/bin/google_guest_agent": "google-guest-agent",
    "usr/bin/google_authorized_keys": "google-compute-engine-oslogin",
    "etc/systemd/system/multi-user.target.wants/google-guest-agent.service": "google-guest-agent (enabled)",
}


def variant_packages():
    return read_package_list(PACKAGES_FILE)


def image_key(base_packages, packages):
    return cache_key(VARIANT, RECIPE, settings.SUITE, packages, extra={"base": base.base_key(base_packages)})


def image_dir(key):
    return os.path.join(settings.cache_dir(), "%s-%s" % (VARIANT, key))


def _check(rootfs):
    for path, package in sorted(_EXPECTED.items()):
        if not os.path.lexists(os.path.join(rootfs, path)):
            raise TesthostsError("the %s image %s lacks /%s (from %s); see its build.log"
                                 % (VARIANT, rootfs, path, package))


def _build(base_rootfs, rootfs, packages, log_file):
    system.run(["cp", "-a", "--reflink=auto", base_rootfs, rootfs], log_file=log_file)
    system.log("installing %s into the %s image (log: %s)" % (" ".join(packages), VARIANT, log_file))
    base.nspawn_run(rootfs, _SETUP_SCRIPT.format(packages=" ".join(packages)), log_file)
    with open(os.path.join(rootfs, CLOUDIMG_DROP_IN), "w", encoding="utf-8") as handle:
        handle.write(CLOUDIMG_DROP_IN_TEXT)
    base._make_neutral(rootfs)  # pylint: disable=protected-access
    _check(rootfs)


def ensure_image():
    """The variant's root filesystem, built from the current base if needed (cached, locked)."""
    base_rootfs = base.ensure_base()
    base_packages = read_package_list(settings.PACKAGES_FILE)
    packages = variant_packages()
    key = image_key(base_packages, packages)
    final = image_dir(key)
    rootfs = os.path.join(final, "rootfs")
    if os.path.exists(os.path.join(final, base.MANIFEST)):
        return rootfs
    with system.locked(os.path.join(settings.cache_dir(), "build.lock"), "building the %s image" % VARIANT):
        if os.path.exists(os.path.join(final, base.MANIFEST)):
            return rootfs
        work = os.path.join(settings.cache_dir(), "building-%s-%s" % (VARIANT, key))
        system.remove_tree(work)
        if os.path.lexists(final):
            system.remove_tree(final)
        os.makedirs(work)
        started = time.monotonic()
        _build(base_rootfs, os.path.join(work, "rootfs"), packages, os.path.join(work, "build.log"))
        seconds = round(time.monotonic() - started, 1)
        manifest = {"key": key, "variant": VARIANT, "base": base.base_key(base_packages), "packages": packages,
                    "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "build_seconds": seconds}
        with open(os.path.join(work, base.MANIFEST), "w", encoding="utf-8") as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
        os.rename(work, final)
        system.log("%s image %s built in %.0f s: %s" % (VARIANT, key, seconds, rootfs))
    return rootfs


def prepare_tree(merged):
    """Per host: the metadata server's name, as Google's images have it in /etc/hosts."""
    with open(os.path.join(merged, "etc/hosts"), "a", encoding="utf-8") as handle:
        handle.write(METADATA_HOSTS_LINE)


def wait_for_sshd(address, private_key, known_hosts, timeout, still_running, what="host"):  # pylint: disable=unused-argument
    """Wait until sshd answers and refuses the test user's key (the key is not a way in here).

    The proof that matters for this variant is that sshd runs and the key
    fails; whether the boot has finished is read from inside the host
    (``inside.wait_for_boot``), as no login can tell.
    """
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    # No host key check here: the agent replaces the host keys at the
    # instance's first boot, before sshd starts, and publishes the new ones in
    # the guest attributes (hostkeys/*), where clients read them as on
    # Compute Engine. Nothing secret is sent: the login must fail.
    probe = [
        "ssh", "-i", private_key, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "ConnectTimeout=%d" % settings.SSH_CONNECT_TIMEOUT, "-o", "PreferredAuthentications=publickey",
        "%s@%s" % (settings.TEST_USER, address), "true",
    ]
    while time.monotonic() < deadline:
        if not still_running():
            raise TesthostsError("%s stopped while booting" % what)
        result = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False)
        text = result.stderr.decode(errors="replace")
        if result.returncode == 0:
            raise TesthostsError("%s let the test user in with the test key; the %s variant must not"
                                 % (what, VARIANT))
        if "Permission denied" in text:
            return
        last_error = (text.strip().splitlines() or ["no answer"])[-1]
        time.sleep(1)
    raise TesthostsError("%s: sshd did not answer within %ss (%s)" % (what, timeout, last_error))
