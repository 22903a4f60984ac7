# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance_group_members' options."""

ARGUMENT_SPEC = dict(
    group=dict(type="str", required=True),
    zone=dict(type="str"),
    region=dict(type="str"),
    members=dict(type="list", elements="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)

MUTUALLY_EXCLUSIVE = [("zone", "region")]
REQUIRED_ONE_OF = [("zone", "region")]
