# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.ssh_host_keys: the hosts' SSH host keys as the controller sees them.

The documentation is in plugins/modules/ssh_host_keys.py. The scan runs
here, in the controller's worker process: one ssh-keyscan per port, all at
once, so a whole play costs one scan instead of a process per host. With
``wait: false`` the scans are only started, writing into a private
directory, and a later task collects them (``collect``), so the scan runs
while other tasks do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import tempfile
import time

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
    hosts=dict(type="list", elements="str"),
    timeout=dict(type="int", default=5),
    wait=dict(type="bool", default=True),
    collect=dict(type="dict"),
)
# Each scan runs under sh so that it leaves a marker when it ends: the task that collects it is another process,
# which cannot wait for it.
SCAN = 'ssh-keyscan "$@" >"$0.out" 2>/dev/null; : >"$0.done"'
# Beyond ssh-keyscan's own -T: time to start and write its output.
COLLECT_MARGIN = 5
POLL = 0.02


def target_of(name, variables):
    """The Target of an inventory host: ansible_host (else its name) and ansible_port (else 22)."""
    port = variables.get("ansible_port") or DEFAULT_PORT
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise AnsibleActionFail("hosts: %s has ansible_port %r, not a port number; fix it in the inventory"
                                % (name, port))
    return Target(name, to_text(variables.get("ansible_host") or name), port)


def start(argvs):
    """Start the scans, each writing PORT.out and then PORT.done in a new private directory; the directory."""
    directory = tempfile.mkdtemp(prefix="ssh-host-keys.")
    for port, argv in argvs:
        try:
            subprocess.Popen(["sh", "-c", SCAN, os.path.join(directory, str(port))] + argv[1:],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             close_fds=True, start_new_session=True)
        except OSError as exc:
            shutil.rmtree(directory, ignore_errors=True)
            raise AnsibleActionFail("ssh-keyscan cannot run on the controller (%s); install openssh-client" % exc)
    return directory


def collect(directory, ports, timeout, clock=time.monotonic, sleep=time.sleep):
    """({port: output}, [ports that did not finish]) of the scans in ``directory``; the directory is removed."""
    deadline = clock() + timeout + COLLECT_MARGIN
    pending = set(ports)
    while pending and clock() < deadline:
        pending = set(port for port in pending if not os.path.exists(os.path.join(directory, "%d.done" % port)))
        if pending:
            sleep(POLL)
    outputs = {}
    for port in ports:
        try:
            with open(os.path.join(directory, "%d.out" % port), "rb") as handle:
                outputs[port] = to_text(handle.read(), errors="surrogate_or_replace")
        except (IOError, OSError):
            outputs[port] = ""
    shutil.rmtree(directory, ignore_errors=True)
    return outputs, sorted(pending)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC,
                                                  mutually_exclusive=[("hosts", "collect")],
                                                  required_one_of=[("hosts", "collect")])
        if args["collect"] is not None:
            return self._collect(result, args["collect"])
        if args["timeout"] < 1:
            raise AnsibleActionFail("timeout: %d; give the seconds to wait for each host, at least 1"
                                    % args["timeout"])
        hostvars = (task_vars or {}).get("hostvars", {})
        targets = [target_of(name, hostvars.get(name, {})) for name in args["hosts"]]
        argvs = commands(targets, args["timeout"])
        directory = start(argvs)
        started = dict(directory=directory, timeout=args["timeout"], ports=[port for port, dummy_argv in argvs],
                       targets=[[target.name, target.address, target.port] for target in targets])
        result.update(changed=False, commands=[argv for dummy_port, argv in argvs])
        if not args["wait"]:
            result["started"] = started
            return result
        return self._collect(result, started)

    def _collect(self, result, started):
        try:
            targets = [Target(name, address, int(port)) for name, address, port in started["targets"]]
            directory, timeout = started["directory"], int(started["timeout"])
            ports = [int(port) for port in started["ports"]]
        except (KeyError, TypeError, ValueError):
            raise AnsibleActionFail("collect: give the 'started' of an earlier ssh_host_keys task run with wait=false")
        # Only a directory start() made is read and removed: named so, directly in the temporary directory.
        if not (os.path.basename(directory).startswith("ssh-host-keys.") and os.path.dirname(
                os.path.realpath(directory)) == os.path.realpath(tempfile.gettempdir())):
            raise AnsibleActionFail("collect: %s is not a scan directory of ssh_host_keys" % directory)
        outputs, unfinished = collect(directory, ports, timeout)
        result.update(changed=False, keys=keys_by_host(targets, outputs))
        if unfinished:
            result["warnings"] = ["ssh-keyscan on port(s) %s did not finish within %d s; their hosts have no keys"
                                  % (", ".join(str(port) for port in unfinished), timeout + COLLECT_MARGIN)]
        return result
