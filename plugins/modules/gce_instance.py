#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gce_instance
short_description: Create, change, stop, start and delete Intel TDX Confidential VMs on Compute Engine
version_added: 0.1.0
description:
  - Makes a Compute Engine instance that runs as an Intel TDX trust domain
    (C(confidentialInstanceConfig.confidentialInstanceType=TDX),
    C(scheduling.onHostMaintenance=TERMINATE)) exist in the wanted state.
  - Checks the request against the TDX rules before any write (the host
    maintenance policy, the instance name, the boot disk type for the machine
    series, and what the API itself answers before a create, namely the
    image's guest OS features (C(images.get)), whether each zone exists and
    offers the series' CPU platform (C(zones.get), C(availableCpuPlatforms))
    and whether it offers the machine type (C(machineTypes.get))). A mistake
    fails with a message naming the option and what is allowed, and changes
    nothing.
  - The collection's own list of TDX zones and machine types, each entry with
    its source, only warns about a zone or type it does not list; Google adds
    them over time, and the API's answer to the create decides.
  - Needs C(compute.instances.*), C(compute.images.get) (and
    C(compute.images.getFromFamily)), C(compute.disks.get) and
    C(compute.disks.list), C(compute.zones.get) and
    C(compute.machineTypes.get); the predefined role
    C(roles/compute.instanceAdmin.v1) has them all.
  - Idempotent. When the instance already matches, the module makes only
    reads (C(instances.get), C(disks.get) on its boot disk, the look-up of
    O(image)) and reports no change. Labels, metadata,
    network tags and deletion protection are corrected in place (with the
    API's fingerprints), and so are a Spot VM's termination action and a
    larger boot disk; the machine type, provisioning model, service account
    and Secure Boot are changed in place while the instance is stopped (or
    stopped for it, with O(allow_stopping_for_update=true) or
    O(recreate=true)); such a difference is never a reason to delete the
    instance. Other differences (a VM that is not TDX, another zone, another
    image, a smaller boot disk, another disk type, network, external IP or
    static address) cannot change in place and fail clearly unless
    O(recreate=true).
  - A change made while the instance is stopped is checked in full before
    any write, in check mode too. A new machine type must be offered in the
    zone (C(machineTypes.get)), stay in the instance's series (Compute
    Engine changes the machine type of a third-generation series such as C3
    within the series only) and take the instance's disk types; a new boot
    disk size must fit the disk's type. When a call after the stop fails,
    what the task changed is set back and the instance is started again if
    it was running; the task fails, RV(actions) lists the calls made and
    the message says how the instance is left. A third of O(wait_timeout)
    is kept back from the changes for this.
  - The image of an existing instance is the boot disk's C(sourceImage), the
    image the disk was made from; licenses are not used (a custom image keeps
    the licenses of the disk it was made from, Ubuntu's for one built on
    Ubuntu). O(image) is resolved to a concrete image and compared with it.
    When the boot image cannot be known (the disk is gone, cannot be read, or
    records no C(sourceImage)) the task warns and leaves the instance alone,
    whatever O(recreate) says.
  - When O(image) is a family that now gives another image than the one the
    boot disk was made from, the task reports RV(image_outdated=true) and
    warns; it recreates the instance from the family's current image only
    with O(recreate_on_image_update=true).
  - Capacity for TDX machine types runs out in real zones; O(zones) lists
    zones to fall back through when a zone answers
    C(ZONE_RESOURCE_POOL_EXHAUSTED). The result names the zone used and the
    zones skipped, with the reason.
  - Fleet mode. With O(instances) instead of O(name), one task manages many
    instances that share the task's options, each entry overriding what it
    sets. Every instance is found with one C(aggregatedList) call for the
    whole fleet and their boot disks with one C(disks.list) per zone (so an
    unchanged fleet costs the same few reads whatever its size),
    the writes are made at the same time with at most O(concurrency) API
    calls in flight, and the operations are waited for together (one
    C(zoneOperations.list) call per zone and poll, not one wait per
    operation), so the task takes about as long as its slowest instance.
    At most 1,000 instances are worked on at once, a thread each (fewer when
    the system's process limit refuses more threads); the others follow as
    threads come free.
    Each instance is reported on its own in RV(instances); one that fails
    does not stop the others, and the task fails at the end naming every
    instance that failed.
author:
  - confidential.tdx maintainers (@confidential-tdx)
extends_documentation_fragment:
  - confidential.tdx.gce
  # The VM's options, shared with gce_instance_template; those documented below say what they
  # mean for an existing instance (changes in place) and take precedence.
  - confidential.tdx.tdx_vm
  - confidential.tdx.attributes
  - confidential.tdx.attributes.cloud
attributes:
  check_mode:
    support: full
    details:
      - Makes no write call; read calls (the instance, the image) still run.
      - In fleet mode each entry of RV(instances) says what would change.
  diff_mode:
    support: full
    details:
      - Returns the instance before and after, as in RV(instance), and the
        boot image before and after (C(image), as
        C(projects/PROJECT/global/images/IMAGE)).
      - In fleet mode, one before/after per changed instance, headed by its
        name, and each entry of RV(instances) has its own C(diff).
options:
  name:
    description:
      - Name of the instance (1-63 lowercase letters, digits and hyphens,
        starting with a letter).
      - Exactly one of O(name) and O(instances) is required.
    type: str
  instances:
    description:
      - Fleet mode, instead of O(name). Each entry is one instance; what an
        entry leaves out is taken from the task's options of the same name.
      - An entry's O(instances[].zone) or O(instances[].zones) replaces both
        zone options of the task. Lists and dictionaries (O(instances[].labels),
        O(instances[].metadata), ...) replace the task's, they are not merged.
      - O(on_host_maintenance), O(wait) and O(wait_timeout) apply to the whole
        task; O(wait_timeout) bounds the whole fleet.
      - An entry that breaks a rule (a bad name, a zone without TDX) fails
        alone, without any API call for it; the others go ahead.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the instance. Each name may appear once.
        type: str
        required: true
      state:
        description:
          - As O(state), for this instance.
        type: str
        choices: [present, started, stopped, restarted, absent]
      zone:
        description:
          - As O(zone), for this instance. Not together with O(instances[].zones).
        type: str
      zones:
        description:
          - As O(zones), for this instance.
        type: list
        elements: str
      machine_type:
        description:
          - As O(machine_type), for this instance.
        type: str
      image:
        description:
          - As O(image), for this instance. Each image is looked up once per
            task, however many instances use it.
        type: str
      boot_disk_size_gb:
        description:
          - As O(boot_disk_size_gb), for this instance.
        type: int
      boot_disk_type:
        description:
          - As O(boot_disk_type), for this instance.
        type: str
      boot_disk_kms_key_name:
        description:
          - As O(boot_disk_kms_key_name), for this instance.
        type: str
      additional_disks:
        description:
          - As O(additional_disks), for this instance (replaces the task's).
        type: list
        elements: dict
        suboptions:
            name:
              description:
                - Disk name; V(NAME-1), V(NAME-2) ... after the instance's name by default.
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
                - Whether the disk is deleted with the instance.
              type: bool
              default: true
            kms_key_name:
              description:
                - A Cloud KMS key to encrypt the disk with, as O(boot_disk_kms_key_name).
              type: str
      network:
        description:
          - As O(network), for this instance.
        type: str
      subnetwork:
        description:
          - As O(subnetwork), for this instance.
        type: str
      external_ip:
        description:
          - As O(external_ip), for this instance.
        type: bool
      external_address:
        description:
          - As O(external_address), for this instance.
        type: str
      internal_address:
        description:
          - As O(internal_address), for this instance.
        type: str
      network_tags:
        description:
          - As O(network_tags), for this instance.
        type: list
        elements: str
      labels:
        description:
          - As O(labels), for this instance (replaces the task's labels).
        type: dict
      purge_labels:
        description:
          - As O(purge_labels), for this instance.
        type: bool
      metadata:
        description:
          - As O(metadata), for this instance (replaces the task's metadata).
        type: dict
      service_account:
        description:
          - As O(service_account), for this instance.
        type: str
      service_account_scopes:
        description:
          - As O(service_account_scopes), for this instance.
        type: list
        elements: str
      secure_boot:
        description:
          - As O(secure_boot), for this instance.
        type: bool
      provisioning_model:
        description:
          - As O(provisioning_model), for this instance.
        type: str
        choices: [STANDARD, SPOT]
      instance_termination_action:
        description:
          - As O(instance_termination_action), for this instance.
        type: str
        choices: [STOP, DELETE]
      deletion_protection:
        description:
          - As O(deletion_protection), for this instance.
        type: bool
      allow_stopping_for_update:
        description:
          - As O(allow_stopping_for_update), for this instance.
        type: bool
      recreate:
        description:
          - As O(recreate), for this instance.
        type: bool
      recreate_on_image_update:
        description:
          - As O(recreate_on_image_update), for this instance.
        type: bool
  concurrency:
    description:
      - Fleet mode only (O(instances)). The most API calls in flight at once,
        for the whole task; the calls of all instances share this bound.
      - Compute Engine limits API requests per project and minute; lower
        this when other automation shares the project's quota.
      - The operations of all instances are waited for together, with one
        C(zoneOperations.list) call per zone and poll, so waiting holds none
        of these places for longer than that call.
    type: int
    default: 10
  state:
    description:
      - V(present) and V(started) make sure the instance exists and runs
        (creating or starting it).
      - V(stopped) makes sure it exists and is stopped (created first if needed).
      - V(restarted) stops and starts it (a clean shutdown, not a hard reset);
        it always reports a change.
      - V(absent) deletes it.
    type: str
    choices: [present, started, stopped, restarted, absent]
    default: present
  zone:
    description:
      - The zone of the instance, which must offer TDX machines. Before a
        create the module reads it (C(zones.get)); a zone the collection's
        list does not name is warned about, and the API decides.
      - One of O(zone) and O(zones) is required, for the task or (in fleet
        mode) in every entry of O(instances) that does not set its own.
    type: str
  zones:
    description:
      - Zones to try in order when creating the instance; the next one is tried
        when a zone has no capacity (C(ZONE_RESOURCE_POOL_EXHAUSTED)). When
        the stockout names zones that have capacity (its C(zonesAvailable)),
        those of this list are tried first; zones not listed never are.
      - An existing instance is looked for in all of them, with one API call.
      - Each must exist and offer the machine type (checked through the API
        before any write); zones the collection's list does not name are
        warned about.
    type: list
    elements: str
  machine_type:
    description:
      - Machine type; it must belong to a series that can run TDX
        (C3 C(c3-standard-N) in the collection's list, from Google's pages).
        Another type is warned about, not refused; the API decides when the
        instance is created. That each zone offers it is checked before any
        write (C(machineTypes.get)).
      - Changed in place only while the instance is stopped (see
        O(allow_stopping_for_update)), and within the instance's machine
        series, C3 staying C3 (Google's "Edit the machine type of a compute
        instance" page allows another series only between first- and
        second-generation series). The new type must take the instance's
        disks (a Hyperdisk Extreme disk needs a C3 of at least 88 vCPUs).
        All of this is checked before the instance is stopped.
    type: str
    default: c3-standard-4
  image:
    description:
      - Boot image, as V(PROJECT/FAMILY) or V(PROJECT/IMAGE) (a family is tried
        first), V(PROJECT/family/FAMILY), or an image URL
        (V(projects/PROJECT/global/images/IMAGE)).
      - The image must declare the guest OS feature C(TDX_CAPABLE); this is
        checked through the API before the instance is created.
      - On an existing instance it is compared with the image the boot disk
        was made from (its C(sourceImage)), URL forms normalised. A family
        that has moved on to another image is not a difference to fix; it is
        reported as RV(image_outdated), see O(recreate_on_image_update).
    type: str
    default: ubuntu-os-cloud/ubuntu-2204-lts
  boot_disk_size_gb:
    description:
      - Size of the boot disk in GB. Defaults to the image's size.
      - A larger size grows the disk in place (C(disks.resize)), even while
        the instance runs; the guest's file system still has to grow into
        it (Ubuntu's cloud images do so at the next boot). A disk cannot
        shrink.
    type: int
  boot_disk_type:
    description:
      - Type of the boot disk, for example V(pd-balanced), V(pd-ssd) or
        V(hyperdisk-balanced). Only used when the instance is created.
      - It must be one the machine series takes, on a machine and at a size
        the type allows (checked before any call, or once the image's size
        is known). C3 takes no V(pd-standard); V(hyperdisk-extreme) needs a
        C3 of at least 88 vCPUs and 64 to 65536 GB (Google's Hyperdisk
        Extreme page), V(hyperdisk-throughput) 2048 to 32768 GB (Google's
        Hyperdisk Throughput page), so a size in O(boot_disk_size_gb).
    type: str
    default: pd-balanced
  additional_disks:
    description:
      - Empty data disks made with the instance, attached after the boot
        disk in this order (as C(/dev/nvme0n2) and on; a Confidential VM
        attaches disks as NVMe only, at most 40 with the boot disk).
      - Set when the instance is created. On an existing instance they are
        compared by name, size, O(additional_disks[].auto_delete) and key;
        a difference needs O(recreate). When not set, the disks of an
        existing instance are not managed.
    type: list
    elements: dict
    suboptions:
        name:
          description:
            - Disk name; V(NAME-1), V(NAME-2) ... after the instance's name by default.
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
            - Whether the disk is deleted with the instance.
          type: bool
          default: true
        kms_key_name:
          description:
            - A Cloud KMS key to encrypt the disk with, as O(boot_disk_kms_key_name).
          type: str
  boot_disk_kms_key_name:
    description:
      - A Cloud KMS key to encrypt the boot disk with (a customer-managed
        encryption key, CMEK), as
        V(projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY).
        Without it Google encrypts the disk with a key of its own.
      - The Compute Engine service agent of the project
        (C(service-PROJECT_NUMBER@compute-system.iam.gserviceaccount.com))
        needs C(roles/cloudkms.cryptoKeyEncrypterDecrypter) on the key.
      - Set when the instance is created; the API answers with the key
        version appended, which is not a difference. An instance whose disk
        has another key or none is a difference that needs O(recreate).
    type: str
  subnetwork:
    description:
      - Subnetwork of the first network interface (name or URL), in the
        region of the zone. Required for custom-mode networks.
    type: str
  external_ip:
    description:
      - Whether the instance gets an external IPv4 address (an ephemeral one,
        or O(external_address)). Set when the instance is created.
      - V(false) leaves it reachable only inside its VPC network (through
        IAP, a bastion or Cloud NAT for its own way out).
    type: bool
    default: true
  external_address:
    description:
      - A static external IPv4 address, reserved beforehand in the region of
        the zone (C(gcloud compute addresses create NAME --region REGION)),
        for the external interface instead of an ephemeral one. Needs
        O(external_ip=true).
      - Set when the instance is created; an instance with another address
        is a difference that needs O(recreate).
    type: str
  internal_address:
    description:
      - A static internal IPv4 address in the subnetwork's range (a literal
        address, or one reserved with
        C(gcloud compute addresses create NAME --region REGION --subnet SUBNET)).
        Without it the subnetwork assigns one.
      - Set when the instance is created; an instance with another address
        is a difference that needs O(recreate).
    type: str
  network_tags:
    description:
      - Network tags (for firewall rules). When set, the instance has exactly
        these tags; changed in place.
    type: list
    elements: str
  labels:
    description:
      - Labels. When set, the instance has exactly these labels (others are
        removed, see O(purge_labels)); changed in place. Keys and values use
        lowercase letters, digits, C(_) and C(-).
    type: dict
  purge_labels:
    description:
      - With V(false), O(labels) are added or changed, and the other labels
        the instance has (set by other tools, for example) are kept.
    type: bool
    default: true
  metadata:
    description:
      - Instance metadata, for example C(ssh-keys), C(enable-oslogin),
        C(startup-script). When set, the instance has exactly these keys;
        changed in place.
      - Boolean values become V(TRUE) or V(FALSE), as the guest agents expect.
    type: dict
  service_account:
    description:
      - Email of the service account the instance runs as, or V(default) for
        the project's default Compute Engine service account.
      - When not set, a new instance gets no service account (least privilege),
        and the service account of an existing instance is not managed.
      - Changed in place (with O(service_account_scopes)) while the instance
        is stopped, see O(allow_stopping_for_update).
    type: str
  secure_boot:
    description:
      - Whether Shielded VM Secure Boot is on (vTPM and integrity monitoring
        are always on).
      - Changed in place while the instance is stopped, see
        O(allow_stopping_for_update).
    type: bool
    default: true
  provisioning_model:
    description:
      - V(SPOT) makes a Spot VM, cheaper, which Compute Engine may take back
        at any time (see O(instance_termination_action)); it never restarts
        by itself. V(STANDARD) is a regular VM.
      - Changed in place (C(setScheduling)) only while the instance is
        stopped.
    type: str
    choices: [STANDARD, SPOT]
    default: STANDARD
  instance_termination_action:
    description:
      - Spot VMs only (O(provisioning_model=SPOT)). What Compute Engine does
        when it takes the VM back, V(STOP) (the disk is kept, start it again
        later) or V(DELETE). Defaults to V(STOP), as the API does.
      - Changed in place.
    type: str
    choices: [STOP, DELETE]
  deletion_protection:
    description:
      - Whether the instance is protected against deletion. Changed in place.
      - When not set, a new instance is unprotected and an existing one keeps
        its setting.
      - With O(state=absent), a protected instance is deleted only when this
        is V(false).
    type: bool
  allow_stopping_for_update:
    description:
      - Let the module stop a running instance for a change the API makes
        only to a stopped one (O(machine_type), O(provisioning_model),
        O(service_account), O(secure_boot)), as Terraform's
        C(allow_stopping_for_update) does. The instance is stopped, changed
        and then taken to O(state), started again unless that is
        V(stopped). The workload inside stops meanwhile.
      - Everything the API would refuse is checked before the stop (see
        O(machine_type)). Should a call after the stop fail all the same, the
        options already changed are set back and the instance is started
        again; the task fails naming the call, RV(actions) lists the calls
        made. A start the zone refuses (no capacity) leaves the instance
        stopped with the change made, as the message says.
      - Without it (or O(recreate)) such a change to a running instance
        fails, naming the option and this way out, and nothing is changed.
    type: bool
    default: false
  recreate:
    description:
      - Delete and create the instance again when it differs in something that
        cannot change in place (see the description). The boot disk is
        deleted with it. The new image, zones and machine type are checked
        before the delete.
      - A difference the API changes in place once the instance is stopped
        (O(machine_type), O(provisioning_model), O(service_account),
        O(secure_boot)) is never a reason to recreate. With this option, as
        with O(allow_stopping_for_update), the instance is stopped, changed
        and started again.
    type: bool
    default: false
  recreate_on_image_update:
    description:
      - Delete and create the instance again from the image O(image) now
        gives when O(image) is a family whose current image is not the one
        the boot disk was made from (RV(image_outdated)). The boot disk is
        deleted with the instance.
      - Without it an outdated instance is only reported and warned about;
        O(recreate) alone does not recreate it.
      - Never acts when the boot image cannot be known, and never deletes an
        instance with deletion protection.
    type: bool
    default: false
  wait:
    description:
      - Wait for the last operation to finish. Operations the module depends
        on for its next step are always waited for, and so is the creation
        when O(zones) lists more than one zone (capacity errors arrive only on
        the finished operation).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds the whole task may take, retries and operation waits included.
        When it runs out, the task fails naming the operation still running.
    type: int
    default: 600
seealso:
  - module: confidential.tdx.gce_instance_info
  - name: Confidential VM supported configurations
    description: Machine types, zones and images that support Intel TDX.
    link: https://cloud.google.com/confidential-computing/confidential-vm/docs/supported-configurations
"""

EXAMPLES = r"""
# The gcloud command
#   gcloud compute instances create tdx-demo-1 --machine-type=c3-standard-4
#     --zone=us-central1-a --confidential-compute-type=TDX
#     --maintenance-policy=TERMINATE --image-family=ubuntu-2204-lts
#     --image-project=ubuntu-os-cloud
# as a task:
- name: Create an Ubuntu 22.04 TDX Confidential VM
  confidential.tdx.gce_instance:
    name: tdx-demo-1
    project: my-project
    zone: us-central1-a
    machine_type: c3-standard-4
    image: ubuntu-os-cloud/ubuntu-2204-lts
    on_host_maintenance: TERMINATE
    state: present

- name: Create where C3 capacity is available, trying three zones in order
  confidential.tdx.gce_instance:
    name: tdx-worker-1
    project: my-project
    zones: [us-central1-a, us-central1-b, europe-west4-a]
    labels:
      env: prod
      role: attested-worker
    metadata:
      enable-oslogin: true
    network_tags: [ssh]
    deletion_protection: true
  register: worker

- name: Show which zone was used and why others were skipped
  ansible.builtin.debug:
    msg: "{{ worker.zone }} (skipped: {{ worker.skipped_zones }})"

- name: A Spot TDX VM with no external IP and a fixed internal address, stopped when Google takes it back
  confidential.tdx.gce_instance:
    name: tdx-batch-1
    project: my-project
    zone: us-central1-a
    provisioning_model: SPOT
    instance_termination_action: STOP
    external_ip: false
    internal_address: 10.128.0.20

- name: Add a label and keep the labels other tools set
  confidential.tdx.gce_instance:
    name: tdx-worker-1
    project: my-project
    zone: us-central1-a
    labels:
      attested: "2026-12-02"
    purge_labels: false

- name: Authenticate with a service-account key, set once for every cloud module
  module_defaults:
    group/confidential.tdx.gce:
      project: my-project
      auth_kind: serviceaccount
      service_account_file: /etc/ansible/gcp-key.json
  block:
    - name: Stop the instance
      confidential.tdx.gce_instance:
        name: tdx-demo-1
        zone: us-central1-a
        state: stopped

    - name: Resize it while stopped, then start it
      confidential.tdx.gce_instance:
        name: tdx-demo-1
        zone: us-central1-a
        machine_type: c3-standard-8
        state: started

# A custom TDX image published as a family: the instance is judged by the
# image its boot disk was made from (its licenses would name Ubuntu's). A new
# image in the family is reported, and rolled out only when a task asks.
- name: Keep a TDX VM on the team's golden image family
  confidential.tdx.gce_instance:
    name: tdx-golden-1
    project: my-project
    zone: us-central1-a
    image: projects/my-project/global/images/family/golden-tdx
  register: golden

- name: Move it onto the family's newest image (the boot disk is replaced)
  confidential.tdx.gce_instance:
    name: tdx-golden-1
    project: my-project
    zone: us-central1-a
    image: projects/my-project/global/images/family/golden-tdx
    recreate_on_image_update: true
  when: golden.image_outdated

- name: Delete it
  confidential.tdx.gce_instance:
    name: tdx-demo-1
    project: my-project
    zone: us-central1-a
    state: absent

# Fleet mode: one task, every instance at once, shared options set once.
- name: Create four TDX workers, the last one larger and in Europe
  confidential.tdx.gce_instance:
    project: my-project
    zones: [us-central1-a, us-central1-b, us-central1-c]
    labels: {fleet: workers}
    concurrency: 10
    instances:
      - name: tdx-worker-1
      - name: tdx-worker-2
      - name: tdx-worker-3
        labels: {fleet: workers, canary: "true"}
      - name: tdx-worker-4
        zone: europe-west4-a
        machine_type: c3-standard-8
  register: workers

- name: Show where each worker runs, and why it failed if it did
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.msg if item.failed else item.instance.zone ~ ' ' ~ item.instance.internal_ip }}"
  loop: "{{ workers.instances }}"
  loop_control:
    label: "{{ item.name }}"

- name: Stop the whole fleet but one
  confidential.tdx.gce_instance:
    project: my-project
    zone: us-central1-a
    state: stopped
    instances:
      - name: tdx-batch-1
      - name: tdx-batch-2
      - name: tdx-batch-3
        state: started

- name: Delete the fleet
  confidential.tdx.gce_instance:
    project: my-project
    zones: [us-central1-a, us-central1-b, us-central1-c, europe-west4-a]
    state: absent
    instances:
      - name: tdx-worker-1
      - name: tdx-worker-2
      - name: tdx-worker-3
      - name: tdx-worker-4
"""

RETURN = r"""
instance:
  description:
    - The instance after the task (in check mode, as it would be); empty after
      O(state=absent).
  returned: when O(name) is set
  type: dict
  contains:
    name:
      description: Name of the instance.
      type: str
      sample: tdx-demo-1
    id:
      description: Unique ID assigned by Compute Engine.
      type: str
      sample: "4567890123456789012"
    zone:
      description: Zone of the instance.
      type: str
      sample: us-central1-a
    status:
      description: Status, for example V(RUNNING), V(STOPPING) or V(TERMINATED) (stopped).
      type: str
      sample: RUNNING
    machine_type:
      description: Machine type name.
      type: str
      sample: c3-standard-4
    confidential_instance_type:
      description: Confidential computing technology of the instance (V(TDX)), or V(null) for none.
      type: str
      sample: TDX
    on_host_maintenance:
      description: Host maintenance policy.
      type: str
      sample: TERMINATE
    provisioning_model:
      description: V(STANDARD), or V(SPOT) for a Spot VM.
      type: str
      sample: STANDARD
    instance_termination_action:
      description: What Compute Engine does when it takes a Spot VM back (V(STOP) or V(DELETE)), or V(null).
      type: str
      sample: STOP
    internal_ip:
      description: Internal IPv4 address of the first network interface.
      type: str
      sample: 10.128.0.7
    external_ip:
      description: External IPv4 address, or V(null) when it has none (or is stopped).
      type: str
      sample: 34.41.10.20
    network:
      description: Network name of the first network interface.
      type: str
      sample: default
    subnetwork:
      description: Subnetwork name of the first network interface.
      type: str
      sample: default
    network_tags:
      description: Network tags.
      type: list
      elements: str
      sample: [ssh]
    labels:
      description: Labels.
      type: dict
      sample: {env: prod}
    metadata:
      description: Metadata keys and values.
      type: dict
      sample: {enable-oslogin: "TRUE"}
    service_account:
      description: Email of the attached service account, or V(null).
      type: str
    secure_boot:
      description: Whether Secure Boot is on.
      type: bool
      sample: true
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
      sample: false
    boot_disk_size_gb:
      description: Size of the boot disk in GB.
      type: int
      sample: 10
    boot_disk_kms_key_name:
      description: The Cloud KMS key of the boot disk (without its version), or V(null) for a Google-managed key.
      type: str
      sample: projects/my-project/locations/us-central1/keyRings/tdx/cryptoKeys/boot
    additional_disks:
      description: The disks after the boot disk, in their order.
      type: list
      elements: dict
      contains:
        name:
          description: Disk name.
          type: str
          sample: tdx-demo-1-1
        size_gb:
          description: Size in GB.
          type: int
          sample: 100
        auto_delete:
          description: Whether the disk goes with the instance.
          type: bool
        kms_key_name:
          description: Its Cloud KMS key (without the version), or V(null).
          type: str
    guest_os_features:
      description: Guest OS features of the boot disk (from its image).
      type: list
      elements: str
      sample: [GVNIC, SEV_CAPABLE, TDX_CAPABLE, UEFI_COMPATIBLE]
    self_link:
      description: URL of the instance.
      type: str
      sample: https://www.googleapis.com/compute/v1/projects/my-project/zones/us-central1-a/instances/tdx-demo-1
    creation_timestamp:
      description: When the instance was created (RFC 3339).
      type: str
      sample: "2026-01-31T09:12:45.123-08:00"
zone:
  description: The zone the instance is in (or would be in, in check mode).
  returned: when O(name) is set and the instance exists or was created
  type: str
  sample: us-central1-b
skipped_zones:
  description: Zones tried before RV(zone) and why each was skipped.
  returned: when O(name) is set
  type: list
  elements: dict
  sample: [{zone: us-central1-a, reason: "ZONE_RESOURCE_POOL_EXHAUSTED: The zone does not have enough resources"}]
image_outdated:
  description:
    - Whether the instance, as the task leaves it (in check mode, would leave
      it), was made from another image than the one the O(image) family
      gives now (usually an older one). The task warns then; see
      O(recreate_on_image_update).
    - V(false) when O(image) names an image rather than a family, and when
      the boot image cannot be known (the task warns about that instead).
  returned: when O(name) is set and the instance exists or was created
  type: bool
  sample: false
actions:
  description:
    - In check mode, the changes that would be made, in order.
    - Otherwise the calls made, in order, one per change (C(set machine
      type), C(stop), C(start) ...; the two scheduling options, sent in one
      C(setScheduling) call, are each named). When the task fails, the call
      that failed ends with C((failed)), and the calls that brought the
      instance back follow it (C(set machine type back), C(start again)).
      C(changed) is then whether any of the calls acted.
  returned: when O(name) is set
  type: list
  elements: str
  sample: ["stop", "set machine type (failed)", "start again"]
instances:
  description:
    - Fleet mode, one report per entry of O(instances), in the same order,
      also when the task fails.
  returned: when O(instances) is set
  type: list
  elements: dict
  contains:
    name:
      description: Name of the instance.
      type: str
      sample: tdx-worker-1
    changed:
      description:
        - Whether the task changed the instance (in check mode, would change it).
        - For a failed instance, whether changes had begun; RV(instances[].actions)
          lists them.
      type: bool
    failed:
      description: Whether this instance failed; RV(instances[].msg) says why.
      type: bool
    msg:
      description: Why the instance failed, in one line.
      type: str
      returned: when RV(instances[].failed) is true
      sample: "create instance tdx-worker-3 failed: no capacity in us-central1-a ZONE_RESOURCE_POOL_EXHAUSTED (...)"
    zone:
      description: The zone the instance is in (or would be in, in check mode).
      type: str
      returned: when the instance exists or was created
      sample: us-central1-b
    skipped_zones:
      description: Zones tried before RV(instances[].zone) and why each was skipped, as RV(skipped_zones).
      type: list
      elements: dict
    actions:
      description: The calls made (in check mode, the changes that would be made), in order, as RV(actions).
      type: list
      elements: str
      sample: ["create in us-central1-b"]
    instance:
      description: The instance after the task, as RV(instance); empty when absent or failed before it existed.
      type: dict
    image_outdated:
      description: As RV(image_outdated), for this instance.
      type: bool
      returned: when the instance exists or was created
    diff:
      description: The instance before and after (in diff mode).
      type: dict
      returned: in diff mode, when the instance got that far
"""

# The logic lives in module_utils/_gce_instance, this module's own package.
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.options import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.run import run
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule


def main():
    gce = GceModule(
        ARGUMENT_SPEC,
        timeout_option="wait_timeout",
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    run(gce)


if __name__ == "__main__":
    main()
