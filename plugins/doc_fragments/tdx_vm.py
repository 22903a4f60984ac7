# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options of plugins/module_utils/gce/vm_options.py (VM_OPTIONS and
    # TASK_VM_OPTIONS): what a TDX VM is made of, for a template and the
    # instances made from it. gce_instance documents the same options with
    # what they mean for an existing instance (changes in place).
    DOCUMENTATION = r"""
options:
  machine_type:
    description:
      - Machine type; it must belong to a series that can run TDX (C3
        C(c3-standard-N) in the collection's list, from Google's pages).
        Another type is warned about, not refused; the API decides.
    type: str
    default: c3-standard-4
  image:
    description:
      - Boot image, as V(PROJECT/FAMILY) or V(PROJECT/IMAGE) (a family is tried
        first), V(PROJECT/family/FAMILY), or an image URL
        (V(projects/PROJECT/global/images/IMAGE)).
      - It must declare the guest OS feature C(TDX_CAPABLE); this is checked
        through the API (C(images.get)) before any write.
    type: str
    default: ubuntu-os-cloud/ubuntu-2204-lts
  boot_disk_size_gb:
    description:
      - Size of the boot disk in GB. Defaults to the image's size.
    type: int
  boot_disk_type:
    description:
      - Type of the boot disk, for example V(pd-balanced), V(pd-ssd) or
        V(hyperdisk-balanced).
      - It must be one the machine series takes, on a machine and at a size
        the type allows (checked before any call, or once the image's size
        is known). C3 takes no V(pd-standard); V(hyperdisk-extreme) needs a
        C3 of at least 88 vCPUs and 64 to 65536 GB (Google's Hyperdisk
        Extreme page), V(hyperdisk-throughput) 2048 to 32768 GB (Google's
        Hyperdisk Throughput page).
    type: str
    default: pd-balanced
  boot_disk_kms_key_name:
    description:
      - A Cloud KMS key to encrypt the boot disk with (CMEK), as
        V(projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY).
        The Compute Engine service agent needs
        C(roles/cloudkms.cryptoKeyEncrypterDecrypter) on it.
    type: str
  additional_disks:
    description:
      - Empty data disks made with each VM, attached after the boot disk in
        this order (a Confidential VM attaches disks as NVMe only, at most 40
        with the boot disk).
    type: list
    elements: dict
    suboptions:
        name:
          description:
            - Disk name (for an instance; a template's disks are named after each instance made from it).
          type: str
        size_gb:
          description:
            - Size in GB.
          type: int
          required: true
        type:
          description:
            - Disk type; one the machine series takes, at a size the type allows, as O(boot_disk_type).
          type: str
          default: pd-balanced
        auto_delete:
          description:
            - Whether the disk is deleted with its VM.
          type: bool
          default: true
        kms_key_name:
          description:
            - A Cloud KMS key to encrypt the disk with, as O(boot_disk_kms_key_name).
          type: str
  network:
    description:
      - VPC network of the first network interface (name or URL).
    type: str
    default: default
  subnetwork:
    description:
      - Subnetwork of the first network interface (name or URL). Required for
        custom-mode networks.
    type: str
  external_ip:
    description:
      - Whether each VM gets an ephemeral external IPv4 address. V(false)
        leaves it reachable only inside its VPC network.
    type: bool
    default: true
  network_tags:
    description:
      - Network tags (for firewall rules).
    type: list
    elements: str
  labels:
    description:
      - Labels of each VM. Keys and values use lowercase letters, digits, C(_) and C(-).
    type: dict
  metadata:
    description:
      - Metadata of each VM, for example C(ssh-keys), C(enable-oslogin),
        C(startup-script). Boolean values become V(TRUE) or V(FALSE), as the
        guest agents expect.
    type: dict
  service_account:
    description:
      - Email of the service account each VM runs as, or V(default) for the
        project's default Compute Engine service account. When not set, the
        VM gets none (least privilege).
    type: str
  service_account_scopes:
    description:
      - OAuth2 scopes of O(service_account).
    type: list
    elements: str
    default: [https://www.googleapis.com/auth/cloud-platform]
  secure_boot:
    description:
      - Whether Shielded VM Secure Boot is on (vTPM and integrity monitoring
        are always on).
    type: bool
    default: true
  provisioning_model:
    description:
      - V(SPOT) makes Spot VMs, which Compute Engine may take back at any
        time (see O(instance_termination_action)); V(STANDARD) regular VMs.
    type: str
    choices: [STANDARD, SPOT]
    default: STANDARD
  instance_termination_action:
    description:
      - Spot VMs only. What Compute Engine does when it takes the VM back,
        V(STOP) or V(DELETE). Defaults to V(STOP), as the API does.
    type: str
    choices: [STOP, DELETE]
  on_host_maintenance:
    description:
      - What the host does with the VM during maintenance. A TDX trust domain
        cannot be live-migrated, so only V(TERMINATE) is accepted; V(MIGRATE)
        fails before any API call.
    type: str
    choices: [TERMINATE, MIGRATE]
    default: TERMINATE
"""
