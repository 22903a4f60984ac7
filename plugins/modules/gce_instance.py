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
  - Checks the request against the TDX rules before any write (the machine
    type, the zones, the host maintenance policy, the instance name, and the
    guest OS features of the image, read through the API). A mistake fails
    with a message naming the option and what is allowed, and changes nothing.
  - Idempotent. When the instance already matches, the module makes exactly
    one API call (C(instances.get)) and reports no change. Labels, metadata,
    network tags and deletion protection are corrected in place (with the
    API's fingerprints); the machine type is changed in place while the
    instance is stopped. Other differences (a VM that is not TDX, another zone,
    an image from another publisher, a machine type on a running VM, boot
    disk, network, external IP, service account, Secure Boot) cannot change
    in place and fail clearly unless O(recreate=true).
  - Capacity for TDX machine types runs out in real zones; O(zones) lists
    zones to fall back through when a zone answers
    C(ZONE_RESOURCE_POOL_EXHAUSTED). The result names the zone used and the
    zones skipped, with the reason.
  - Fleet mode. With O(instances) instead of O(name), one task manages many
    instances that share the task's options, each entry overriding what it
    sets. Every instance is found with one C(aggregatedList) call for the
    whole fleet (so an unchanged fleet costs one call, not one per instance),
    the writes are made at the same time with at most O(concurrency) API
    calls in flight, and the operations are waited for together (one
    C(zoneOperations.list) call per zone and poll, not one wait per
    operation), so the task takes about as long as its slowest instance.
    Each instance is reported on its own in RV(instances); one that fails
    does not stop the others, and the task fails at the end naming every
    instance that failed.
author:
  - confidential.tdx maintainers (@confidential-tdx)
extends_documentation_fragment:
  - confidential.tdx.gce
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
      - Returns the instance before and after, as in RV(instance).
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
      network_tags:
        description:
          - As O(network_tags), for this instance.
        type: list
        elements: str
      labels:
        description:
          - As O(labels), for this instance (replaces the task's labels).
        type: dict
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
      deletion_protection:
        description:
          - As O(deletion_protection), for this instance.
        type: bool
      recreate:
        description:
          - As O(recreate), for this instance.
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
      - The zone of the instance. It must offer TDX machines.
      - One of O(zone) and O(zones) is required, for the task or (in fleet
        mode) in every entry of O(instances) that does not set its own.
    type: str
  zones:
    description:
      - Zones to try in order when creating the instance; the next one is tried
        when a zone has no capacity (C(ZONE_RESOURCE_POOL_EXHAUSTED)).
      - An existing instance is looked for in all of them, with one API call.
      - Each must offer TDX machines.
    type: list
    elements: str
  machine_type:
    description:
      - Machine type; it must belong to a series that can run TDX
        (C3 C(c3-standard-N) today).
      - Changed in place only while the instance is stopped.
    type: str
    default: c3-standard-4
  image:
    description:
      - Boot image, as V(PROJECT/FAMILY) or V(PROJECT/IMAGE) (a family is tried
        first), V(PROJECT/family/FAMILY), or an image URL
        (V(projects/PROJECT/global/images/IMAGE)).
      - The image must declare the guest OS feature C(TDX_CAPABLE); this is
        checked through the API before the instance is created.
      - On an existing instance the image is not resolved again (a family
        moves on to newer images); instead the publisher of the boot disk's
        licenses is compared with the image's project.
    type: str
    default: ubuntu-os-cloud/ubuntu-2204-lts
  boot_disk_size_gb:
    description:
      - Size of the boot disk in GB. Defaults to the image's size.
    type: int
  boot_disk_type:
    description:
      - Type of the boot disk, for example V(pd-balanced), V(pd-ssd) or
        V(hyperdisk-balanced). Only used when the instance is created.
    type: str
    default: pd-balanced
  network:
    description:
      - VPC network of the first network interface (name or URL).
    type: str
    default: default
  subnetwork:
    description:
      - Subnetwork of the first network interface (name or URL), in the
        region of the zone. Required for custom-mode networks.
    type: str
  external_ip:
    description:
      - Whether the instance gets an ephemeral external IPv4 address.
    type: bool
    default: true
  network_tags:
    description:
      - Network tags (for firewall rules). When set, the instance has exactly
        these tags; changed in place.
    type: list
    elements: str
  labels:
    description:
      - Labels. When set, the instance has exactly these labels (others are
        removed); changed in place. Keys and values use lowercase letters,
        digits, C(_) and C(-).
    type: dict
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
  on_host_maintenance:
    description:
      - What the host does with the instance during maintenance. A TDX trust
        domain cannot be live-migrated, so only V(TERMINATE) is accepted;
        V(MIGRATE) fails before any API call.
    type: str
    choices: [TERMINATE, MIGRATE]
    default: TERMINATE
  deletion_protection:
    description:
      - Whether the instance is protected against deletion. Changed in place.
      - When not set, a new instance is unprotected and an existing one keeps
        its setting.
      - With O(state=absent), a protected instance is deleted only when this
        is V(false).
    type: bool
  recreate:
    description:
      - Delete and create the instance again when it differs in something that
        cannot change in place (see the description). The boot disk is
        deleted with it.
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
actions:
  description: The changes made (in check mode, that would be made), in order.
  returned: when O(name) is set
  type: list
  elements: str
  sample: ["set labels", "start"]
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
      description: The changes made (in check mode, that would be made), in order, as RV(actions).
      type: list
      elements: str
      sample: ["create in us-central1-b"]
    instance:
      description: The instance after the task, as RV(instance); empty when absent or failed before it existed.
      type: dict
    diff:
      description: The instance before and after (in diff mode).
      type: dict
      returned: in diff mode, when the instance got that far
"""

import copy

from ansible_collections.confidential.tdx.plugins.module_utils.gce import tdx_catalog
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import compute_v1
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import (
    CAPACITY_ERROR_CODES,
    GceError,
    describe,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.fleet import OperationWatcher, run_each
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_disk_size,
    check_disk_type,
    check_labels,
    check_metadata_keys,
    check_network,
    check_scopes,
    check_service_account,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    NAME_PATTERN,
    disk_type_path,
    image_label,
    license_project,
    machine_type_path,
    network_path,
    parse_image,
    region_of,
    short_name,
    subnetwork_path,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import (
    boot_disk,
    check_image_features,
    check_machine_type,
    check_name,
    check_on_host_maintenance,
    check_zone,
)

# What an entry of O(instances) may set for its instance; what it leaves out
# (None) comes from the task's options.
FLEET_ENTRY_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "started", "stopped", "restarted", "absent"]),
    zone=dict(type="str"),
    zones=dict(type="list", elements="str"),
    machine_type=dict(type="str"),
    image=dict(type="str"),
    boot_disk_size_gb=dict(type="int"),
    boot_disk_type=dict(type="str"),
    network=dict(type="str"),
    subnetwork=dict(type="str"),
    external_ip=dict(type="bool"),
    network_tags=dict(type="list", elements="str"),
    labels=dict(type="dict"),
    metadata=dict(type="dict"),
    service_account=dict(type="str"),
    service_account_scopes=dict(type="list", elements="str"),
    secure_boot=dict(type="bool"),
    deletion_protection=dict(type="bool"),
    recreate=dict(type="bool"),
)

DEFAULT_CONCURRENCY = 10

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    instances=dict(type="list", elements="dict", options=FLEET_ENTRY_OPTIONS,
                   mutually_exclusive=[("zone", "zones")]),
    concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
    state=dict(type="str", default="present", choices=["present", "started", "stopped", "restarted", "absent"]),
    zone=dict(type="str"),
    zones=dict(type="list", elements="str"),
    machine_type=dict(type="str", default=tdx_catalog.DEFAULT_MACHINE_TYPE),
    image=dict(type="str", default=tdx_catalog.DEFAULT_IMAGE),
    boot_disk_size_gb=dict(type="int"),
    boot_disk_type=dict(type="str", default="pd-balanced"),
    network=dict(type="str", default="default"),
    subnetwork=dict(type="str"),
    external_ip=dict(type="bool", default=True),
    network_tags=dict(type="list", elements="str"),
    labels=dict(type="dict"),
    metadata=dict(type="dict"),
    service_account=dict(type="str"),
    service_account_scopes=dict(type="list", elements="str",
                                default=["https://www.googleapis.com/auth/cloud-platform"]),
    secure_boot=dict(type="bool", default=True),
    on_host_maintenance=dict(type="str", default="TERMINATE", choices=["TERMINATE", "MIGRATE"]),
    deletion_protection=dict(type="bool"),
    recreate=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)

RUNNING_STATES = ("PROVISIONING", "STAGING", "RUNNING", "REPAIRING")
STOPPED_STATES = ("TERMINATED", "STOPPED")
SETTLING_STATES = ("STOPPING", "SUSPENDING")


# The fields of RV(instance) shown in diff mode: what a task can change.
DIFF_KEYS = ("name", "zone", "status", "machine_type", "confidential_instance_type", "on_host_maintenance",
             "network", "subnetwork", "network_tags", "labels", "metadata", "service_account",
             "secure_boot", "deletion_protection", "boot_disk_size_gb")


# Validation: pure, runs before any API call.

def label_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def metadata_text(value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "" if value is None else str(value)


def wanted_labels(params):
    if params["labels"] is None:
        return None
    return dict((str(key), label_text(value)) for key, value in params["labels"].items())


def wanted_metadata(params):
    if params["metadata"] is None:
        return None
    return dict((str(key), metadata_text(value)) for key, value in params["metadata"].items())


def requested_zones(params):
    return [params["zone"]] if params["zone"] else list(params["zones"] or ())


def validate(params):
    """Every problem with the task's options, as one-line messages (empty when fine)."""
    problems = [check_name(params["name"])]
    zones = requested_zones(params)
    if params["zone"] is None and params["zones"] is None:
        problems.append("zone: not set; give zone, or zones to try in order")
    elif not zones:
        problems.append("zones: an empty list; give at least one zone (or use zone)")
    if len(set(zones)) != len(zones):
        problems.append("zones: %s lists a zone twice; list each zone once" % ", ".join(zones))
    if params["wait_timeout"] <= 0:
        problems.append("wait_timeout: %s must be a positive number of seconds" % params["wait_timeout"])
    if params["state"] != "absent":
        for zone in zones:
            problems.append(check_zone(zone, "zones" if params["zones"] else "zone"))
        problems.append(check_machine_type(params["machine_type"]))
        problems.append(check_on_host_maintenance(params["on_host_maintenance"]))
        if parse_image(params["image"]) is None:
            problems.append("image: %s is not an image reference; use PROJECT/FAMILY, PROJECT/IMAGE or "
                            "projects/PROJECT/global/images/IMAGE, e.g. %s"
                            % (params["image"], tdx_catalog.DEFAULT_IMAGE))
        problems.append(check_disk_size(params["boot_disk_size_gb"]))
        problems.append(check_disk_type(params["boot_disk_type"]))
        problems.append(check_network(params["network"], "network"))
        problems.append(check_network(params["subnetwork"], "subnetwork"))
        problems.append(check_service_account(params["service_account"]))
        if params["service_account"]:
            problems.append(check_scopes(params["service_account_scopes"], "service_account_scopes"))
        problems.append(check_metadata_keys(params["metadata"]))
        problems.extend(check_labels(wanted_labels(params)))
        for tag in params["network_tags"] or ():
            if not NAME_PATTERN.fullmatch(tag):
                problems.append("network_tags: %r is not a valid tag; use lowercase letters, digits and "
                                "hyphens, starting with a letter" % tag)
        for key, value in sorted((params["metadata"] or {}).items()):
            if isinstance(value, (dict, list)):
                problems.append("metadata: the value of %s is a %s; give a string (for example with "
                                "to_json)" % (key, type(value).__name__))
    return [problem for problem in problems if problem]


# What the instance should look like.

def desired_body(params, project, zone, image_link):
    """The instances.insert body (API JSON shape) for ``zone``."""
    disk = {
        "boot": True,
        "autoDelete": True,
        "type": "PERSISTENT",
        "initializeParams": {
            "sourceImage": image_link,
            "diskType": disk_type_path(zone, params["boot_disk_type"]),
        },
    }
    if params["boot_disk_size_gb"]:
        disk["initializeParams"]["diskSizeGb"] = str(params["boot_disk_size_gb"])
    interface = {"network": network_path(project, params["network"]), "nicType": "GVNIC"}
    if params["subnetwork"]:
        interface["subnetwork"] = subnetwork_path(project, region_of(zone), params["subnetwork"])
    if params["external_ip"]:
        interface["accessConfigs"] = [{"name": "External NAT", "type": "ONE_TO_ONE_NAT"}]
    body = {
        "name": params["name"],
        "machineType": machine_type_path(zone, params["machine_type"]),
        "confidentialInstanceConfig": {"confidentialInstanceType": tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE},
        "scheduling": {"onHostMaintenance": params["on_host_maintenance"], "automaticRestart": True},
        "shieldedInstanceConfig": {"enableSecureBoot": params["secure_boot"], "enableVtpm": True,
                                   "enableIntegrityMonitoring": True},
        "disks": [disk],
        "networkInterfaces": [interface],
        "deletionProtection": bool(params["deletion_protection"]),
    }
    labels = wanted_labels(params)
    if labels:
        body["labels"] = labels
    metadata = wanted_metadata(params)
    if metadata:
        body["metadata"] = {"items": [{"key": key, "value": metadata[key]} for key in sorted(metadata)]}
    if params["network_tags"]:
        body["tags"] = {"items": list(params["network_tags"])}
    if params["service_account"]:
        body["serviceAccounts"] = [{"email": params["service_account"],
                                    "scopes": list(params["service_account_scopes"])}]
    return body


def planned_view(params, zone, image):
    """RV(instance) as a create would leave it, for check mode and diff."""
    size = params["boot_disk_size_gb"] or (int(image["diskSizeGb"]) if image.get("diskSizeGb") else None)
    return {
        "name": params["name"],
        "zone": zone,
        "status": "TERMINATED" if params["state"] == "stopped" else "RUNNING",
        "machine_type": params["machine_type"],
        "confidential_instance_type": tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE,
        "on_host_maintenance": params["on_host_maintenance"],
        "network": short_name(params["network"]),
        "subnetwork": short_name(params["subnetwork"]) if params["subnetwork"] else None,
        "network_tags": list(params["network_tags"] or ()),
        "labels": wanted_labels(params) or {},
        "metadata": wanted_metadata(params) or {},
        "service_account": params["service_account"],
        "secure_boot": params["secure_boot"],
        "deletion_protection": bool(params["deletion_protection"]),
        "boot_disk_size_gb": size,
        "guest_os_features": sorted(feature.get("type") for feature in image.get("guestOsFeatures") or ()),
    }


# Comparing an existing instance with the task.

class Comparison:
    def __init__(self):
        self.updates = []   # (option, before, after): changed in place
        self.blocked = []   # (option, have, want, hint): needs recreate

    def update(self, option, before, after):
        self.updates.append((option, before, after))

    def block(self, option, have, want, hint):
        self.blocked.append((option, have, want, hint))

    def blocked_message(self, name):
        parts = ["%s is %s, the task asks for %s (%s)" % (option, have, want, hint)
                 for option, have, want, hint in self.blocked]
        return ("instance %s differs in what cannot change in place: %s; set recreate: true to delete and "
                "create it again" % (name, "; ".join(parts)))


def compare(instance, params, zones):
    view = summarize(instance)
    found = Comparison()
    kind = view["confidential_instance_type"]
    if kind != tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE:
        found.block("confidential instance type", kind or "none", tdx_catalog.CONFIDENTIAL_INSTANCE_TYPE,
                    "an existing VM cannot be converted to TDX")
    if view["zone"] not in zones:
        found.block("zone", view["zone"], " or ".join(zones), "an instance cannot move zones")
    if view["on_host_maintenance"] != params["on_host_maintenance"]:
        found.block("on_host_maintenance", view["on_host_maintenance"], params["on_host_maintenance"],
                    "a TDX instance must use TERMINATE")
    if view["machine_type"] != params["machine_type"]:
        if view["status"] in STOPPED_STATES:
            found.update("machine_type", view["machine_type"], params["machine_type"])
        else:
            found.block("machine_type", view["machine_type"], params["machine_type"],
                        "the instance is %s; stop it first with state: stopped" % view["status"])
    ref = parse_image(params["image"])
    publishers = sorted(set(filter(None, (license_project(url) for url in boot_disk(instance).get("licenses") or ()))))
    if publishers and ref.project not in publishers:
        found.block("image", "from %s" % ", ".join(publishers), image_label(ref),
                    "the boot disk cannot be replaced in place")
    if params["boot_disk_size_gb"] and view["boot_disk_size_gb"] != params["boot_disk_size_gb"]:
        found.block("boot_disk_size_gb", view["boot_disk_size_gb"], params["boot_disk_size_gb"],
                    "grow the disk with gcloud compute disks resize, then set this to match")
    if view["network"] != short_name(params["network"]):
        found.block("network", view["network"], short_name(params["network"]), "set when created")
    if params["subnetwork"] and view["subnetwork"] != short_name(params["subnetwork"]):
        found.block("subnetwork", view["subnetwork"], short_name(params["subnetwork"]), "set when created")
    has_external = bool(instance.get("networkInterfaces") and
                        instance["networkInterfaces"][0].get("accessConfigs"))
    if has_external != params["external_ip"]:
        found.block("external_ip", has_external, params["external_ip"], "set when created")
    if params["service_account"]:
        account = instance.get("serviceAccounts") or [{}]
        email = account[0].get("email")
        same_email = email == params["service_account"] or (params["service_account"] == "default" and email)
        if not same_email or sorted(account[0].get("scopes") or ()) != sorted(params["service_account_scopes"]):
            found.block("service_account", email, params["service_account"], "set when created")
    if view["secure_boot"] != params["secure_boot"]:
        found.block("secure_boot", view["secure_boot"], params["secure_boot"], "set when created")
    labels = wanted_labels(params)
    if labels is not None and labels != view["labels"]:
        found.update("labels", view["labels"], labels)
    metadata = wanted_metadata(params)
    if metadata is not None and metadata != view["metadata"]:
        found.update("metadata", view["metadata"], metadata)
    tags = params["network_tags"]
    if tags is not None and sorted(tags) != sorted(view["network_tags"]):
        found.update("network_tags", view["network_tags"], list(tags))
    protection = params["deletion_protection"]
    if protection is not None and protection != view["deletion_protection"]:
        found.update("deletion_protection", view["deletion_protection"], protection)
    return found


def power_actions(status, state):
    """The start/stop calls that take an instance in ``status`` to ``state``."""
    if state in ("present", "started"):
        if status in STOPPED_STATES or status in SETTLING_STATES:
            return ["start"]
        if status == "SUSPENDED":
            return ["resume"]
        return []
    if state == "stopped":
        if status in STOPPED_STATES or status == "STOPPING":
            return []
        return ["stop"]
    if state == "restarted":
        if status in STOPPED_STATES or status in SETTLING_STATES:
            return ["start"]
        return ["stop", "start"]
    return []


STATUS_AFTER = {"start": "RUNNING", "resume": "RUNNING", "stop": "TERMINATED"}

UPDATE_VIEW_KEY = {"machine_type": "machine_type", "labels": "labels", "metadata": "metadata",
                   "network_tags": "network_tags", "deletion_protection": "deletion_protection"}


def diff_view(view):
    return dict((key, view.get(key)) for key in DIFF_KEYS) if view else {}


class InstanceTaskFailed(Exception):
    """The instance cannot be brought to the wanted state; ``result`` holds what to return with the message."""

    def __init__(self, message, **result):
        super(InstanceTaskFailed, self).__init__(message)
        self.message = message
        self.result = result


class InstanceTask:
    """One instance of a gce_instance task: read, compare, act.

    In fleet mode many run at once, each on its own thread, so nothing here
    may end the module (fail_json): failures are raised.
    """

    def __init__(self, gce, params=None, listing=None, read_back=True):
        self.gce = gce
        self.params = gce.params if params is None else params
        self.name = self.params["name"]
        self.zones = requested_zones(self.params)
        # The instances of this name in any zone, when the fleet has read them
        # for every member at once; None: read them here.
        self.listing = listing
        # Read the instance again after a change to return it as it now is;
        # a fleet reads all of its changed members at once instead.
        self.read_back = read_back
        self.actions = []
        self.skipped_zones = []

    def fail(self, message, **result):
        raise InstanceTaskFailed(message, **result)

    @property
    def calls(self):
        return self.gce.instances

    def run(self):
        existing, elsewhere = self.find()
        if self.params["state"] == "absent":
            return self.absent(existing)
        if existing is None and elsewhere is not None:
            existing = elsewhere  # same name in another zone: compare() blocks on the zone
        if existing is None:
            return self.create()
        return self.converge(existing)

    # Reading

    def find(self):
        """(instance in the wanted zones or None, instance of that name in another zone or None)."""
        if self.listing is not None:
            found = self._first_in_zones(self.listing)
            if found is not None or self.params["state"] == "absent":
                return found, None
            return None, (self.listing[0] if self.listing else None)
        if len(self.zones) == 1:
            found = self.calls.get(self.zones[0], self.name)
            if found is not None or self.params["state"] == "absent":
                return found, None
        elif self.params["state"] == "absent":
            return self._first_in_zones(self.calls.named_everywhere(self.name)), None
        # Not in the wanted zone(s): one list call tells whether the name is
        # used elsewhere, which would otherwise become a second instance.
        everywhere = self.calls.named_everywhere(self.name)
        found = self._first_in_zones(everywhere)
        if found is not None:
            return found, None
        return None, (everywhere[0] if everywhere else None)

    def _first_in_zones(self, instances):
        by_zone = dict((short_name(instance.get("zone")), instance) for instance in instances)
        for zone in self.zones:
            if zone in by_zone:
                return by_zone[zone]
        return None

    # Acting

    def finish(self, operation, action, last=False):
        """Wait for an operation unless it is the last one and wait is false."""
        if last and not self.params["wait"]:
            return operation
        return self.calls.wait(operation, action)

    def absent(self, existing):
        if existing is None:
            return self.result(False, {})
        zone = short_name(existing["zone"])
        if existing.get("deletionProtection"):
            if self.params["deletion_protection"] is not False:
                self.fail("instance %s has deletion protection; add deletion_protection: false to this "
                          "task to lift it and delete the instance" % self.name)
            self.actions.append("set deletion protection")
        self.actions.append("delete from %s" % zone)
        diff = {"before": diff_view(summarize(existing)), "after": {}}
        if not self.gce.check_mode:
            if existing.get("deletionProtection"):
                self.finish(self.calls.set_deletion_protection(zone, self.name, False),
                            "lift deletion protection of %s" % self.name)
            self.finish(self.calls.delete(zone, self.name), "delete instance %s" % self.name, last=True)
        return self.result(True, {}, diff=diff)

    def resolve_image(self):
        ref = parse_image(self.params["image"])
        image = self.calls.image(ref)
        problem = check_image_features(image_label(ref), image.get("guestOsFeatures")) or check_disk_size(
            self.params["boot_disk_size_gb"], int(image.get("diskSizeGb") or 0))
        if problem:
            self.fail(problem)
        return image

    def create(self, before=None):
        image = self.resolve_image()
        stop_after = self.params["state"] == "stopped"
        planned = planned_view(self.params, self.zones[0], image)
        diff = {"before": diff_view(before), "after": diff_view(planned)}
        if self.gce.check_mode:
            self.actions.append("create in %s" % " or ".join(self.zones))
            if stop_after:
                self.actions.append("stop")
            return self.result(True, planned, diff=diff)
        zone = self.insert_with_fallback(image)
        self.actions.append("create in %s" % zone)
        if stop_after:
            self.actions.append("stop")
            self.finish(self.calls.stop(zone, self.name), "stop instance %s" % self.name, last=True)
        final = self.calls.get(zone, self.name) if self.read_back else None
        view = summarize(final) if final else dict(planned, zone=zone)
        diff["after"] = diff_view(view)
        return self.result(True, view, diff=diff)

    def insert_with_fallback(self, image):
        project = self.gce.api.project
        must_wait = len(self.zones) > 1 or self.params["state"] == "stopped"
        for position, zone in enumerate(self.zones):
            body = desired_body(self.params, project, zone, image["selfLink"])
            action = "create instance %s in %s" % (self.name, zone)
            try:
                operation = self.calls.insert(zone, body)
                if must_wait or self.params["wait"]:
                    self.calls.wait(operation, action)
                return zone
            except GceError as error:
                code = error.details.get("operation_error_code") or error.details.get("reason")
                if code not in CAPACITY_ERROR_CODES:
                    raise
                self.skipped_zones.append({"zone": zone, "reason": "%s: %s" % (code, error.details.get("api_message"))})
                if position == len(self.zones) - 1:
                    untried = [other for other in tdx_catalog.TDX_ZONES if other not in self.zones]
                    raise GceError(
                        "create instance %s failed: no capacity in %s (%s); fix: list more TDX zones in zones "
                        "(%s) or try again later" % (
                            self.name,
                            ", ".join("%s %s" % (item["zone"], item["reason"].split(":")[0]) for item in self.skipped_zones),
                            error.details.get("api_message"),
                            ", ".join(untried) or "none left"),
                        operation_error_code=code)
        return None  # not reached: the loop returns or raises

    def converge(self, existing):
        comparison = compare(existing, self.params, self.zones)
        before = summarize(existing)
        if comparison.blocked:
            if not self.params["recreate"]:
                self.fail(comparison.blocked_message(self.name), instance=before)
            return self.recreate(existing, before)
        zone = before["zone"]
        after = copy.deepcopy(before)
        for option, dummy, wanted in comparison.updates:
            self.actions.append("set %s" % option.replace("_", " "))
            after[UPDATE_VIEW_KEY[option]] = wanted
        status = before["status"]
        power = power_actions(status, self.params["state"])
        self.actions.extend(power)
        if power:
            after["status"] = STATUS_AFTER[power[-1]]
        changed = bool(self.actions)
        diff = {"before": diff_view(before), "after": diff_view(after)}
        if not changed:
            return self.result(False, before, diff=diff)
        if self.gce.check_mode:
            return self.result(True, after, diff=diff)
        self.apply_updates(existing, zone, comparison.updates, last=not power)
        for position, verb in enumerate(power):
            if verb == "start" and status in SETTLING_STATES:
                self.await_settled(zone)
            operation = getattr(self.calls, verb)(zone, self.name)
            self.finish(operation, "%s instance %s" % (verb, self.name), last=position == len(power) - 1)
        final = self.calls.get(zone, self.name) if self.read_back else None
        view = summarize(final) if final else after
        diff["after"] = diff_view(view)
        return self.result(True, view, diff=diff)

    def apply_updates(self, existing, zone, updates, last):
        for position, (option, dummy, wanted) in enumerate(updates):
            is_last = last and position == len(updates) - 1
            action = "set %s of %s" % (option.replace("_", " "), self.name)
            if option == "labels":
                operation = self.calls.set_labels(zone, self.name, wanted, existing.get("labelFingerprint"))
            elif option == "metadata":
                operation = self.calls.set_metadata(zone, self.name, wanted,
                                                    (existing.get("metadata") or {}).get("fingerprint"))
            elif option == "network_tags":
                operation = self.calls.set_tags(zone, self.name, wanted,
                                                (existing.get("tags") or {}).get("fingerprint"))
            elif option == "deletion_protection":
                operation = self.calls.set_deletion_protection(zone, self.name, wanted)
            else:
                operation = self.calls.set_machine_type(zone, self.name, machine_type_path(zone, wanted))
            self.finish(operation, action, last=is_last)

    def await_settled(self, zone):
        """Poll until a STOPPING/SUSPENDING instance has stopped, so that it can be started."""
        while True:
            current = self.calls.get(zone, self.name)
            if current is None or current.get("status") not in SETTLING_STATES:
                return
            if self.gce.deadline.expired():
                self.fail("start instance %s failed: it is still %s after %d s (wait_timeout); run the task "
                          "again later" % (self.name, current.get("status"), self.gce.deadline.seconds))
            self.gce.api.pause(1.0)

    def recreate(self, existing, before):
        zone = before["zone"]
        if existing.get("deletionProtection"):
            self.fail("instance %s has deletion protection, so recreate cannot delete it; run "
                      "deletion_protection: false without recreate first" % self.name, instance=before)
        # The new image is checked before the old instance is deleted: a
        # refused image must leave the instance as it was, not gone.
        self.resolve_image()
        self.actions.append("delete from %s" % zone)
        if not self.gce.check_mode:
            self.calls.wait(self.calls.delete(zone, self.name), "delete instance %s" % self.name)
        return self.create(before=before)

    def result(self, changed, view, diff=None):
        result = dict(changed=changed, instance=view, actions=self.actions, skipped_zones=self.skipped_zones)
        if view:
            result["zone"] = view.get("zone")
        if diff is not None and self.gce.diff_mode:
            result["diff"] = diff
        return result


# Fleet mode: many instances in one task.

def entry_params(task_params, entry):
    """The options of one O(instances) entry: the task's, overridden by what the entry sets.

    A zone given in the entry (zone or zones) replaces both zone options of
    the task; dictionaries and lists replace the task's, they are not merged.
    """
    params = dict(task_params, instances=None)
    given = dict((key, value) for key, value in entry.items() if value is not None)
    if "zone" in given or "zones" in given:
        params["zone"] = params["zones"] = None
    params.update(given)
    return params


def fleet_problems(params):
    """Problems of the fleet as a whole (each entry is validated on its own later)."""
    problems = []
    if params["concurrency"] < 1:
        problems.append("concurrency: %s must be at least 1 (API calls in flight at once)" % params["concurrency"])
    if not params["instances"]:
        problems.append("instances: an empty list; list at least one instance, or use name")
    names = [entry["name"] for entry in params["instances"] or ()]
    twice = sorted(set(name for name in names if names.count(name) > 1))
    if twice:
        problems.append("instances: %s listed more than once; list each instance once" % ", ".join(twice))
    if params["wait_timeout"] <= 0:
        problems.append("wait_timeout: %s must be a positive number of seconds" % params["wait_timeout"])
    return problems


class FleetTask:
    """A gce_instance task over O(instances): every member converges at once, each reported on its own."""

    def __init__(self, gce):
        self.gce = gce
        self.members = [entry_params(gce.params, entry) for entry in gce.params["instances"]]

    def run(self):
        """(result, failure message or None)."""
        reports = [None] * len(self.members)
        tasks = []
        for index, params in enumerate(self.members):
            problems = validate(params)
            if problems:
                reports[index] = self.report(params, failed="; ".join(problems))
            else:
                tasks.append((index, params))
        if tasks:
            self.converge(tasks, reports)
        return self.summary(reports)

    def converge(self, tasks, reports):
        gce = self.gce
        gce.api.limit_concurrency(gce.params["concurrency"])
        gce.api.operation_watcher = OperationWatcher(gce.api)
        compute_v1()  # imported once, here, rather than by the first thread that needs it
        # One list call finds every member, wherever it is, instead of a get per instance.
        listing = gce.instances.named_any_of([params["name"] for dummy, params in tasks],
                                             "find the instances of the task")
        members = [InstanceTask(gce, params, listing=listing[params["name"]], read_back=False)
                   for dummy, params in tasks]
        outcomes = run_each(members, lambda member: member.run())
        changed_names = []
        for (index, params), outcome in zip(tasks, outcomes):
            member = outcome.item
            if outcome.failed:
                reports[index] = self.failed_report(member, outcome.error)
            else:
                reports[index] = dict(outcome.value, name=member.name, failed=False)
            if reports[index]["changed"] and params["state"] != "absent":
                changed_names.append(member.name)
        if changed_names and not gce.check_mode:
            self.read_back(changed_names, reports)

    def read_back(self, names, reports):
        """Return the changed instances as they are now, read with one list call."""
        try:
            now = self.gce.instances.named_any_of(names, "read the changed instances back")
        except GceError:
            return  # the reports keep the expected views; the changes themselves were made
        for report in reports:
            current = now.get(report["name"])
            if not current or report.get("zone") is None:
                continue
            for instance in current:
                if short_name(instance.get("zone")) == report["zone"]:
                    report["instance"] = summarize(instance)
                    if "diff" in report:
                        report["diff"]["after"] = diff_view(report["instance"])

    def failed_report(self, member, error):
        if isinstance(error, InstanceTaskFailed):
            message, extra = error.message, error.result
        else:
            message, extra = describe(error, "%s instance %s" % (member.params["state"], member.name)).message, {}
        # The actions listed before the failure may have been carried out.
        return self.report(member.params, failed=message, changed=bool(member.actions) and not self.gce.check_mode,
                           actions=member.actions, skipped_zones=member.skipped_zones, **extra)

    @staticmethod
    def report(params, failed=None, changed=False, actions=(), skipped_zones=(), instance=None):
        report = dict(name=params["name"], changed=changed, failed=bool(failed), actions=list(actions),
                      skipped_zones=list(skipped_zones), instance=instance or {})
        if failed:
            report["msg"] = failed
        return report

    def summary(self, reports):
        result = dict(changed=any(report["changed"] for report in reports), instances=reports)
        if self.gce.diff_mode:
            result["diff"] = [dict(report["diff"], before_header=report["name"], after_header=report["name"])
                              for report in reports if report.get("diff") and report["changed"]]
        failed = [report for report in reports if report["failed"]]
        if not failed:
            return result, None
        message = "%d of %d instances failed: %s" % (
            len(failed), len(reports), "; ".join("%s: %s" % (report["name"], report["msg"]) for report in failed))
        return result, message


def run_fleet(gce):
    problems = fleet_problems(gce.params)
    if problems:
        gce.fail("; ".join(problems))
    try:
        result, failure = FleetTask(gce).run()
    except Exception as error:  # pylint: disable=broad-except
        gce.fail_from(error, "find the instances of the task")
    if failure:
        gce.fail(failure, **result)
    gce.exit(**result)


def run_single(gce):
    problems = validate(gce.params)
    if problems:
        gce.fail("; ".join(problems))
    task = InstanceTask(gce)
    try:
        result = task.run()
    except InstanceTaskFailed as failure:
        gce.fail(failure.message, **failure.result)
    except Exception as error:  # pylint: disable=broad-except
        gce.fail_from(error, "%s instance %s" % (gce.params["state"], gce.params["name"]),
                      actions=task.actions, skipped_zones=task.skipped_zones)
    gce.exit(**result)


def main():
    gce = GceModule(
        ARGUMENT_SPEC,
        timeout_option="wait_timeout",
        mutually_exclusive=[("zone", "zones"), ("name", "instances")],
        required_one_of=[("name", "instances")],
        supports_check_mode=True,
    )
    if gce.params["instances"] is None:
        run_single(gce)
    else:
        run_fleet(gce)


if __name__ == "__main__":
    main()
