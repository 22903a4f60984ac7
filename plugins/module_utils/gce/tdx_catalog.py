# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where Intel TDX Confidential VMs can run on Compute Engine, as data.

Google adds machine series, zones and images over time. When it does, this
file is the only one to edit: the preflight checks (``tdx_rules``), the
modules' defaults and the tdx_problems reported by gce_instance_info all read
from here. The Compute Engine emulator
used by the tests keeps its own, separate copy of these facts on purpose, so
a wrong entry here is caught by the API's answer instead of passing silently.

Sources: cloud.google.com/confidential-computing/confidential-vm/docs/
supported-configurations (tab intel-tdx) and the notes in docs/.
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

# Machine types that can run as a trust domain, as full-match regular
# expressions on the machine type name. ``stage`` is informative: Preview
# types need the project to be enrolled in the preview.
# a3-highgpu-1g (Confidential GPU) is left out: it is only offered with
# Spot or Flex-start provisioning, which gce_instance does not request.
TDX_MACHINE_TYPES = (
    {"series": "c3", "pattern": r"c3-standard-[0-9]+", "stage": "GA"},
    {"series": "c3", "pattern": r"c3-standard-[0-9]+-lssd", "stage": "Preview"},
    {"series": "c4", "pattern": r"c4-standard-[0-9]+", "stage": "Preview"},
)

# Zones that offer TDX machines.
TDX_ZONES = (
    "asia-southeast1-a",
    "asia-southeast1-b",
    "asia-southeast1-c",
    "europe-west4-a",
    "europe-west4-b",
    "us-central1-a",
    "us-central1-b",
    "us-central1-c",
)

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
