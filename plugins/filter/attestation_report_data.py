# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: attestation_report_data
short_description: The report data a TDX quote must carry for a nonce (SHA-512 over nonce and user data)
version_added: 0.2.0
description:
  - Computes, on the controller, the 64 bytes of report data to ask M(confidential.tdx.guest_quote) for, that is
    SHA-512 over the 32-byte nonce followed by the optional user data, as 128 hex digits.
  - M(confidential.tdx.quote_verify) recomputes the same value from its O(confidential.tdx.quote_verify#module:nonce)
    and O(confidential.tdx.quote_verify#module:user_data) options and refuses a quote that carries anything else.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The nonce, 32 bytes as 64 hex digits, chosen by the controller for this host and run.
    type: str
    required: true
  user_data:
    description: Hex bytes hashed after the nonce (for example a public key the guest binds to the quote).
    type: str
seealso:
  - module: confidential.tdx.guest_quote
  - module: confidential.tdx.quote_verify
"""

EXAMPLES = r"""
- name: A fresh nonce for this host and run
  ansible.builtin.set_fact:
    attestation_nonce: "{{ lookup('ansible.builtin.password', '/dev/null', chars=['0123456789abcdef'], length=64) }}"

- name: Ask for a quote over it
  confidential.tdx.guest_quote:
    report_data: "{{ attestation_nonce | confidential.tdx.attestation_report_data }}"
  become: true
"""

RETURN = r"""
_value:
  description: The report data, 64 bytes as 128 lowercase hex digits (the sample is for a nonce of 32 zero bytes).
  type: str
  sample: 5046adc1dba838867b2bbbfdd0c3423e58b57970b5267a90f57960924a87f1960a6a85eaa642dac835424b5d7c8d637c00408c7a73da672b7f498521420b6dd3
"""

from ansible.errors import AnsibleFilterError


def attestation_report_data(nonce, user_data=None):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import report_data_for
    try:
        return report_data_for(nonce, user_data)
    except ValueError as exc:
        raise AnsibleFilterError("attestation_report_data: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"attestation_report_data": attestation_report_data}
