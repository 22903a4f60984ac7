# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: verify_input_errors
short_description: The settings of the verify role that cannot work, one line each
version_added: 0.3.0
description:
  - Checks the forms of the P(confidential.tdx.verify#role) role's variables that its argument specification
    cannot (hex lengths, policy keys, files on the controller, options that need each other), on the controller,
    before any host is read, so a typo fails naming the variable instead of failing every host's check.
  - The policy keys are M(confidential.tdx.quote_verify)'s own, so a key it learns is accepted here at once.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description:
      - The role's variables by name (C(verify_expected_measurements), C(verify_report_data), C(verify_policy), ...),
        and C(play_hosts), the hosts of the play (C(ansible_play_hosts_all)), that C(verify_learn_from) must name one of.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse settings that cannot work
  ansible.builtin.assert:
    that: _errors | length == 0
    fail_msg: "{{ _errors | join('; ') }}"
  vars:
    _errors: "{{ {'verify_report_data': verify_report_data, 'verify_policy': verify_policy}
                 | confidential.tdx.verify_input_errors }}"
"""

RETURN = r"""
_value:
  description: One line per setting that cannot work, naming the variable and the fix; empty when all can.
  type: list
  elements: str
"""

import os
import re


MEASUREMENT = re.compile(r"^[0-9a-fA-F]{96}$")
REPORT_DATA = re.compile(r"^(0[xX])?([0-9a-fA-F]{2}){0,64}$")
HEX_BYTES = re.compile(r"^([0-9a-fA-F]{2})*$")
URL = re.compile(r"^https?://[^\s/]+")


def _text(value):
    return "" if value is None else u"%s" % value


def _true(value):
    # The role's booleans may come as strings from -e; Ansible's bool filter reads them so.
    return value is True or _text(value).lower() in ("true", "yes", "on", "1")


def verify_input_errors(settings):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import POLICY_KEYS
    get = settings.get
    errors = []
    measurements = get("verify_expected_measurements") or {}
    bad = [name for name, value in measurements.items() if value is not None and not MEASUREMENT.match(_text(value))]
    if bad:
        errors.append("verify_expected_measurements: %s must be 96 hex digits (48 bytes, as guest_info reports them)"
                      % ", ".join(bad))
    report_data = get("verify_report_data", "")
    if not isinstance(report_data, str) or not REPORT_DATA.match(report_data):
        errors.append("verify_report_data: must be hex of at most 64 bytes (up to 128 hex digits, an even number)")
    if not _text(get("verify_report_dir", "x")):
        errors.append("verify_report_dir: empty; give the directory for the reports on the controller")
    unknown = sorted(set(get("verify_policy") or {}) - set(POLICY_KEYS))
    if unknown:
        errors.append("verify_policy: %s is not a policy key; the keys are %s" % (", ".join(unknown),
                                                                                  ", ".join(POLICY_KEYS)))
    user_data = get("verify_user_data", "")
    if not isinstance(user_data, str) or not HEX_BYTES.match(user_data):
        errors.append("verify_user_data: must be hex bytes (an even number of hex digits)")
    if _true(get("verify_attest", True)) and not _text(get("verify_collateral_dir", "x")):
        errors.append("verify_collateral_dir: empty; give the collateral cache directory on the controller")
    pccs_url = _text(get("verify_pccs_url"))
    if pccs_url and not URL.match(pccs_url):
        errors.append("verify_pccs_url: must be an http:// or https:// URL (empty: Intel PCS)")
    endorsement_url = _text(get("verify_endorsement_url"))
    if endorsement_url and not URL.match(endorsement_url):
        errors.append("verify_endorsement_url: must be an http:// or https:// URL (empty: Google's bucket)")
    max_age = get("verify_collateral_max_age", 0)
    if isinstance(max_age, bool) or not re.match(r"^[0-9]+$", _text(max_age).strip()):
        errors.append("verify_collateral_max_age: must be a whole number of seconds, 0 or more (0: fetch every run)")
    root = _text(get("verify_testing_root_ca"))
    if root and not os.path.isfile(root):
        errors.append("verify_testing_root_ca: %s is not a file on the controller; give the test root (PEM or DER)"
                      % root)
    learn = _true(get("verify_learn", False))
    policy_file = _text(get("verify_policy_file"))
    if learn and not policy_file:
        errors.append("verify_learn: needs verify_policy_file, the file to write the learned measurements to")
    learn_from = _text(get("verify_learn_from"))
    play_hosts = list(get("play_hosts") or [])
    if learn_from and learn_from not in play_hosts:
        errors.append("verify_learn_from: %s is not a host of this play; give one of %s"
                      % (learn_from, ", ".join(play_hosts)))
    if learn_from and not learn:
        errors.append("verify_learn_from: needs verify_learn=true (it names the host to learn the policy from)")
    if learn and not _true(get("verify_attest", True)):
        errors.append("verify_learn: needs verify_attest=true (measurements are learned from verified quotes)")
    if policy_file and not learn and not os.path.isfile(policy_file):
        errors.append("verify_policy_file: %s does not exist; learn it first with verify_learn=true" % policy_file)
    return errors


class FilterModule(object):
    def filters(self):
        return {"verify_input_errors": verify_input_errors}
