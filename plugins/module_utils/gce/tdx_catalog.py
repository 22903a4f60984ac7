# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where Intel TDX Confidential VMs can run on Compute Engine, as data.

Google adds machine series, zones and images over time. When it does, this
file is the only one to edit: the preflight checks and warnings
(``tdx_rules``) and the modules' defaults read from here. The Compute Engine emulator
used by the tests keeps its own, separate copy of these facts on purpose, so
a wrong entry here is caught by the API's answer instead of passing silently.

Sources: named per entry below; the API facts they rest on are gathered in
docs/ and in the project's reference notes.
"""

# The value of confidentialInstanceConfig.confidentialInstanceType that asks
# for a trust domain. The API enum is open-ended (SEV, SEV_SNP, TDX, ...).
CONFIDENTIAL_INSTANCE_TYPE = "TDX"

# A trust domain cannot be live-migrated, so the host maintenance policy has
# to stop the VM instead.
REQUIRED_ON_HOST_MAINTENANCE = "TERMINATE"

# The guest OS feature an image must declare before the API lets it boot as
# a trust domain.
REQUIRED_GUEST_OS_FEATURE = "TDX_CAPABLE"

# What this file lists is what the collection knows, each entry with its
# source; it is not a gate. A zone or machine type it does not list is only
# warned about: before any write, gce_instance asks the API itself (zones.get,
# machineTypes.get, images.get) and the API's answer decides.

# Machine types known to run as a trust domain, as full-match regular
# expressions on the machine type name, with the source that lists them.
# a3-highgpu-1g (Confidential GPU) is left out: it is only offered with
# Spot or Flex-start provisioning, which gce_instance does not request.
# C4 is not listed: no Google page lists it for TDX (an earlier third-party
# list did); it gets the warning of any unknown type.
TDX_MACHINE_TYPES = (
    {"series": "c3", "pattern": r"c3-standard-[0-9]+", "stage": "GA",
     "source": "cloud.google.com/confidential-computing/confidential-vm/docs/supported-configurations "
               "(tab intel-tdx); Google's Dataproc confidential-compute page, 2026"},
)

# Zones known to offer TDX machines, by who reports them. Google's own list
# (supported-configurations, tab intel-tdx) grows; [3p] marks a third party.
ZONE_SOURCES = {
    "[3p] Intel's TDX quote SDK README for Google Cloud": (
        "asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c", "europe-west4-a", "europe-west4-b",
        "us-central1-a", "us-central1-b", "us-central1-c"),
    "[3p] other third-party TDX zone lists (2026)": ("europe-west4-c", "us-east1-c", "us-east1-d"),
}
TDX_ZONES = tuple(sorted(zone for zones in ZONE_SOURCES.values() for zone in zones))

# Per machine series: the CPU platform a zone must offer (zones.get,
# availableCpuPlatforms), the disk types its disks may have, and how its
# machine type may change. Sources:
# - cloud.google.com/compute/docs/general-purpose-machines, section C3
#   (4th generation Intel Xeon Scalable, "Intel Sapphire Rapids"; supported
#   disk types: Balanced and SSD Persistent Disk, Hyperdisk Balanced, Extreme
#   and Throughput; no Standard Persistent Disk). What each type needs beyond
#   that (a larger machine, a size range) is DISK_TYPE_LIMITS below.
# - cloud.google.com/compute/docs/instances/changing-machine-type-of-stopped-instance
#   ("Edit the machine type of a compute instance"): a machine type of another
#   series only between first- and second-generation series; C3 is a
#   third-generation series, so a C3 instance's machine type changes within C3.
SERIES = {
    "c3": {
        "cpu_platform": "Intel Sapphire Rapids",
        "disk_types": ("pd-balanced", "pd-ssd", "hyperdisk-balanced", "hyperdisk-extreme", "hyperdisk-throughput"),
        "machine_type_changes_within_series": True,
    },
}

# What a disk type needs beyond its machine series taking it: a machine of at
# least so many vCPUs (or GPUs, for accelerator-optimized series), and a size
# within a range. Sizes are in GB as the API counts them (diskSizeGb); Google's
# pages give them in GiB and TiB, which is the same unit (64 TiB = 65536 GB).
# The Compute Engine emulator keeps its own copy of these limits (catalog.json).
DISK_TYPE_LIMITS = {
    "hyperdisk-extreme": {
        "min_vcpus": {"c3": 88, "c4": 96},
        "min_gpus": {"a3": 4},
        "size_gb": (64, 65536),
        "source": "cloud.google.com/compute/docs/disks/hd-types/hyperdisk-extreme (Restrictions for machine series "
                  "support: C3 at least 88 vCPUs, C4 at least 96, A3 at least 4 GPUs; Size and performance "
                  "limits: 64 GiB to 64 TiB)",
    },
    "hyperdisk-throughput": {
        "size_gb": (2048, 32768),
        "source": "cloud.google.com/compute/docs/disks/hd-types/hyperdisk-throughput (Size and performance "
                  "limits: 2 TiB to 32 TiB)",
    },
}

# Disks a Confidential VM can have, the boot disk included; they attach as
# NVMe only. Source: confidential-vm/docs/supported-configurations (2026).
MAX_DISKS = 40

DEFAULT_MACHINE_TYPE = "c3-standard-4"

# PROJECT/FAMILY (or PROJECT/IMAGE): the Ubuntu 22.04 LTS family, whose
# images declare TDX_CAPABLE.
DEFAULT_IMAGE = "ubuntu-os-cloud/ubuntu-2204-lts"

# Other public families known to declare TDX_CAPABLE, for documentation and
# error hints.
KNOWN_TDX_IMAGES = (
    "ubuntu-os-cloud/ubuntu-2204-lts",
    "ubuntu-os-cloud/ubuntu-2404-lts-amd64",
    "cos-cloud/cos-tdx-113-lts",
)
