# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: provision_entry
short_description: One instance entry of the provision role, merged over its defaults and checked
version_added: 0.2.0
description:
  - The C(confidential.tdx.provision) role's own check of an instance entry, before any call. The entry is merged
    over the defaults (labels and metadata key by key; an entry that sets C(zone) or C(zones) drops both of the
    defaults'); an entry placed by neither takes the zone where the C(confidential.tdx.gce) inventory found the
    instance.
  - The options an entry may set are those of M(confidential.tdx.gce_instance) for one instance, read from the
    module's own argument spec, less C(state), which the role sets from C(provision_state).
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  _input:
    description: The instance entry (C(provision_instance) of a host, or one of C(provision_instances)).
    type: dict
    required: true
  defaults:
    description: C(provision_instance_defaults).
    type: dict
    required: true
  found_zone:
    description: The zone where the gce inventory found the instance, if it did.
    type: str
"""

EXAMPLES = r"""
- name: Merge and check a host's entry
  ansible.builtin.set_fact:
    checked: "{{ provision_instance | confidential.tdx.provision_entry(provision_instance_defaults, 'us-central1-a') }}"
"""

RETURN = r"""
_value:
  description: C(merged), the entry over the defaults, and C(problems), one line per problem (empty when fine).
  type: dict
"""


def provision_entry(entry, defaults, found_zone=None):
    # Imported when called: docs/architecture.md ("filter") says why.
    from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.role_entry import checked_entry
    return checked_entry(entry, defaults, found_zone)


class FilterModule(object):
    def filters(self):
        return {"provision_entry": provision_entry}
