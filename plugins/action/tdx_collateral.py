# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.tdx_collateral: keep the collateral cache on the controller, without a module run.

The documentation is in plugins/modules/tdx_collateral.py, the work in
module_utils/attestation/collateral_task.py. Running it here, in the
controller's worker process, saves what a module run costs on the
controller: transferring the module, starting a Python and importing
dcap-qvl for one run_once task. The cache is the controller's whichever
host the task runs for.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral_task
from ansible_collections.confidential.tdx.plugins.plugin_utils.attestation_action import AttestationAction


class ActionModule(AttestationAction):
    _VALID_ARGS = frozenset(collateral_task.ARGUMENT_SPEC)
    TASK = collateral_task

    def work(self, args):
        return collateral_task.run(args, self._task.check_mode, self._task.diff)
