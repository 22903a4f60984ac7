# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.quote_verify: verify quotes on the controller, without a module run.

The documentation is in plugins/modules/quote_verify.py, the work in
module_utils/attestation/verify_task.py. Running it here, in the
controller's worker process, saves what a module run costs on the
controller: transferring the module, starting a Python and importing
dcap-qvl for one run_once task that verifies a whole batch.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import verify_task
from ansible_collections.confidential.tdx.plugins.plugin_utils.attestation_action import AttestationAction


class ActionModule(AttestationAction):
    _VALID_ARGS = frozenset(verify_task.ARGUMENT_SPEC)
    TASK = verify_task

    def work(self, args):
        return verify_task.run(args)
