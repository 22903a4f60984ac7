# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.ssh_host_keys: the hosts' SSH host keys as the controller sees them.

The documentation is in plugins/modules/ssh_host_keys.py. The scan runs
here, in the controller's worker process: one ssh-keyscan per port, all at
once, so a whole play costs one scan instead of a process per host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.confidential.tdx.plugins.module_utils.ssh_keyscan import (
    DEFAULT_PORT,
    Target,
    commands,
    keys_by_host,
)

ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="str", required=True),
    timeout=dict(type="int", default=5),
)


def target_of(name, variables):
    """The Target of an inventory host: ansible_host (else its name) and ansible_port (else 22)."""
    port = variables.get("ansible_port") or DEFAULT_PORT
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise AnsibleActionFail("hosts: %s has ansible_port %r, not a port number; fix it in the inventory"
                                % (name, port))
    return Target(name, to_text(variables.get("ansible_host") or name), port)


def scan(argvs):
    """{port: stdout} of the ssh-keyscan runs, started together and waited for together."""
    running = []
    for port, argv in argvs:
        try:
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise AnsibleActionFail("ssh-keyscan cannot run on the controller (%s); install openssh-client" % exc)
        running.append((port, process))
    # A host that does not answer only has no lines (ssh-keyscan's -T bounds the wait); that is a finding of
    # the report, not an error of the task.
    return dict((port, to_text(process.communicate()[0], errors="surrogate_or_replace")) for port, process in running)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args["timeout"] < 1:
            raise AnsibleActionFail("timeout: %d; give the seconds to wait for each host, at least 1"
                                    % args["timeout"])
        hostvars = (task_vars or {}).get("hostvars", {})
        targets = [target_of(name, hostvars.get(name, {})) for name in args["hosts"]]
        argvs = commands(targets, args["timeout"])
        result.update(changed=False, keys=keys_by_host(targets, scan(argvs)),
                      commands=[argv for dummy_port, argv in argvs])
        return result
