# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance_group_info: the options, their checks and the reads."""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_group.plan import view
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.group_calls import GroupCalls
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import group_problems

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    zone=dict(type="str"),
    region=dict(type="str"),
)
MUTUALLY_EXCLUSIVE = [("zone", "region")]
REQUIRED_ONE_OF = [("zone", "region")]


def run(gce):
    found = group_problems(gce.params, "name")
    if found:
        gce.fail("; ".join(found))
    calls = GroupCalls(gce.api, gce.params["name"], gce.params)
    try:
        if gce.params["name"]:
            found = [group for group in [calls.get()] if group]
        else:
            found = calls.list_groups()
        groups = [view(group, GroupCalls(gce.api, group["name"], gce.params).members()) for group in found]
    except GceError as error:
        gce.fail_from(error, "read groups")
    gce.exit(changed=False, groups=groups)
