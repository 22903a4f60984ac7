# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""gce_instance's own logic (a private package: no other module imports it).

- options: the argument spec, and the fleet entry options derived from it
- validation: every problem with the options, before any API call
- shape: the insert body, the planned view (check mode) and the diff view
- comparison: what differs between an instance and the task, power transitions
- instance_task / fleet_task: read, compare, act, for one instance or many
- run: the module's main() after AnsibleModule has parsed the options
"""
