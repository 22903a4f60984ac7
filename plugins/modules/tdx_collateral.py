#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tdx_collateral
short_description: Fetch and cache Intel's TDX collateral for the platforms of given quotes
version_added: 0.2.0
description:
  - Keeps a cache directory on the controller with the collateral M(confidential.tdx.quote_verify) checks quotes
    with, one file per platform family (FMSPC) and PCK CA, in dcap-qvl's C(QuoteCollateralV3) JSON form
    (C(<FMSPC>-<ca>.json)), holding TCB info, QE identity, PCK CRL, root CA CRL and their issuer chains.
  - The entries needed are those of the FMSPCs of O(quotes), or O(fmspcs) with O(ca). A fleet of one platform type
    needs one entry, so it costs one fetch however many quotes it gives.
  - An entry is fresh until the earliest next update of its items (TCB info, QE identity, both CRLs), less
    O(min_validity), and for O(max_age) after it was fetched. Fresh entries are reused without a call; missing and
    stale ones are fetched from Intel's Provisioning Certification Service, or from a PCCS at O(pccs_url), and
    written atomically.
  - "The highest TCB evaluation data number seen for each FMSPC is kept in the cache
    (C(tcb-evaluation-numbers.json)). Collateral with a lower number is a rollback: a cached entry with one is
    stale, and a fetched one fails the task and is not written."
  - With O(offline=true) no call is made at all; the result says which entries are missing or stale.
  - With O(endorsements=true) (the default) the cache also keeps, for the MRTD of each of O(quotes), Google's signed
    launch endorsement of that firmware (C(endorsements/tdx/<MRTD>.binarypb)), which
    M(confidential.tdx.quote_verify) checks offline. An MRTD Google publishes no endorsement for (a firmware that is
    not Google's) is reported in RV(endorsements), not an error of the task. A cached endorsement costs no call.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  quotes:
    description:
      - Quotes, as base64 text (RV(confidential.tdx.guest_quote#module:quote)); the cache gets the entries of their
        FMSPCs and PCK CAs, read from the PCK certificate each quote carries.
    type: list
    elements: str
  fmspcs:
    description:
      - FMSPCs (12 hex digits) to keep entries for, instead of or besides O(quotes), with the PCK CA O(ca).
    type: list
    elements: str
  ca:
    description: The PCK CA of the O(fmspcs) entries.
    type: str
    choices: [platform, processor]
    default: platform
  cache_dir:
    description: The cache directory; created when missing.
    type: path
    required: true
  pccs_url:
    description:
      - Base URL of a PCCS (Intel's Provisioning Certificate Caching Service, or a compatible server) serving the
        PCS v4 paths, including C(/sgx/certification/v4/rootcacrl).
      - When not set, Intel's PCS at C(https://api.trustedservices.intel.com) is used, and the root CA CRL comes from
        C(https://certificates.trustedservices.intel.com/IntelSGXRootCA.der).
    type: str
  offline:
    description: Make no call; report the entries that are missing or stale.
    type: bool
    default: false
  min_validity:
    description: Seconds an entry must stay valid from now to count as fresh; a shorter-lived entry is refetched.
    type: int
    default: 3600
  max_age:
    description:
      - Seconds after its fetch an entry is fetched again, however far its next update is, so that Intel's
        re-evaluations (a higher TCB evaluation data number) reach the cache within a day by default.
    type: int
    default: 86400
  timeout:
    description: Seconds each HTTP call may take.
    type: float
    default: 30
  retries:
    description: Further attempts of a call after a connection error, HTTP 429 or 5xx, with a growing pause.
    type: int
    default: 2
  endorsements:
    description:
      - Also cache Google's launch endorsement of the firmware each quote's MRTD measures (Google Cloud TDs).
      - Set it to false for quotes that do not come from Google Cloud, to make no call to Google's bucket.
    type: bool
    default: true
  endorsement_url:
    description:
      - Base URL serving Google's bucket paths C(/gce_tcb_integrity/ovmf_x64_csm/tdx/<MRTD hex>.binarypb), such as a
        mirror or a test stand-in.
      - When not set, Google's Cloud Storage at C(https://storage.googleapis.com) is used.
    type: str
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.controller
attributes:
  check_mode:
    support: full
    details: Makes no call and writes nothing; RV(would_fetch) lists the entries a run would fetch.
  diff_mode:
    support: full
    details: Shows each written entry's next update before and after.
seealso:
  - module: confidential.tdx.quote_verify
  - name: Intel PCS API
    description: Intel's Provisioning Certification Service, version 4.
    link: https://api.portal.trustedservices.intel.com/content/documentation.html
"""

EXAMPLES = r"""
- name: Cache the collateral for the platforms of the fleet's quotes
  confidential.tdx.tdx_collateral:
    quotes: "{{ ansible_play_hosts | map('extract', hostvars, ['td_quote', 'quote']) | list }}"
    cache_dir: "{{ playbook_dir }}/collateral"
  run_once: true

- name: Through the organisation's PCCS
  confidential.tdx.tdx_collateral:
    fmspcs: [90C06F000000]
    cache_dir: /var/cache/tdx-collateral
    pccs_url: https://pccs.example.internal:8081

- name: On an air-gapped controller, only say what is missing or stale
  confidential.tdx.tdx_collateral:
    fmspcs: [90C06F000000]
    cache_dir: collateral
    offline: true
  register: cache_state
"""

RETURN = r"""
entries:
  description: One entry per FMSPC and PCK CA needed, in the order first needed.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: C(<FMSPC>-<ca>), the file's name without C(.json).
      type: str
      sample: 90C06F000000-platform
    path:
      description: The cache file.
      type: str
    fmspc:
      description: The FMSPC.
      type: str
    ca:
      description: The PCK CA, C(platform) or C(processor).
      type: str
    status:
      description:
        - C(fetched) (written by this run), C(cached) (fresh, reused), C(missing) or C(stale) (not fetched, with
          O(offline) or in check mode).
      type: str
      sample: cached
    tcb_evaluation_data_number:
      description: The TCB info's evaluation data number; null when missing or unreadable.
      type: int
      sample: 17
    next_update:
      description:
        - When the entry goes stale (the earliest next update of its items), ISO 8601 in UTC; null when missing.
      type: str
      sample: "2026-03-20T10:41:15Z"
    reason:
      description: Why the entry has its status.
      type: str
fetched:
  description: How many entries this run fetched.
  returned: always
  type: int
  sample: 1
calls:
  description: How many HTTP calls this run made (0 with O(offline), in check mode, and when every entry is fresh).
  returned: always
  type: int
missing:
  description: Ids of the entries that are missing and were not fetched.
  returned: always
  type: list
  elements: str
stale:
  description: Ids of the entries that are stale and were not fetched.
  returned: always
  type: list
  elements: str
would_fetch:
  description: Ids of the entries a run would fetch (in check mode and with O(offline)).
  returned: always
  type: list
  elements: str
endorsements:
  description: One entry per MRTD of O(quotes) (none with O(endorsements=false)), in the order first seen.
  returned: always
  type: list
  elements: dict
  contains:
    mrtd:
      description: The MRTD, 96 lower-case hex digits.
      type: str
    path:
      description: The cache file of its endorsement.
      type: str
    status:
      description:
        - C(fetched) (written by this run), C(cached) (reused; an endorsement does not expire), C(not_published)
          (Google has none for this MRTD) or C(missing) (not cached and not fetched, with O(offline) or in check
          mode).
      type: str
      sample: cached
    reason:
      description: Why the entry has its status.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral_task
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.task_failure import TaskFailure, fresh_spec


def main():
    # The work is collateral_task.run, shared with the action plugin (plugins/action/tdx_collateral.py) that
    # runs it in the controller's worker; this main() serves a run of the module file itself.
    module = AnsibleModule(argument_spec=fresh_spec(collateral_task.ARGUMENT_SPEC),
                           required_one_of=collateral_task.REQUIRED_ONE_OF, supports_check_mode=True)
    try:
        result = collateral_task.run(module.params, module.check_mode, module._diff)  # pylint: disable=protected-access
    except TaskFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
