# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action that runs a controller-side attestation task in the worker (tdx_collateral, quote_verify).

A subclass names the task's module_utils module (``TASK``: its
ARGUMENT_SPEC and, when it has them, MUTUALLY_EXCLUSIVE and
REQUIRED_ONE_OF) and says how to run it (``work``). The arguments are
checked as AnsibleModule would check them, and a TaskFailure becomes a
failed result with its one-line message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.task_failure import TaskFailure, fresh_spec


class AttestationAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    TASK = None  # the task's module_utils module

    def work(self, args):
        """The task's result for the checked ``args``; raises TaskFailure."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super(AttestationAction, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=fresh_spec(self.TASK.ARGUMENT_SPEC),
                                                  mutually_exclusive=getattr(self.TASK, "MUTUALLY_EXCLUSIVE", []),
                                                  required_one_of=getattr(self.TASK, "REQUIRED_ONE_OF", []))
        try:
            result.update(self.work(args))
        except TaskFailure as exc:
            result.update(exc.result, failed=True, msg=exc.msg)
        return result
