#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: guest_info
short_description: Show from inside a Linux guest whether it runs as an Intel TDX trust domain
version_added: 0.1.0
description:
  - Collects every sign a Linux guest gives of running as an Intel TDX trust domain (TD) and returns a verdict,
    RV(tdx.active), with a one-line RV(tdx.reason).
  - Looks at the kernel log (the ring buffer through C(dmesg), and C(journalctl --dmesg --boot) when the ring
    buffer has rotated past boot or is restricted), the C(tdx_guest) CPU flag, the C(/dev/tdx_guest) character
    device (owner, group, mode), the configfs-tsm report interface and its provider, the ACPI C(CCEL) table,
    the TDX measurements in sysfs (Linux 6.16+) and C(systemd-detect-virt --cvm) (systemd 254+).
  - Reads the TD's own TDREPORT through the C(TDX_CMD_GET_REPORT0) ioctl of C(/dev/tdx_guest) and decodes it,
    so RV(tdx.debug) tells whether the TD is a debug TD, whose memory the host can read.
  - TDX counts as active only on evidence that no process in the guest can forge, the kernel's C(tdx_guest)
    CPU flag or a TDREPORT from the TDX module. A kernel log line alone does not count, since any root process
    can write one.
  - Never fails on a host that is not a TD; it says what is missing, and tells a check it could not make (for
    example C(dmesg) restricted, or C(/dev/tdx_guest) not readable without root) apart from a missing sign.
  - Can also inspect a system offline, from the files of a mounted disk image or a captured evidence tree
    (O(evidence_root)), with a kernel log and a TDREPORT saved earlier (O(kernel_log_file), O(tdreport_file)).
  - With O(policy), also judges what it found, on the host, and returns the verdict and every check with its
    reason in RV(verdict), so one module run per host both gathers and judges (the role
    C(confidential.tdx.verify) works this way).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  report_data:
    description:
      - Report data bound into the TDREPORT, as hexadecimal text of at most 64 bytes (128 hex digits); shorter
        values are padded with zero bytes.
      - Use a fresh nonce to show the report was made now.
    type: str
    default: ''
  attest_report_data:
    description:
      - Also get a quote for a remote verifier over exactly these report data (64 bytes, 128 hex digits, such as
        the P(confidential.tdx.attestation_report_data#filter) of a controller's nonce), with the TD's CCEL event
        log, and return them in RV(attestation) as M(confidential.tdx.guest_quote) returns them.
      - One module run then both gathers the signs and gets the evidence to verify on the controller (the role
        C(confidential.tdx.verify) works this way). This is evidence for a verifier, not part of the host's own
        judgement.
    type: str
    version_added: 0.3.0
  read_tdreport:
    description:
      - Ask the TDX module for a TDREPORT through C(/dev/tdx_guest).
      - Opening the device needs root unless a udev rule grants access; without it the report is listed in
        RV(tdx.evidence_unchecked) with the reason.
    type: bool
    default: true
  evidence_root:
    description:
      - Directory to read the inspected system's files from, for offline inspection of a mounted disk image or
        of a tree of files captured from a guest (C(proc/cpuinfo), C(dev/tdx_guest), C(sys/...)).
      - Commands and the TDREPORT ioctl only run when this is C(/), the live system; offline, the kernel log
        comes from O(kernel_log_file) and the report from O(tdreport_file).
    type: path
    default: /
  kernel_log_file:
    description:
      - Read the kernel log from this file (for example a saved C(journalctl --dmesg --boot) or C(dmesg)
        output) instead of asking the running kernel.
      - The file is taken to hold the whole log of the boot in question.
    type: path
  tdreport_file:
    description:
      - Decode the TDREPORT stored in this file (1024 bytes, as C(TDX_CMD_GET_REPORT0) returns it) instead of
        asking C(/dev/tdx_guest), for example a report captured from a TD for an audit.
      - A report from a file is decoded and returned, but does not count as evidence that this system is a TD.
      - A file that is not a TDX TDREPORT fails the task with the reason.
    type: path
  gce_metadata:
    description:
      - Also ask Compute Engine's metadata server (C(169.254.169.254), never through a proxy) for the
        instance's ID and C(maintenance-event), returned in RV(gce_metadata). Self-reported, as the rest.
      - Off by default. Off Compute Engine the address does not answer and the task waits up to 2 s for it.
    type: bool
    default: false
    version_added: 0.4.0
  policy:
    description:
      - Judge the evidence against this policy and return the verdict in RV(verdict).
      - A check that could not be made (no privilege, no tool) fails with C(could not check) and the reason;
        it never passes.
    type: dict
    suboptions:
      required_evidence:
        description:
          - Evidence that must have been found (status C(found)); each is one check named after it.
        type: list
        elements: str
        choices: [cpu_flag, tdreport, kernel_log, device, configfs_tsm, ccel_table, sysfs_measurements, detect_virt]
        default: [cpu_flag, kernel_log, device]
      require_sept_ve_disable:
        description:
          - Check that the TDREPORT has the SEPT_VE_DISABLE attribute, as a production TD does. The DEBUG
            attribute is always checked.
        type: bool
        default: true
      expected_measurements:
        description:
          - Expected register values, as hex (case does not matter); each register named is one check.
          - Registers not named are not compared.
        type: dict
        suboptions:
          mrtd:
            description: Expected MRTD.
            type: str
          mrconfigid:
            description: Expected MRCONFIGID.
            type: str
          mrowner:
            description: Expected MROWNER.
            type: str
          mrownerconfig:
            description: Expected MROWNERCONFIG.
            type: str
          rtmr0:
            description: Expected RTMR0.
            type: str
          rtmr1:
            description: Expected RTMR1.
            type: str
          rtmr2:
            description: Expected RTMR2.
            type: str
          rtmr3:
            description: Expected RTMR3.
            type: str
      quote:
        description:
          - Also get a quote through configfs-tsm, as M(confidential.tdx.guest_quote) does, over O(report_data)
            (or a random nonce when O(report_data) is empty), and check that it is not a debug TD's quote.
          - The result is in RV(quote); a quote that cannot be had fails the C(quote) check with the reason.
        type: bool
        default: false
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.guest
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; it behaves the same in check mode.
      - With O(policy.quote=true) it gets a quote in check mode too; the configfs-tsm report entry it makes is
        a transient kernel object, removed before the module returns.
  diff_mode:
    support: none
notes:
  - Run with O(ignore:become=true) to read a restricted kernel log and C(/dev/tdx_guest); without root the
    module still runs and lists those checks in RV(tdx.evidence_unchecked).
  - Inside a container the kernel is the host's; the verdict is then about the host's kernel.
seealso:
  - module: confidential.tdx.guest_quote
  - plugin: confidential.tdx.tdx_quote
    plugin_type: filter
  - name: Linux kernel documentation of the TDX guest
    description: Intel Trust Domain Extensions in the Linux kernel.
    link: https://docs.kernel.org/arch/x86/tdx.html
"""

EXAMPLES = r"""
- name: Show whether this guest is a TDX trust domain
  confidential.tdx.guest_info:
  become: true
  register: tdx_guest

- name: Refuse a host that is not a TD, or is a debug TD
  ansible.builtin.assert:
    that:
      - tdx_guest.tdx.active
      - not tdx_guest.tdx.debug
    fail_msg: "{{ tdx_guest.tdx.reason }}"

- name: Bind a nonce into the TDREPORT
  confidential.tdx.guest_info:
    report_data: "{{ (inventory_hostname ~ now(utc=true)) | ansible.builtin.hash('sha512') }}"
  become: true

- name: Gather and judge in one run, with a measurement policy and a quote
  confidential.tdx.guest_info:
    policy:
      required_evidence: [cpu_flag, kernel_log, device]
      expected_measurements:
        mrtd: "{{ golden_mrtd }}"
      quote: true
  become: true
  register: tdx_verdict

- name: Refuse a host that fails the policy, with every reason
  ansible.builtin.assert:
    that: tdx_verdict.verdict.verified
    fail_msg: "{{ tdx_verdict.verdict.failures | join('; ') }}"

- name: Inspect a disk image mounted on /mnt/td-image, with a kernel log and report captured earlier
  confidential.tdx.guest_info:
    evidence_root: /mnt/td-image
    kernel_log_file: /srv/evidence/td-1/journal-kernel.txt
    tdreport_file: /srv/evidence/td-1/tdreport.bin
"""

RETURN = r"""
tdx:
  description: The verdict and the decoded TDREPORT.
  returned: always
  type: dict
  contains:
    active:
      description:
        - Whether the system runs as a TDX trust domain, shown by the C(tdx_guest) CPU flag or a TDREPORT read
          from the TDX module.
      type: bool
      sample: false
    reason:
      description: One line that explains RV(tdx.active).
      type: str
      sample: "not a TDX guest: no CPU flag tdx_guest in /proc/cpuinfo, TDREPORT from /dev/tdx_guest"
    debug:
      description:
        - Whether the TDREPORT has the DEBUG attribute (the host can read and change the TD's memory).
        - V(null) when no report was read.
      type: bool
      sample: false
    evidence_found:
      description: Names of the evidence found (C(cpu_flag), C(tdreport), C(kernel_log), C(device),
        C(configfs_tsm), C(ccel_table), C(sysfs_measurements), C(detect_virt)).
      type: list
      elements: str
      sample: [cpu_flag, tdreport, kernel_log, device]
    evidence_missing:
      description: Names of the evidence looked for and not there.
      type: list
      elements: str
      sample: [sysfs_measurements]
    evidence_unchecked:
      description: Evidence that could not be checked, name to reason (no privilege, tool missing, offline).
      type: dict
      sample: {kernel_log: "dmesg: permission denied (kernel.dmesg_restrict=1 needs root)"}
    report:
      description:
        - The decoded TDREPORT, or V(null) when none was read.
        - Hex values are lowercase without prefix; RV(tdx.report.td_attributes) is the little-endian u64 as a
          16-digit hex number, RV(tdx.report.xfam) the raw 8 bytes as stored.
      type: dict
      contains:
        report_type:
          description: TDREPORT type byte, 129 (0x81) for TDX.
          type: int
        report_subtype:
          description: TDREPORT subtype.
          type: int
        report_version:
          description: TDREPORT version (0 on TDX 1.0, 1 on TDX 1.5).
          type: int
        cpusvn:
          description: CPU security version numbers.
          type: str
        tee_tcb_info_hash:
          description: SHA-384 of the TEE_TCB_INFO.
          type: str
        tee_info_hash:
          description: SHA-384 of the TDINFO.
          type: str
        report_data:
          description: The 64 bytes of report data the report was made over.
          type: str
        mac:
          description: MAC over the report, checked only by the platform.
          type: str
        tee_tcb_info_valid:
          description: Which TEE_TCB_INFO fields are valid.
          type: str
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
        tee_tcb_svn2:
          description: Further TDX module security version numbers (TDX 1.5).
          type: str
        td_attributes:
          description: TD attributes as a 16-digit hex number.
          type: str
          sample: "0000000010000000"
        attributes:
          description: Names of the TD attribute bits set (C(DEBUG), C(SEPT_VE_DISABLE), C(PKS), ...; C(BITn) for
            a bit without a name).
          type: list
          elements: str
          sample: [SEPT_VE_DISABLE]
        debug:
          description: Whether the DEBUG attribute is set.
          type: bool
        sept_ve_disable:
          description: Whether the SEPT_VE_DISABLE attribute is set, as expected on a production TD.
          type: bool
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
        servtd_hash:
          description: Hash of the service TDs bound to this TD (TDX 1.5).
          type: str
        trailing_bytes:
          description: Bytes after the 1024-byte report that were ignored.
          type: int
    report_source:
      description: Where RV(tdx.report) came from, C(device) or C(file); V(null) without a report.
      type: str
      sample: device
evidence:
  description:
    - Each piece of evidence, by name, with C(status) (C(found), C(missing) or C(unchecked)), a one-line
      C(detail), and what was seen.
    - C(kernel_log) has C(sources), the matching C(lines), the C(attributes) and C(td_ctls) bit names of newer
      kernels' boot lines, and C(other_cvm) when the kernel names another confidential technology.
    - C(device) has C(path), C(owner), C(group), C(mode), C(major) and C(minor); C(configfs_tsm) has
      C(providers); C(sysfs_measurements) has C(values) (hex); C(detect_virt) has C(value).
  returned: always
  type: dict
  sample:
    cpu_flag: {status: missing, detail: "CPU flag tdx_guest is not set"}
    device: {status: missing, detail: "no /dev/tdx_guest", path: /dev/tdx_guest}
kernel_release:
  description: Release of the running (or inspected) kernel, V(null) when unknown.
  returned: always
  type: str
  sample: 6.8.0-1015-gcp
boot_id:
  description:
    - The kernel's boot ID (C(/proc/sys/kernel/random/boot_id)), new at every boot, V(null) when unknown. A
      different one in a later run means the system restarted in between.
  returned: always
  type: str
  version_added: 0.4.0
  sample: 0f6ae4b5-7c0e-4c5e-8f6b-2d0c7c1b9a55
gce_metadata:
  description:
    - With O(gce_metadata), what Compute Engine's metadata server said - C(available), C(instance_id) (the
      same across restarts, new when an instance of the name is made again), C(maintenance_event) (C(NONE),
      C(MIGRATE_ON_HOST_MAINTENANCE) or C(TERMINATE_ON_HOST_MAINTENANCE)) and C(error) (why it could not be
      asked, or V(null)).
  returned: when O(gce_metadata) is true
  type: dict
  version_added: 0.4.0
  sample: {"available": true, "instance_id": "4832015720384619", "maintenance_event": "NONE", "error": null}
evidence_root:
  description: The directory the evidence was read from, C(/) for the live system.
  returned: always
  type: str
  sample: /
live:
  description: Whether the live system was inspected (commands and the TDREPORT ioctl were available).
  returned: always
  type: bool
  sample: true
verdict:
  description: The evidence judged against O(policy).
  returned: when O(policy) is set
  type: dict
  contains:
    verified:
      description: Whether every check passed.
      type: bool
      sample: false
    failures:
      description: "C(name: reason) of each failed check, in order."
      type: list
      elements: str
      sample: ["tdx_active: not a TDX guest: no tdx_guest CPU flag, no /dev/tdx_guest device"]
    checks:
      description:
        - Every check made, in order, each with C(name), C(passed) and C(reason). C(tdx_active) first, then
          the required evidence, C(debug), C(sept_ve_disable), the expected measurements and C(quote).
      type: list
      elements: dict
      sample: [{name: debug, passed: true, reason: DEBUG attribute is clear}]
quote:
  description:
    - The quote asked for by O(policy.quote), decoded as RV(confidential.tdx.guest_quote#module:decoded) is,
      without its report data (a nonce, different every run); or C(obtained=false) and C(msg) with the reason
      when no quote could be had.
  returned: when O(policy.quote=true)
  type: dict
  sample: {obtained: false, msg: "no configfs-tsm report interface at /sys/kernel/config/tsm/report"}
attestation:
  description:
    - The evidence asked for by O(attest_report_data), with the keys M(confidential.tdx.guest_quote) returns
      (C(quote) in base64, C(report_data), C(decoded), C(provider), C(generation), C(event_log),
      C(event_log_table), C(event_log_reason)); or only C(msg) and C(report_data) when no quote could be had (the
      verifier then refuses the host with that reason).
  returned: when O(attest_report_data) is given
  type: dict
  version_added: 0.3.0
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import gce_metadata
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import parse_report_data
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.host import EvidenceInputError, HostInspector
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.layouts import REPORT_DATA_SIZE, TDREPORT_FIELDS
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.policy import (
    DEFAULT_REQUIRED_EVIDENCE,
    MEASUREMENT_REGISTERS,
    Policy,
    judge,
    quote_summary,
)
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.quote import checked_quote, evidence_for_verifier
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.signs import EVIDENCE_NAMES
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.tsm import QuoteError

# Bytes of each register a policy may name, from the TDREPORT's layout.
MEASUREMENT_SIZES = dict((field[0], field[2]) for field in TDREPORT_FIELDS if field[0] in MEASUREMENT_REGISTERS)

POLICY_OPTIONS = dict(
    required_evidence=dict(type="list", elements="str", choices=list(EVIDENCE_NAMES),
                           default=list(DEFAULT_REQUIRED_EVIDENCE)),
    require_sept_ve_disable=dict(type="bool", default=True),
    expected_measurements=dict(type="dict", options=dict((name, dict(type="str")) for name in MEASUREMENT_REGISTERS)),
    quote=dict(type="bool", default=False),
)


def _command_runner(module):
    def run(argv):
        program = module.get_bin_path(argv[0])
        if not program:
            return None
        return module.run_command([program] + list(argv[1:]), environ_update={"LC_ALL": "C"})
    return run


def get_quote(report_data, live):
    """The quote outcome the policy judges: {"decoded", "provider"}, or {"msg"} when none was had."""
    if not live:
        return {"msg": "offline inspection cannot ask the TDX module for a quote"}
    try:
        dummy, decoded, facts = checked_quote(report_data)
    except QuoteError as exc:
        return {"msg": str(exc)}
    return {"decoded": decoded, "provider": facts["provider"]}


def attestation(report_data, live):
    """The evidence for a verifier over ``report_data``, as guest_quote returns it, or {msg, report_data}."""
    if not live:
        return {"msg": "offline inspection cannot ask the TDX module for a quote", "report_data": report_data.hex()}
    try:
        return evidence_for_verifier(report_data)
    except QuoteError as exc:
        return {"msg": str(exc), "report_data": report_data.hex()}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            report_data=dict(type="str", default=""),
            attest_report_data=dict(type="str"),
            read_tdreport=dict(type="bool", default=True),
            evidence_root=dict(type="path", default="/"),
            kernel_log_file=dict(type="path"),
            tdreport_file=dict(type="path"),
            policy=dict(type="dict", options=POLICY_OPTIONS),
            gce_metadata=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        report_data = parse_report_data(module.params["report_data"])
    except ValueError as exc:
        module.fail_json(msg="report_data %s; give at most 128 hex digits" % exc)
    attest_report_data = module.params["attest_report_data"]
    if attest_report_data is not None:
        try:
            attest_report_data = parse_report_data(attest_report_data)
        except ValueError as exc:
            module.fail_json(msg="attest_report_data %s; give the 128 hex digits of the quote's report data" % exc)
    # Refused before anything is read: a typo in an expected value would
    # otherwise fail its check as a mismatch, on every host.
    expected = ((module.params["policy"] or {}).get("expected_measurements") or {})
    malformed = sorted(name for name, value in expected.items()
                       if value is not None and not re.fullmatch(r"[0-9a-fA-F]{%d}" % (2 * MEASUREMENT_SIZES[name]), value))
    if malformed:
        module.fail_json(msg="policy.expected_measurements: %s must be hex digits, %d for a 48-byte register as "
                             "this module reports it" % (", ".join(malformed), 2 * MEASUREMENT_SIZES[malformed[0]]))
    root = module.params["evidence_root"]
    if not os.path.isdir(root):
        module.fail_json(msg="evidence_root %s is not a directory; give / or the root of a mounted image" % root)
    inspector = HostInspector(root=root, run=_command_runner(module))
    try:
        result = inspector.inspect(
            report_data=report_data,
            read_tdreport=module.params["read_tdreport"],
            kernel_log_file=module.params["kernel_log_file"],
            tdreport_file=module.params["tdreport_file"],
        )
    except EvidenceInputError as exc:
        module.fail_json(msg=str(exc))
    options = module.params["policy"]
    if options is not None:
        policy = Policy(options["required_evidence"], options["require_sept_ve_disable"],
                        options["expected_measurements"], options["quote"])
        quote = None
        if policy.quote:
            # An empty report_data asks for a fresh random nonce, as guest_quote does.
            nonce = report_data if module.params["report_data"] else os.urandom(REPORT_DATA_SIZE)
            quote = get_quote(nonce, inspector.live)
            result["quote"] = quote_summary(quote)
        result["verdict"] = judge(result, policy, quote)
    if attest_report_data is not None:
        result["attestation"] = attestation(attest_report_data, inspector.live)
    if module.params["gce_metadata"]:
        result["gce_metadata"] = gce_metadata.read()
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
