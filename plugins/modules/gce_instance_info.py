#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gce_instance_info
short_description: Inspect Compute Engine instances and tell whether each is a sound TDX trust domain
version_added: 0.1.0
description:
  - Lists Compute Engine instances by name, zone, labels or raw API filters,
    and returns each in the shape M(confidential.tdx.gce_instance) returns,
    plus RV(instances[].tdx) and the reasons in RV(instances[].tdx_problems)
    when it is not a sound TDX trust domain.
  - Without O(zones), every zone is searched with one C(aggregatedList) call
    (per page of results); with O(zones), one C(list) call per zone.
  - Read-only.
author:
  - confidential.tdx maintainers (@confidential-tdx)
extends_documentation_fragment:
  - confidential.tdx.gce
  - confidential.tdx.attributes
  - confidential.tdx.attributes.cloud
attributes:
  check_mode:
    support: full
    details: The module only reads, in check mode as otherwise.
  diff_mode:
    support: N/A
    details: The module changes nothing.
options:
  names:
    description:
      - Only instances with one of these names.
    type: list
    elements: str
  zones:
    description:
      - Only instances in these zones. When not set, all zones are searched.
    type: list
    elements: str
  labels:
    description:
      - Only instances that carry all of these labels with these values.
    type: dict
  filters:
    description:
      - Compute Engine API filter expressions, for example
        V(status = "RUNNING") or V(machineType:c3-standard); an instance must
        match all of them.
    type: list
    elements: str
seealso:
  - module: confidential.tdx.gce_instance
"""

EXAMPLES = r"""
- name: Is every instance of the prod fleet a TDX trust domain?
  confidential.tdx.gce_instance_info:
    project: my-project
    labels:
      env: prod
  register: fleet

- name: Fail on any instance that is not
  ansible.builtin.assert:
    that: fleet.instances | rejectattr('tdx') | list | length == 0
    fail_msg: "{{ fleet.instances | rejectattr('tdx') | map(attribute='name') | list }} are not TDX"

- name: Two instances in one zone
  confidential.tdx.gce_instance_info:
    project: my-project
    zones: [us-central1-a]
    names: [tdx-demo-1, tdx-demo-2]

- name: Running C3 instances, with a raw filter
  confidential.tdx.gce_instance_info:
    project: my-project
    filters:
      - status = "RUNNING"
      - machineType:c3-standard
"""

RETURN = r"""
instances:
  description:
    - The matching instances, sorted by zone and name. Each has the keys of
      RV(confidential.tdx.gce_instance#module:instance), plus RV(instances[].tdx)
      and RV(instances[].tdx_problems).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the instance.
      type: str
      sample: tdx-demo-1
    zone:
      description: Zone of the instance.
      type: str
      sample: us-central1-a
    status:
      description: Status of the instance.
      type: str
      sample: RUNNING
    machine_type:
      description: Machine type name.
      type: str
      sample: c3-standard-4
    confidential_instance_type:
      description: Confidential computing technology (V(TDX), V(SEV), ...), or V(null).
      type: str
      sample: TDX
    on_host_maintenance:
      description: Host maintenance policy.
      type: str
      sample: TERMINATE
    provisioning_model:
      description: V(STANDARD), or V(SPOT) for a Spot VM.
      type: str
      sample: STANDARD
    instance_termination_action:
      description: What Compute Engine does when it takes a Spot VM back (V(STOP) or V(DELETE)), or V(null).
      type: str
      sample: STOP
    internal_ip:
      description: Internal IPv4 address of the first network interface.
      type: str
    external_ip:
      description: External IPv4 address, or V(null).
      type: str
    labels:
      description: Labels.
      type: dict
    guest_os_features:
      description: Guest OS features of the boot disk.
      type: list
      elements: str
    id:
      description: Unique ID assigned by Compute Engine.
      type: str
    self_link:
      description: URL of the instance.
      type: str
    creation_timestamp:
      description: When the instance was created.
      type: str
    tdx:
      description: Whether the instance is a sound TDX trust domain (no RV(instances[].tdx_problems)).
      type: bool
      sample: true
    tdx_problems:
      description: Why the instance is not a sound TDX trust domain; empty when it is.
      type: list
      elements: str
      sample: ["confidential instance type is none, not TDX", "on host maintenance is MIGRATE, not TERMINATE"]
"""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import renamed_option
from ansible_collections.confidential.tdx.plugins.module_utils.gce.filters import combined_filter, quoted, uses_regex_form
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import check_labels, label_text
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize_with_tdx
from ansible_collections.confidential.tdx.plugins.module_utils.gce.module import GceModule
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    ZONE_PATTERN,
    short_name,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.tdx_rules import check_name

ARGUMENT_SPEC = dict(
    names=dict(type="list", elements="str"),
    zones=dict(type="list", elements="str"),
    labels=dict(type="dict"),
    filters=dict(type="list", elements="str"),
)


def validate(params):
    problems = [check_name(name, "names") for name in params["names"] or ()]
    for zone in params["zones"] or ():
        if not ZONE_PATTERN.fullmatch(zone):
            problems.append("zones: %r is not a zone name; use a name such as us-central1-a" % zone)
    # A label Compute Engine would refuse can never match: it is a typo, not an empty answer.
    problems.extend(check_labels(dict((str(key), label_text(value))
                                      for key, value in (params["labels"] or {}).items())))
    if any(not expression.strip() for expression in params["filters"] or ()):
        problems.append("filters: an empty expression; give expressions such as status = \"RUNNING\" or leave it out")
    return [problem for problem in problems if problem]


def filter_expression(params):
    """One API filter: the filters, a condition per label and the names ORed, ANDed together."""
    parts = list(params["filters"] or ())
    # Names and labels are written in the = form; next to a user's eq/ne
    # filter they stay out of the API filter and matches() applies them.
    if uses_regex_form(parts):
        return combined_filter(parts)
    for key, value in sorted((params["labels"] or {}).items()):
        parts.append("labels.%s = %s" % (key, quoted(label_text(value))))
    names = params["names"] or ()
    if names:
        parts.append(" OR ".join("(name = %s)" % quoted(name) for name in names))
    return combined_filter(parts)


def matches(instance, params):
    """The name and label conditions, checked again on what the API returned."""
    if params["names"] and instance.get("name") not in params["names"]:
        return False
    labels = instance.get("labels") or {}
    return all(labels.get(key) == label_text(value) for key, value in (params["labels"] or {}).items())


def main():
    gce = GceModule(ARGUMENT_SPEC, supports_check_mode=True)
    problems = validate(gce.params)
    if problems:
        gce.fail("; ".join(problems))
    expression = filter_expression(gce.params)
    try:
        calls = gce.instances
        if gce.params["zones"]:
            found = []
            for zone in gce.params["zones"]:
                found.extend(calls.in_zone(zone, expression))
        else:
            found = calls.aggregated(expression)
    except Exception as error:  # pylint: disable=broad-except
        gce.fail_from(renamed_option(error, {"zone": "zones"}), "list instances")  # its option is zones
    found = [instance for instance in found if matches(instance, gce.params)]
    found.sort(key=lambda instance: (short_name(instance.get("zone")), instance.get("name")))
    gce.exit(changed=False, instances=[summarize_with_tdx(instance) for instance in found])


if __name__ == "__main__":
    main()
