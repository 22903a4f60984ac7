# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: verify_judgement
short_description: A host's verify_result from quote_verify's verdict, and whether it passes
version_added: 0.3.0
description:
  - The verdict of the P(confidential.tdx.verify#role) role on one host, on the controller. The verdict is
    M(confidential.tdx.quote_verify)'s (C(attested), C(platform only), C(test root), C(refused)); the host passes
    (C(verified)) when it is C(attested), or C(platform only) with O(accept_platform_only), or C(test root) with
    O(accept_test_root). What the host said about itself (guest_info) never makes it pass; its failures follow
    the attestation's when it does not, since they often say why.
  - The result keeps the evidence to re-verify the host later (the quote, the nonce, the collateral document).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description:
      - The registered result of the role's M(confidential.tdx.quote_verify) batch run (C({}) when it did not run).
    type: dict
    required: true
  host:
    description: The host's inventory name.
    type: str
    required: true
  attest:
    description: Whether the role attested (C(verify_attest)); without, no host passes.
    type: bool
  enforce:
    description: C(verify_enforce), kept in the result as C(enforced).
    type: bool
  accept_platform_only:
    description: Whether a C(platform only) host passes (C(verify_accept_platform_only)).
    type: bool
  accept_test_root:
    description: Whether a C(test root) host passes (C(verify_accept_test_root)); FOR TESTING ONLY.
    type: bool
  guest_info:
    description: The host's registered M(confidential.tdx.guest_info) result.
    type: dict
  guest_quote:
    description: The host's registered M(confidential.tdx.guest_quote) result.
    type: dict
  nonce:
    description: This run's nonce for the host.
    type: str
  user_data:
    description: The user data bound into the report data.
    type: str
  keyscan:
    description:
      - The registered M(confidential.tdx.ssh_host_keys) result of the batch (the host's lines are picked
        from its C(keys) by name).
      - Skipped or not given, the report says the keys were not read.
    type: dict
  quote:
    description: Whether to keep the quote guest_info read (C(verify_quote)).
    type: bool
"""

EXAMPLES = r"""
- name: Keep the host's verdict as verify_result
  ansible.builtin.set_fact:
    verify_result: "{{ verify_attestation | confidential.tdx.verify_judgement(host=inventory_hostname, attest=true) }}"
"""

RETURN = r"""
_value:
  description:
    - C(host), C(verified) (passes enforcement), C(attested) (verdict C(attested) only), C(verdict),
      C(verdict_reasons), C(proven), C(enforced), C(failures) (empty when verified), C(tcb_status),
      C(advisory_ids), C(attestation) (the evidence) and C(self_reported) (what guest_info said).
  type: dict
"""


def verify_judgement(attestation, host, **options):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation.judgement import verify_judgement as judge
    return judge(attestation, host, **options)


class FilterModule(object):
    def filters(self):
        return {"verify_judgement": verify_judgement}
