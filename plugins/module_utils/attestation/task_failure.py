# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way the controller-side attestation tasks fail, whichever runs them.

tdx_collateral and quote_verify run as action plugins in the controller's
worker (plugins/action/) and, when the module file itself is run, through
AnsibleModule (plugins/modules/). Their logic raises TaskFailure; each caller
turns it into its own failed result: fail_json in a module, failed=True in an
action. The message is one line; ``result`` holds what the failed result
carries besides it (what was done before the failure).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy


class TaskFailure(Exception):
    def __init__(self, msg, **result):
        super(TaskFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


def fresh_spec(spec):
    """A copy of an argument specification, so that no caller's validation can change the shared one."""
    return copy.deepcopy(spec)
