"""Every fixed value of the test hosts, in one place.

Paths come from the environment so CI, developers and tests can move them;
the rest is the plan the other modules follow (address ranges, the test
user, timeouts, the VM's shape).
"""

import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(PACKAGE_DIR))
PACKAGES_FILE = os.path.join(PACKAGE_DIR, "packages.txt")
VM_PACKAGES_FILE = os.path.join(PACKAGE_DIR, "vm-packages.txt")

# Cache: base root filesystems and VM images, kept across runs (shared by
# everyone on the machine, so builds take a lock). State: key pair and
# running hosts; it may vanish at reboot, which is fine.
CACHE_ENV = "TESTHOSTS_CACHE"
STATE_ENV = "TESTHOSTS_STATE"
DEFAULT_CACHE = "/var/tmp/confidential-tdx-testhosts"
DEFAULT_STATE = "/run/confidential-tdx-testhosts"


# The configfs-tsm stand-in (tsm.py): a test PKI folder for every host `up`
# starts, when set (so hosts started by others, e.g. the emulator's backing,
# get one too), and the Python with mfusepy that runs its daemon.
TSM_STANDIN_ENV = "TESTHOSTS_TSM_STANDIN"
TSM_PYTHON_ENV = "TESTHOSTS_TSM_PYTHON"


def cache_dir():
    return os.environ.get(CACHE_ENV) or DEFAULT_CACHE


def state_dir():
    return os.environ.get(STATE_ENV) or DEFAULT_STATE


# The distribution. Ubuntu's archive cannot be reached from these machines;
# Debian 12 is the nearest real host. The mirror is read from the machine's
# own apt sources (see mirrors.py); these are the fallbacks.
SUITE = "bookworm"
SECURITY_SUITE = "bookworm-security"
UPDATES_SUITE = "bookworm-updates"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
FALLBACK_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
HOST_APT_SOURCES = (
    "/etc/apt/sources.list.d/debian.sources",
    "/etc/apt/sources.list",
)
MIRROR_ENV = "TESTHOSTS_MIRROR"
SECURITY_MIRROR_ENV = "TESTHOSTS_SECURITY_MIRROR"

# Bump when the way the base or the VM image is made changes, so caches made
# by an older recipe are not reused.
BASE_RECIPE = 1
VM_RECIPE = 1

# The user Ansible logs in as. The password exists so that tests can prove
# that password logins are refused once the host is hardened.
TEST_USER = "tester"
TEST_PASSWORD = "tester-password"
REMOTE_PYTHON = "/usr/bin/python3"

# Addresses: each container sits on its own veth pair with its own
# 169.254.N.0/24 (link-local, never routed off this machine). The host side
# is .1, the container .2. N=169 is skipped (169.254.169.254 is the cloud
# metadata address) and 0/255 are reserved by RFC 3927.
LINK_LOCAL_PREFIX = "169.254"
SUBNET_FIRST = 1
SUBNET_LAST = 254
SUBNET_RESERVED = frozenset({169})
HOST_SIDE_OCTET = 1
GUEST_SIDE_OCTET = 2
PREFIX_LENGTH = 24

# Linux interface names hold at most 15 characters and systemd-nspawn names
# the host side "ve-" + machine name.
IFNAMSIZ_MAX = 15
VETH_PREFIX = "ve-"
MACHINE_HASH_PREFIX = "th"

# How long to wait; generous because 2 cores are shared by several people.
SSH_READY_TIMEOUT = 180
VM_SSH_READY_TIMEOUT = 900
HALT_TIMEOUT = 30
SSH_CONNECT_TIMEOUT = 5

# The full VM: software emulation (KVM is not usable on these machines).
VM_DISK_SIZE = "3G"
VM_MEMORY_MB = 1536
VM_CPUS = 2
VM_KERNEL_CMDLINE = "console=ttyS0 root=/dev/vda rw"
