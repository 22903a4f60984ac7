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
    O(report_data); any other value is refused as a replayed or stale quote, or a quote from another host."
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
        and optionally C(nonce) or C(report_data), C(user_data), C(verify_at) and C(collateral), with the
        meaning of the options of the same names for that entry."
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
  user_data:
    description:
      - Hex bytes hashed after O(nonce) into the report data (for example a key the guest binds to the quote).
    type: str
  policy:
    description:
      - What a verified quote must show. Keys not given keep their default.
      - "C(mrtd): one MRTD or a list of allowed ones (48 bytes hex each). C(rtmr0) to C(rtmr3), C(mrconfigid),
        C(mrowner), C(mrownerconfig): the exact value (48 bytes hex). C(xfam): the exact XFAM (8 bytes hex, as
        the quote stores it); XFAM must always be a value TDX allows."
      - "C(allowed_attributes): TD attribute bits that may be set besides none; default C(SEPT_VE_DISABLE), C(PKS),
        C(PERFMON) (as go-tdx-guest). DEBUG is always refused."
      - "C(min_tee_tcb_svn): minimum TEE_TCB_SVN, compared byte by byte (16 bytes hex)."
      - "C(tcb_statuses): the TCB statuses allowed; default C(UpToDate) only. C(Revoked) can never be allowed.
        C(refused_advisories): Intel advisory ids (C(INTEL-SA-NNNNN)) that refuse a quote whatever its status.
        C(tcb_grace_period): seconds an allowed out-of-date TCB level stays acceptable after Intel's TCB date
        (default 0). C(min_tcb_eval_data_number): the minimum TCB evaluation data number of the collateral."
      - "C(allow_dynamic_platform), C(allow_cached_keys), C(allow_smt): whether a platform whose PCK certificate
        has these flags passes; all default to true because cloud TDs (Google Cloud C3) have them set, see
        docs/attestation.md."
    type: dict
  testing_root_ca:
    description:
      - FOR TESTING ONLY. Path to a root certificate (PEM or DER) to verify against instead of Intel's SGX Root CA,
        such as the root of a test PKI. A quote verified this way proves nothing about Intel hardware, and
        RV(root_is_intel) is then false.
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
  delegate_to: localhost
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
  delegate_to: localhost
  run_once: true
  register: verdicts

- name: Re-verify archived evidence as of when it was taken, with the collateral it was checked with
  confidential.tdx.quote_verify:
    quote: "{{ lookup('ansible.builtin.file', 'reports/web-1.quote.b64') }}"
    report_data: "{{ archived.report_data }}"
    collateral: reports/collateral/90C06F000000-platform.json
    verify_at: "{{ archived.verified_at }}"
  delegate_to: localhost
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
      C(qe report signature), C(certificate chain), C(pck revoked), C(collateral expired), C(collateral fmspc),
      C(tcb level), C(tcb status), C(advisory), C(platform flags), C(td attributes), C(xfam), C(mrtd), C(rtmr0)...,
      C(freshness) ...) and the value seen. Empty when the quote is verified.
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
    - With O(quotes), the verdict of each entry by name, each with the keys returned with O(quote).
    - Not called C(results), which Ansible reserves for loops.
  returned: with O(quotes)
  type: dict
refused:
  description: With O(quotes), the names of the entries that were not verified, in input order.
  returned: with O(quotes)
  type: list
  elements: str
policy:
  description: The policy applied, every key with its value (the defaults filled in).
  returned: always
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import dcap, roots
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.entries import (
    EntryError,
    batch_entries,
    verify_at_of,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import expectation
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import PolicyError, policy_from
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import VERDICTS
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier import Verifier


def main():
    module = AnsibleModule(
        argument_spec=dict(
            quote=dict(type="str"),
            quotes=dict(type="raw"),
            collateral=dict(type="path"),
            collateral_dir=dict(type="path"),
            verify_at=dict(type="str"),
            report_data=dict(type="str"),
            nonce=dict(type="str"),
            user_data=dict(type="str"),
            policy=dict(type="dict"),
            testing_root_ca=dict(type="path"),
        ),
        mutually_exclusive=[("quote", "quotes"), ("collateral", "collateral_dir"), ("report_data", "nonce"),
                            ("quotes", "nonce"), ("quotes", "report_data"), ("quotes", "user_data")],
        required_one_of=[("quote", "quotes")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        policy = policy_from(params["policy"])
        default_at = verify_at_of(params["verify_at"], "verify_at")
        if params["quotes"] is not None:
            entries = batch_entries(params["quotes"], default_at)
        else:
            entries = None
            expected = expectation(params["report_data"], params["nonce"], params["user_data"])
    except (PolicyError, EntryError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    if not (params["collateral"] or params["collateral_dir"]) and (
            entries is None or any(entry.collateral is None for entry in entries)):
        module.fail_json(msg="collateral: give collateral (a QuoteCollateralV3 file) or collateral_dir (the cache of "
                             "confidential.tdx.tdx_collateral)")
    if params["collateral"] and not os.path.isfile(params["collateral"]):
        module.fail_json(msg="collateral: %s is not a file; give a QuoteCollateralV3 JSON file" % params["collateral"])
    # A cache not made yet is every quote's problem ("no collateral for FMSPC ..."), not a bad argument.
    if params["collateral_dir"] and os.path.exists(params["collateral_dir"]) and \
            not os.path.isdir(params["collateral_dir"]):
        module.fail_json(msg="collateral_dir: %s is not a directory; give the cache of confidential.tdx.tdx_collateral"
                         % params["collateral_dir"])
    try:
        root = roots.load_root(params["testing_root_ca"]) if params["testing_root_ca"] else roots.intel_root()
    except roots.RootError as exc:
        module.fail_json(msg="testing_root_ca: %s" % exc)
    try:
        verifier = Verifier(root, policy, collateral_path=params["collateral"],
                            collateral_dir=params["collateral_dir"])
    except dcap.MissingDcapQvl as exc:
        module.fail_json(msg=str(exc))
    common = dict(changed=False, root=root.sha256, root_is_intel=root.is_intel, policy=policy.describe())
    if entries is None:
        result = verifier.verify(params["quote"], expected, default_at)
        result.update(common)
        module.exit_json(**result)
    verdicts = {}
    for entry in entries:
        verdicts[entry.name] = verifier.verify(entry.quote, entry.expected, entry.verify_at, entry.collateral)
    refused = [entry.name for entry in entries if not verdicts[entry.name]["verified"]]
    counts = dict((verdict, sum(1 for one in verdicts.values() if one["verdict"] == verdict)) for verdict in VERDICTS)
    module.exit_json(verified=not refused, verdicts=verdicts, refused=refused, verdict_counts=counts, **common)


if __name__ == "__main__":
    main()
