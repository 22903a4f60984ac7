# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance_group's options."""

UPDATE_TYPES = ["PROACTIVE", "OPPORTUNISTIC"]
MINIMAL_ACTIONS = ["REPLACE", "RESTART", "REFRESH", "NONE"]

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    zone=dict(type="str"),
    region=dict(type="str"),
    zones=dict(type="list", elements="str"),
    template=dict(type="str"),
    size=dict(type="int"),
    base_instance_name=dict(type="str"),
    update_type=dict(type="str", default="PROACTIVE", choices=UPDATE_TYPES),
    max_surge=dict(type="int"),
    max_unavailable=dict(type="int"),
    minimal_action=dict(type="str", default="REPLACE", choices=MINIMAL_ACTIONS),
    health_check=dict(type="str"),
    initial_delay_sec=dict(type="int", default=300),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)

MUTUALLY_EXCLUSIVE = [("zone", "region"), ("zone", "zones")]
REQUIRED_ONE_OF = [("zone", "region")]
