# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What gce_instance does once its options are parsed: validate, run one instance or a fleet, answer.

The package _gce_instance is gce_instance's own logic (private: only the
module and the provision role's entry check use it; its __init__.py stays
empty, as ansible-test's empty-init rule asks):

- options: the argument spec, and the fleet entry options derived from it
- validation: every problem with the options, before any API call
- shape: the insert body, the planned view (check mode) and the diff view
- comparison: what differs between an instance and the task, power transitions
- image_identity: whether the boot disk's image is the one the task asks for
- instance_task / fleet_task: read, compare, act, for one instance or many
- role_entry: the provision role's check of one instance entry
- run: the module's main() after AnsibleModule has parsed the options
"""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.fleet_task import FleetTask
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.instance_task import (
    InstanceTask,
    InstanceTaskFailed,
)
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.validation import fleet_problems, validate


def run_fleet(gce):
    problems = fleet_problems(gce.params)
    if problems:
        gce.fail("; ".join(problems))
    try:
        result, failure = FleetTask(gce).run()
    except Exception as error:  # pylint: disable=broad-except
        gce.fail_from(error, "find the instances of the task")
    if failure:
        gce.fail(failure, **result)
    gce.exit(**result)


def run_single(gce):
    problems = validate(gce.params)
    if problems:
        gce.fail("; ".join(problems))
    task = InstanceTask(gce)
    try:
        result = task.run()
    except InstanceTaskFailed as failure:
        # RV(actions): the calls made, the failed one marked; changed: whether any of them acted.
        gce.fail(failure.message, changed=task.wrote, actions=task.actions, skipped_zones=task.skipped_zones,
                 **failure.result)
    except Exception as error:  # pylint: disable=broad-except
        gce.fail_from(error, "%s instance %s" % (gce.params["state"], gce.params["name"]),
                      changed=task.wrote, actions=task.actions, skipped_zones=task.skipped_zones)
    gce.exit(**result)


def run(gce):
    """Run the task of the GceModule ``gce`` to its end (exit_json or fail_json)."""
    if gce.params["instances"] is None:
        run_single(gce)
    else:
        run_fleet(gce)
