#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: quote_verify
short_description: Verify Intel TDX quotes on the controller, to Intel's root, with Intel's collateral
version_added: 0.2.0
description:
  - Verifies TDX quotes (as M(confidential.tdx.guest_quote) returns them) away from the guest that made them, in
    separate steps that each name what failed.
  - "Parse: the quote is decoded with the collection's own decoder (the keys of the
    P(confidential.tdx.tdx_quote#filter) filter); empty, truncated, foreign (SGX) or garbage input is a
    RV(problems) line, never an error of the task."
  - "Cryptography and collateral, by the C(dcap-qvl) library: the quote signature by the attestation key, the
    binding of that key by the Quoting Enclave's report, the QE report signature by the PCK certificate, the PCK
    chain up to the root, revocation lists, and the TCB level and status from Intel's TCB info and QE identity,
    all at the time O(verify_at)."
  - The root is Intel's SGX Root CA, pinned in the collection (SHA-256 of the DER
    C(44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3)); another root only through
    O(testing_root_ca). Every result says which root it was checked against.
  - "Policy on the TD body: expected measurements, TD attributes, XFAM, minimum TEE_TCB_SVN (O(policy))."
  - "Freshness: the report data must equal SHA-512(O(nonce) || O(user_data)), recomputed here, or
    O(report_data); any other value is refused as a replayed or stale quote, or a quote from another host. A quote
    given without either is refused too (it may be a replay), unless O(skip_freshness_check=true)."
  - "Firmware endorsement: on Google Cloud, MRTD measures Google's firmware; Google signs a launch endorsement
    listing the MRTDs of each firmware build, which M(confidential.tdx.tdx_collateral) caches in O(collateral_dir).
    The quote's MRTD is checked against it: the RSA-PSS signature, the signing certificate's chain to Google's
    root C(GCE-cc-tcb-root) and its validity at O(verify_at), the MRTD listed. An invalid endorsement refuses the
    quote (RV(problems) lines starting C(endorsement:)); a quote with no endorsement is not refused for that alone,
    RV(endorsement) says so and the policy must then pin the MRTD (C(mrtd) in O(policy))."
  - "Google's root is pinned by the SHA-256 of its DER
    (C(e876bc6978bf4f3da445f98a0a82363c8c0bae5a1fc033c6df65846a6cb0f18c)) and taken from the endorsement's own
    C(ca_bundle), where Google puts it, only when it hashes to that; an endorsement without it is C(unverifiable)
    (not refused). O(testing_endorsement_root) replaces it for tests only. See docs/attestation.md."
  - "Event log: with O(event_log) (the host's CCEL log, RV(confidential.tdx.guest_quote#module:event_log)), the
    log is read, its events named, and replayed into RTMR0-3; a log that is malformed, whose text does not match
    its digests, or that does not reproduce the quote's RTMR0-2 (the boot) is refused (problems starting
    C(event log:)). RTMR3 may be extended after boot by software keeping its own log: when the quote's RTMR3 is not
    the replay's, RV(event_log.rtmr3) says so, the log's RTMR3 events are not shown as measured, and only a policy
    that pins C(rtmr3) holds it. The replayed events are then checked against the policy's C(events), the digests
    allowed per boot component."
  - A quote is RV(verified) only when no check failed. Refused quotes do not fail the task; read RV(verified) and
    RV(problems). The task fails only for bad arguments.
  - "RV(verdict) says what a quote proved, beyond no check failing: C(attested) (Intel's root, this run's nonce,
    MRTD and RTMR0-2 pinned), C(platform only) (a genuine fresh TDX platform, software not pinned), C(test root)
    (no check failed, but the root is not Intel's) or C(refused). See the section Verdicts of docs/attestation.md."
  - The batch form O(quotes) verifies the quotes of many hosts in one run, reading each collateral file once.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  quote:
    description:
      - One quote, as base64 text (RV(confidential.tdx.guest_quote#module:quote)).
      - Mutually exclusive with O(quotes).
    type: str
  quotes:
    description:
      - A batch of quotes, one entry per host, as a list of entries or a dictionary of name to entry.
      - "Each entry has C(name) (given by the dictionary key in the dictionary form), C(quote) (base64),
        and optionally C(nonce) or C(report_data), C(user_data), C(verify_at), C(collateral),
        C(skip_freshness_check), C(policy), C(event_log) and C(event_log_table), with the meaning of the options of
        the same names for that entry."
      - An entry's C(policy) replaces O(policy) for that entry (it is not merged with it), as when archived evidence
        of hosts with different policies is re-verified.
      - An entry without a quote is refused with that reason (the host gave none), the batch goes on.
    type: raw
  collateral:
    description:
      - Path to a collateral file in dcap-qvl's C(QuoteCollateralV3) JSON form (TCB info, QE identity, CRLs and
        their issuer chains), used for every quote.
      - Mutually exclusive with O(collateral_dir).
    type: path
  collateral_dir:
    description:
      - The collateral cache of M(confidential.tdx.tdx_collateral); each quote is checked with the file of its
        FMSPC and PCK CA.
    type: path
  verify_at:
    description:
      - The time to verify at, in ISO 8601 with a time zone (C(2026-02-19T00:00:00Z)); every date check of every
        step uses it. Defaults to now.
      - Set it to the time archived evidence was taken, to re-verify it as of then.
    type: str
  report_data:
    description:
      - The 64 bytes (128 hex digits) the quote's report data must be.
      - Mutually exclusive with O(nonce).
    type: str
  nonce:
    description:
      - The 32-byte nonce (64 hex digits) the controller chose for this host and run; the quote's report data
        must be SHA-512 over the nonce followed by O(user_data).
    type: str
  skip_freshness_check:
    description:
      - Verify a quote given without O(nonce) or O(report_data) without proving its freshness, instead of refusing
        it as a possible replay. RV(freshness_checked) is then false.
      - With O(quotes), the default of the entries that do not set C(skip_freshness_check) themselves.
    type: bool
    default: false
  user_data:
    description:
      - Hex bytes hashed after O(nonce) into the report data (for example a key the guest binds to the quote).
    type: str
  event_log:
    description:
      - The host's TDX event log, the CCEL log area as base64, whole or without the fill after its records
        (RV(confidential.tdx.guest_quote#module:event_log)).
        It must replay to the quote's RTMR0-2 (RTMR3 see RV(event_log.rtmr3)); RV(event_log) then lists its
        events.
      - Without it, a policy with C(events) refuses the quote.
      - Mutually exclusive with O(quotes), whose entries have a key of this name.
    type: str
  event_log_table:
    description:
      - The host's CCEL ACPI table as base64 (RV(confidential.tdx.guest_quote#module:event_log_table)); when given,
        it must be a TDX CCEL table whose log area holds O(event_log).
    type: str
  policy:
    description:
      - What a verified quote must show. Keys not given keep their default.
      - "C(mrtd): one MRTD or a list of allowed ones (48 bytes hex each). C(rtmr0) to C(rtmr3), C(mrconfigid),
        C(mrowner), C(mrownerconfig): the exact value (48 bytes hex). C(xfam): the exact XFAM (8 bytes hex, as
        the quote stores it); XFAM must always be a value TDX allows."
      - "C(allowed_attributes): TD attribute bits that may be set besides none; default C(SEPT_VE_DISABLE), C(PKS),
        C(PERFMON) (as go-tdx-guest). DEBUG is always refused."
      - "C(mrseam): the measurement of the TDX module, one or a list of allowed ones (48 bytes hex each)."
      - "C(min_tee_tcb_svn): minimum TEE_TCB_SVN, compared byte by byte (16 bytes hex)."
      - "C(tee_tcb_svn2): minimum TEE_TCB_SVN2 (16 bytes hex), compared byte by byte as C(min_tee_tcb_svn); only a
        quote v5 with a TDX 1.5 body carries it, so a v4 quote is refused when it is set."
      - "C(tcb_statuses): the TCB statuses allowed; default C(UpToDate) only. C(Revoked) can never be allowed.
        C(refused_advisories): Intel advisory ids (C(INTEL-SA-NNNNN)) that refuse a quote whatever its status.
        C(tcb_grace_period): seconds an allowed out-of-date TCB level stays acceptable after Intel's TCB date
        (default 0). C(min_tcb_eval_data_number): the minimum TCB evaluation data number of the collateral."
      - "C(allow_dynamic_platform), C(allow_cached_keys), C(allow_smt): whether a platform whose PCK certificate
        has these flags passes; all default to true because cloud TDs (Google Cloud C3) have them set, see
        docs/attestation.md."
      - "C(events): the digests allowed per boot component of the event log, a dictionary of component to one
        SHA-384 digest (96 hex digits) or a list of them. The components are C(secure_boot), C(secure_boot_pk),
        C(secure_boot_kek), C(secure_boot_db), C(secure_boot_dbx), C(shim), C(bootloader), C(grub),
        C(grub_config), C(kernel), C(initrd), C(kernel_cmdline) (RV(event_log.events) shows each event's). Every
        event of a component named must have an allowed digest, and the log must have one; a quote without
        O(event_log) is refused. The role confidential.tdx.verify learns them from one reference host."
    type: dict
  testing_root_ca:
    description:
      - FOR TESTING ONLY. Path to a root certificate (PEM or DER) to verify against instead of Intel's SGX Root CA,
        such as the root of a test PKI. A quote verified this way proves nothing about Intel hardware, and
        RV(root_is_intel) is then false.
    type: path
  testing_endorsement_root:
    description:
      - FOR TESTING ONLY. Path to a root certificate (PEM or DER) that Google launch endorsements must chain to
        instead of Google's C(GCE-cc-tcb-root), such as the root of the test endorsement PKI. RV(endorsement)
        then says C(root_is_google=false).
    type: path
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.controller
attributes:
  check_mode:
    support: full
    details: The module only reads; it verifies in check mode too.
  diff_mode:
    support: none
notes:
  - Fetch and cache the collateral with M(confidential.tdx.tdx_collateral) first; O(collateral_dir) then works
    offline.
  - A verified quote proves that a genuine TD with these measurements answered this nonce on a platform with this
    TCB status; it does not prove that the TD is the host at the other end of the SSH connection. See
    docs/attestation.md.
seealso:
  - module: confidential.tdx.guest_quote
  - module: confidential.tdx.tdx_collateral
  - plugin: confidential.tdx.tdx_quote
    plugin_type: filter
  - name: dcap-qvl
    description: The quote verification library this module uses.
    link: https://github.com/Phala-Network/dcap-qvl
"""

EXAMPLES = r"""
- name: Ask the guest for a quote over this run's nonce
  confidential.tdx.guest_quote:
    report_data: "{{ attestation_report_data }}"
  become: true
  register: td_quote

- name: Verify it on the controller with the cached collateral
  confidential.tdx.quote_verify:
    quote: "{{ td_quote.quote }}"
    nonce: "{{ attestation_nonce }}"
    collateral_dir: "{{ playbook_dir }}/collateral"
    policy:
      mrtd: "{{ golden_mrtd }}"
  register: verdict

- name: Refuse a host whose quote did not verify
  ansible.builtin.assert:
    that: verdict.verified
    fail_msg: "{{ inventory_hostname }}: {{ verdict.problems | join('; ') }}"

- name: Verify a whole batch in one run on the controller
  confidential.tdx.quote_verify:
    quotes:
      web-1: {quote: "{{ hostvars['web-1'].td_quote.quote }}", nonce: "{{ hostvars['web-1'].attestation_nonce }}"}
      web-2: {quote: "{{ hostvars['web-2'].td_quote.quote }}", nonce: "{{ hostvars['web-2'].attestation_nonce }}"}
    collateral_dir: collateral
  run_once: true
  register: verdicts

- name: Re-verify archived evidence as of when it was taken, with the collateral it was checked with
  confidential.tdx.quote_verify:
    quote: "{{ lookup('ansible.builtin.file', 'reports/web-1.quote.b64') }}"
    report_data: "{{ archived.report_data }}"
    collateral: reports/collateral/90C06F000000-platform.json
    verify_at: "{{ archived.verified_at }}"

- name: Check a quote's signature and TCB only, knowingly without freshness (for example one found in a log)
  confidential.tdx.quote_verify:
    quote: "{{ found_quote }}"
    skip_freshness_check: true
    collateral_dir: collateral
"""

RETURN = r"""
verified:
  description:
    - With O(quote), whether the quote passed every check. With O(quotes), whether every entry did.
  returned: always
  type: bool
  sample: true
problems:
  description:
    - One line per failed check, naming the check (C(parse), C(quote signature), C(attestation key binding),
      C(qe report signature), C(certificate chain), C(pck revoked), C(collateral), C(collateral expired),
      C(collateral fmspc), C(pce id), C(tcb level), C(tcb status), C(tcb evaluation number), C(qe tcb),
      C(tdx module tcb), C(advisory), C(platform flags), C(td attributes), C(xfam), C(mrtd), C(mrseam),
      C(rtmr0)..., C(tee_tcb_svn2), C(freshness) ...) and the value seen. Empty when the quote is verified.
    - "With O(collateral_dir), collateral whose TCB evaluation data number is lower than one
      M(confidential.tdx.tdx_collateral) saw before for its FMSPC is refused as a rollback (C(collateral: ...))."
  returned: with O(quote)
  type: list
  elements: str
  sample: ["freshness: report data does not match the nonce of this run (a replayed or stale quote, or a quote
    from another host): expected 5d41..., quote has 7c21..."]
tcb_status:
  description: The platform's TCB status from Intel's collateral (C(UpToDate), C(OutOfDate), ...); null when the
    cryptographic checks failed before it was known.
  returned: with O(quote)
  type: str
  sample: UpToDate
advisory_ids:
  description: Intel security advisories that apply to the platform's TCB level.
  returned: with O(quote)
  type: list
  elements: str
  sample: []
fmspc:
  description: The platform family (FMSPC) from the quote's PCK certificate.
  returned: with O(quote)
  type: str
  sample: 90C06F000000
ca:
  description: The PCK CA that issued the quote's PCK certificate, C(platform) or C(processor).
  returned: with O(quote)
  type: str
  sample: platform
root:
  description: SHA-256 of the DER of the root the chain was checked against.
  returned: always
  type: str
  sample: 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3
root_is_intel:
  description: Whether that root is Intel's SGX Root CA (false with O(testing_root_ca) pointing elsewhere).
  returned: always
  type: bool
  sample: true
verify_at:
  description: The time verified at, ISO 8601 in UTC.
  returned: with O(quote)
  type: str
  sample: "2026-02-19T00:00:00Z"
report_data_checked:
  description: Whether the report data was checked (O(nonce) or O(report_data) given); without, freshness is
    not proven.
  returned: with O(quote)
  type: bool
freshness_checked:
  description: Whether freshness was proven (O(nonce) or O(report_data) given). False only with
    O(skip_freshness_check=true); without it a quote given neither is refused.
  returned: with O(quote)
  type: bool
quote:
  description:
    - The decoded quote, with the keys of the P(confidential.tdx.tdx_quote#filter) filter (and of
      RV(confidential.tdx.guest_quote#module:decoded)); null when the input is not a TDX quote.
  returned: with O(quote)
  type: dict
quote_sha256:
  description: SHA-256 of the quote's bytes (without padding), to name the evidence.
  returned: with O(quote)
  type: str
collateral:
  description: The collateral used, C(path) and the TCB info and QE identity dates (C(tcb_info_issue_date),
    C(tcb_info_next_update), C(qe_identity_issue_date), C(qe_identity_next_update)) and the TCB info's C(fmspc).
  returned: with O(quote)
  type: dict
platform:
  description:
    - What dcap-qvl read of the platform, when its checks got that far. C(fmspc), C(pce_id), C(sgx_type),
      C(dynamic_platform), C(cached_keys), C(smt_enabled) (from the PCK certificate), C(tcb_date) and
      C(tcb_level_status) (the matched TCB level), C(qe_tcb_status).
  returned: with O(quote)
  type: dict
tcb_eval_data_number:
  description: The TCB evaluation data number of the collateral.
  returned: with O(quote)
  type: int
verdict:
  description:
    - What the quote proved, in one of four words. C(attested) - no problems, Intel's root, report data checked
      against this run's nonce, MRTD endorsed by Google or pinned in O(policy) and RTMR0-2 pinned (replayed from an
      event log whose events the policy names, or C(rtmr0), C(rtmr1) and C(rtmr2) in O(policy)).
      C(platform only) - no problems, Intel's root, but freshness not checked or the software not pinned.
      C(test root) - no problems, but the root is not Intel's (O(testing_root_ca)); proves nothing about Intel
      hardware. C(refused) - a check failed.
    - RV(verified) is unchanged (no check failed); a C(test root) or C(platform only) quote is RV(verified).
  returned: with O(quote)
  type: str
  sample: attested
verdict_reasons:
  description: Why the verdict is not C(attested), one line each (the RV(problems) when C(refused)); empty when
    C(attested).
  returned: with O(quote)
  type: list
  elements: str
  sample: ["MRTD neither endorsed by Google nor pinned"]
proven:
  description:
    - What the quote proved. C(intel_root) (bool), C(fresh) (bool, report data checked against this run's nonce),
      C(mrtd) (C(endorsed), C(pinned) or null), C(rtmrs) (C(event log), C(pinned) or null), C(software_pinned)
      (bool, MRTD and RTMR0-2 both). All false or null when C(refused).
  returned: with O(quote)
  type: dict
  sample: {intel_root: true, fresh: true, mrtd: pinned, rtmrs: pinned, software_pinned: true}
verdict_counts:
  description: With O(quotes), how many entries got each RV(verdict) (every verdict listed, 0 included).
  returned: with O(quotes)
  type: dict
  sample: {attested: 2, platform only: 0, test root: 0, refused: 1}
verdicts:
  description:
    - With O(quotes), the verdict of each entry by name, each with the keys returned with O(quote), and
      C(policy) (as RV(policy)) for an entry that has a policy of its own.
    - Not called C(results), which Ansible reserves for loops.
  returned: with O(quotes)
  type: dict
refused:
  description: With O(quotes), the names of the entries that were not verified, in input order.
  returned: with O(quotes)
  type: list
  elements: str
event_log:
  description:
    - The event log step, null without O(event_log) (or when the quote could not be parsed).
  returned: with O(quote)
  type: dict
  contains:
    replayed:
      description: Whether the log was read and reproduced the quote's RTMR0-2.
      type: bool
    rtmr3:
      description:
        - C(reproduced) when the replay gives the quote's RTMR3 too; else C(extended after boot:) with both values
          (software extended RTMR3 after the firmware's log ended; the log's RTMR3 events then have no C(text)
          and no C(component)). Absent when the log was refused.
      type: str
    rtmrs:
      description: RTMR0-3 as the replay gives them (hex); null when the log was refused.
      type: list
      elements: str
    events:
      description:
        - Each record of the log, C(index) (0 is the Spec ID header), C(rtmr) (0-3, null when not extended),
          C(type) (C(EV_IPL), ...), C(name) (a label read from the log), C(component) (the boot component a
          policy's C(events) pins, else null), C(digest) (SHA-384, hex).
        - C(text) is what the event measured, only where its digest was checked to cover it (else null).
      type: list
      elements: dict
      sample:
        - {index: 25, rtmr: 2, type: EV_IPL, name: kernel command line (grub), component: kernel_cmdline,
           digest: 5b1e..., text: /boot/vmlinuz root=/dev/sda1 ro console=ttyS0}
endorsement:
  description:
    - Google's launch endorsement of the quote's firmware, as read from the cache of O(collateral_dir). Absent when
      the quote could not be parsed.
    - "C(status): C(verified), C(invalid) (the quote is refused), C(missing) (no endorsement for this MRTD: not
      refused, pin the MRTD in the policy) or C(unverifiable) (its C(ca_bundle) holds no certificate hashing to
      Google's pinned root, so its signer cannot be judged; not refused). C(verified), C(problems) (lines starting
      C(endorsement:)), C(path), C(root_sha256), C(root_is_google) (only then is the MRTD endorsed by Google in
      RV(verdict))."
    - "C(firmware): what the endorsement says of the build: C(timestamp), C(cl_spec) (changelist), C(commit),
      C(digest) (SHA-384 of the firmware binary), C(tdx_svn), C(tdx_configurations) (how many MRTDs it lists),
      C(matching_configurations) (C(ram_gib) and C(early_accept) of those equal to the quote's MRTD)."
  returned: with O(quote)
  type: dict
  sample: {status: verified, verified: true, problems: [], root_is_google: true,
           firmware: {tdx_svn: 1, cl_spec: 654321, matching_configurations: [{ram_gib: 4, early_accept: false}]}}
policy:
  description: The policy applied, every key with its value (the defaults filled in).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import verify_task
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.task_failure import TaskFailure, fresh_spec


def main():
    # The work is verify_task.run, shared with the action plugin (plugins/action/quote_verify.py) that runs it
    # in the controller's worker; this main() serves a run of the module file itself.
    module = AnsibleModule(argument_spec=fresh_spec(verify_task.ARGUMENT_SPEC),
                           mutually_exclusive=verify_task.MUTUALLY_EXCLUSIVE,
                           required_one_of=verify_task.REQUIRED_ONE_OF, supports_check_mode=True)
    try:
        result = verify_task.run(module.params)
    except TaskFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
