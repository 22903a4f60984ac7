# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: tdx_quote
short_description: Decode an Intel TDX quote given as base64 text
version_added: 0.1.0
description:
  - Decodes the header and TD body of an Intel TDX quote, version 4 or 5 with a TDX 1.0 or 1.5 body, on the
    controller.
  - Takes the quote as base64 text, as M(confidential.tdx.guest_quote) returns it in its RV(confidential.tdx.guest_quote#module:quote)
    value; line breaks and spaces in the text are ignored, and so are bytes after the end of the quote.
  - Uses the same decoder as the modules, so values compare one to one with M(confidential.tdx.guest_info) and
    M(confidential.tdx.guest_quote).
  - Decodes only; it does not check the quote's signature or certificate chain. Leave that to a verifier such as
    Intel Trust Authority or the DCAP quote verification library.
  - Fails with a one-line reason for input that is not base64, is truncated, has an unknown version, or is not a
    TDX quote.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The quote as base64 text.
    type: str
    required: true
seealso:
  - module: confidential.tdx.guest_quote
  - module: confidential.tdx.guest_info
"""

EXAMPLES = r"""
- name: Get a quote on the guest
  confidential.tdx.guest_quote:
  become: true
  register: td_quote

- name: Decode it on the controller and refuse a debug TD
  ansible.builtin.assert:
    that:
      - not (td_quote.quote | confidential.tdx.tdx_quote).debug
      - (td_quote.quote | confidential.tdx.tdx_quote).sept_ve_disable

- name: Compare the MRTD of a stored quote with the expected value
  ansible.builtin.assert:
    that: (lookup('ansible.builtin.file', 'evidence/td-1.quote.b64') | confidential.tdx.tdx_quote).mrtd == expected_mrtd
"""

RETURN = r"""
_value:
  description:
    - The decoded quote. Hex values are lowercase without prefix; C(td_attributes) is the little-endian u64 as a
      16-digit hex number, C(xfam) the raw 8 bytes as stored.
    - Keys C(version), C(att_key_type), C(tee_type), C(qe_vendor_id), C(user_data), C(tee_tcb_svn), C(mrseam),
      C(mrsignerseam), C(seam_attributes), C(td_attributes), C(attributes) (list of bit names), C(debug),
      C(sept_ve_disable), C(xfam), C(mrtd), C(mrconfigid), C(mrowner), C(mrownerconfig), C(rtmr) (list of four),
      C(report_data), C(tdx_module), C(signature_data_length), C(quote_size), C(trailing_bytes).
    - Version 5 quotes add C(body_type) and C(body_size); TDX 1.5 bodies add C(tee_tcb_svn2) and C(mrservicetd).
  type: dict
  sample:
    version: 4
    tee_type: "00000081"
    td_attributes: "0000000010000000"
    attributes: [SEPT_VE_DISABLE]
    debug: false
    mrtd: 6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb
"""

from ansible.errors import AnsibleFilterError


def tdx_quote(quote):
    """Decode a base64 TDX quote into a dict."""
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import decode_quote_base64
    from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError
    try:
        return decode_quote_base64(quote)
    except TdxDecodeError as exc:
        raise AnsibleFilterError("tdx_quote: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"tdx_quote": tdx_quote}
