#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: guest_quote
short_description: Get a TDX quote for a nonce from inside an Intel TDX guest
version_added: 0.1.0
description:
  - Asks the TDX guest's kernel for a quote, the signed evidence a remote verifier checks, through the
    configfs-tsm report interface of Linux 6.7 and newer.
  - Creates a report entry under O(tsm_report_dir), writes the 64 bytes of O(report_data), reads the quote,
    and checks the entry's C(generation) counter so that a quote changed by another writer in between is
    refused. The entry is removed again in every case, also when the request fails.
  - Checks that the quote carries the report data it was asked for, decodes its header and body with the
    same decoder as the P(confidential.tdx.tdx_quote#filter) filter, and returns the quote as base64.
  - Also returns the TDX event log (the CCEL ACPI table and its log area) as base64, for
    M(confidential.tdx.quote_verify) to replay against the quote's RTMRs. A guest without one is not an error;
    RV(event_log) is then null and RV(event_log_reason) says why.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  report_data:
    description:
      - The nonce bound into the quote, as hexadecimal text of at most 64 bytes (128 hex digits); shorter values
        are padded with zero bytes.
      - When not given, 64 random bytes are used and returned in RV(report_data).
    type: str
  tsm_report_dir:
    description:
      - The configfs-tsm report directory; change it only where configfs is mounted somewhere else than
        C(/sys/kernel/config).
    type: path
    default: /sys/kernel/config/tsm/report
  acpi_tables_dir:
    description:
      - Where the kernel shows the ACPI tables; the TDX event log is read from C(CCEL) and C(data/CCEL) in it.
        Change it only where sysfs is mounted somewhere else.
    type: path
    default: /sys/firmware/acpi/tables
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.guest
attributes:
  check_mode:
    support: full
    details:
      - The report entry the module creates is a transient kernel object that it removes before it returns,
        and nothing is written to disk, so the module reports no change and gets a quote in check mode too.
  diff_mode:
    support: none
notes:
  - Creating report entries needs root, so run the task with O(ignore:become=true).
  - On Google Cloud the host answers the quote request; on a plain QEMU/KVM host a quote generation service must
    be configured, or the kernel gives up after 30 seconds (ETIMEDOUT) or reports a failed hypercall (EIO).
seealso:
  - module: confidential.tdx.guest_info
  - plugin: confidential.tdx.tdx_quote
    plugin_type: filter
  - name: configfs-tsm report ABI
    description: The kernel's description of the report interface.
    link: https://www.kernel.org/doc/Documentation/ABI/testing/configfs-tsm-report
"""

EXAMPLES = r"""
- name: Get a quote for a fresh random nonce
  confidential.tdx.guest_quote:
  become: true
  register: td_quote

- name: Refuse a debug TD
  ansible.builtin.assert:
    that: not td_quote.decoded.debug
    fail_msg: "{{ inventory_hostname }} is a debug TD: its memory is readable by the host"

- name: Get a quote over a verifier's challenge
  confidential.tdx.guest_quote:
    report_data: "{{ verifier_challenge }}"
  become: true
  register: challenged_quote

- name: Keep the quote on the controller for the verifier
  ansible.builtin.copy:
    content: "{{ challenged_quote.quote | ansible.builtin.b64decode }}"
    dest: "evidence/{{ inventory_hostname }}.quote"
    mode: "0644"
  delegate_to: localhost
"""

RETURN = r"""
quote:
  description:
    - The quote, base64-encoded, cut to the length the quote declares (the kernel's buffer may add padding).
    - Decode it on the controller with P(confidential.tdx.tdx_quote#filter).
  returned: success
  type: str
  sample: BAACAIEAAAAAAAAAk5pyM/ecTKmUCg2zlX8GB...
report_data:
  description: The 64 bytes of report data bound into the quote, as hex.
  returned: success
  type: str
  sample: 6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113
decoded:
  description:
    - The quote's header and TD body, decoded. Hex is lowercase without prefix.
    - RV(decoded.td_attributes) is the little-endian u64 as a 16-digit hex number; RV(decoded.xfam) is the raw
      8 bytes as stored.
  returned: success
  type: dict
  contains:
    version:
      description: Quote format version, 4 or 5.
      type: int
      sample: 4
    att_key_type:
      description: Attestation key type (2 is ECDSA-256 with P-256).
      type: int
      sample: 2
    tee_type:
      description: TEE type as an 8-digit hex number, C(00000081) for TDX.
      type: str
      sample: "00000081"
    qe_vendor_id:
      description: Vendor of the quoting enclave (Intel is C(939a7233f79c4ca9940a0db3957f0607)).
      type: str
    user_data:
      description: User data of the quoting enclave.
      type: str
    body_type:
      description: Body type of a version 5 quote, 2 (TDX 1.0) or 3 (TDX 1.5); absent in version 4.
      type: int
      returned: version 5 quotes
    body_size:
      description: Body size of a version 5 quote; absent in version 4.
      type: int
      returned: version 5 quotes
    tdx_module:
      description: Which TD body the quote has, C(TDX 1.0) or C(TDX 1.5).
      type: str
      sample: TDX 1.0
    tee_tcb_svn:
      description: TDX module security version numbers.
      type: str
    mrseam:
      description: Measurement of the TDX module.
      type: str
    mrsignerseam:
      description: Measurement of the TDX module's signer.
      type: str
    seam_attributes:
      description: Attributes of the TDX module.
      type: str
    td_attributes:
      description: TD attributes as a 16-digit hex number.
      type: str
      sample: "0000000010000000"
    attributes:
      description: Names of the TD attribute bits set; C(BITn) for a bit without a name.
      type: list
      elements: str
      sample: [SEPT_VE_DISABLE]
    debug:
      description: Whether the DEBUG attribute is set (the host can read and change the TD's memory).
      type: bool
      sample: false
    sept_ve_disable:
      description: Whether the SEPT_VE_DISABLE attribute is set, as expected on a production TD.
      type: bool
      sample: true
    xfam:
      description: Extended features allowed in the TD (raw bytes).
      type: str
    mrtd:
      description: Measurement of the TD's initial contents.
      type: str
    mrconfigid:
      description: Software-defined ID of the TD's configuration.
      type: str
    mrowner:
      description: Software-defined ID of the TD's owner.
      type: str
    mrownerconfig:
      description: Software-defined ID of the owner's configuration.
      type: str
    rtmr:
      description: The four runtime measurement registers RTMR0 to RTMR3.
      type: list
      elements: str
    report_data:
      description: The report data in the quote.
      type: str
    tee_tcb_svn2:
      description: Further TDX module security version numbers.
      type: str
      returned: TDX 1.5 bodies
    mrservicetd:
      description: Measurement of the service TDs bound to this TD.
      type: str
      returned: TDX 1.5 bodies
    signature_data_length:
      description: Length of the signature data (signature, attestation key, certification data).
      type: int
    quote_size:
      description: Length of the quote in bytes.
      type: int
    trailing_bytes:
      description: Bytes after the quote that were cut off.
      type: int
provider:
  description: The configfs-tsm provider that made the quote.
  returned: success
  type: str
  sample: tdx_guest
generation:
  description: The report entry's generation counter after the quote was read.
  returned: success
  type: int
  sample: 1
event_log:
  description:
    - The TDX event log, the CCEL log area (C(/sys/firmware/acpi/tables/data/CCEL)), base64-encoded; give it to
      M(confidential.tdx.quote_verify) as O(confidential.tdx.quote_verify#module:event_log).
    - The area's fill after the last record (all 0xFF or all zero bytes) is left out; anything else after the
      records, or records the guest cannot follow, is sent whole. On Google Cloud the area is 256 KiB and the
      records about 20 KiB.
    - Null when the guest shows none or it cannot be read; RV(event_log_reason) says which.
  returned: success
  type: str
  sample: AQAAAAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAU3BlYyBJRCBFdmVudDAzAAAAAAAAAgACAQAAAAwAMAAA...
event_log_table:
  description:
    - The CCEL ACPI table (C(/sys/firmware/acpi/tables/CCEL)), base64-encoded; it says where the log area is and
      how long. Null when absent or unreadable (RV(event_log_reason) says which).
  returned: success
  type: str
  sample: Q0NFTDgAAAAB...
event_log_reason:
  description: Why RV(event_log) or RV(event_log_table) is null; null when both were read.
  returned: success
  type: str
  sample: "no CCEL event log: /sys/firmware/acpi/tables/data/CCEL does not exist; this guest's firmware or
    kernel shows no TDX event log"
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.ccel import DEFAULT_ACPI_TABLES_DIR
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import parse_report_data
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.layouts import REPORT_DATA_SIZE
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.quote import evidence_for_verifier
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.tsm import DEFAULT_REPORT_DIR, QuoteError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            report_data=dict(type="str"),
            tsm_report_dir=dict(type="path", default=DEFAULT_REPORT_DIR),
            acpi_tables_dir=dict(type="path", default=DEFAULT_ACPI_TABLES_DIR),
        ),
        supports_check_mode=True,
    )
    if module.params["report_data"] is None:
        report_data = os.urandom(REPORT_DATA_SIZE)
    else:
        try:
            report_data = parse_report_data(module.params["report_data"])
        except ValueError as exc:
            module.fail_json(msg="report_data %s; give at most 128 hex digits, or leave it out for a random nonce"
                             % exc)
    report_dir = module.params["tsm_report_dir"]
    try:
        evidence = evidence_for_verifier(report_data, report_dir, module.params["acpi_tables_dir"])
    except QuoteError as exc:
        # A directory the task named that is not there may be the task's
        # mistake rather than the kernel's: say which option holds it.
        named = "tsm_report_dir: " if report_dir != DEFAULT_REPORT_DIR and not os.path.isdir(report_dir) else ""
        module.fail_json(msg=named + str(exc), report_data=report_data.hex())
    module.exit_json(changed=False, **evidence)


if __name__ == "__main__":
    main()
