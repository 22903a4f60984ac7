# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.ssh_host_keys: the hosts' SSH host keys as the controller sees them.

The documentation is in plugins/modules/ssh_host_keys.py. The scan runs
here, in the controller's worker process: one ssh per address, port and
key type, stopped after the key exchange, all at once from one sh script
(module_utils/ssh_keyscan.py says why not ssh-keyscan), so a whole play
costs one scan. With ``wait: false`` the scan is only started, writing
into a private directory, and a later task collects it (``collect``), so
the scan runs while other tasks do.
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
    key_lines,
    keys_by_host,
    script,
    waves,
)

ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="str"),
    timeout=dict(type="int", default=5),
    wait=dict(type="bool", default=True),
    collect=dict(type="dict"),
)
# Beyond the scan's own time limit: time to start and write its output.
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


def ssh_has_known_hosts_command():
    """Whether the controller's ssh knows KnownHostsCommand (OpenSSH 8.5 or later); ``ssh -G`` connects nowhere."""
    try:
        return subprocess.run(["ssh", "-G", "-F", "/dev/null", "-o", "KnownHostsCommand=none", "probe.invalid"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False).returncode == 0
    except OSError:
        return False


def start(argvs, timeout):
    """Start the scans (``argvs``) in a new private directory, each writing N.err, then the marker ``done``; the
    directory."""
    directory = tempfile.mkdtemp(prefix="ssh-host-keys.")
    path = os.path.join(directory, "scan.sh")
    with open(path, "w") as handle:
        handle.write(script(argvs, timeout))
    try:
        subprocess.Popen(["sh", path, directory], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)
    except OSError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise AnsibleActionFail("sh cannot run on the controller to scan the host keys (%s)" % exc)
    return directory


def collect(directory, labels, timeout, clock=time.monotonic, sleep=time.sleep):
    """({scan: key lines}, [labels whose keys were not read]) of the scans in ``directory`` (``labels``: each
    scan's address and port, in order), waiting for them at most ``timeout`` seconds a wave and a margin; the
    directory is removed. When the scan did not finish, the labels that got no key are named."""
    deadline = clock() + timeout * waves(len(labels)) + COLLECT_MARGIN
    done = os.path.join(directory, "done")
    finished = os.path.exists(done)
    while not finished and clock() < deadline:
        sleep(POLL)
        finished = os.path.exists(done)
    outputs = {}
    for index, label in enumerate(labels):
        try:
            with open(os.path.join(directory, "%d.err" % index), "rb") as handle:
                outputs[index] = "\n".join(key_lines(label, to_text(handle.read(), errors="surrogate_or_replace")))
        except (IOError, OSError):
            outputs[index] = ""
    shutil.rmtree(directory, ignore_errors=True)
    read = set(label for index, label in enumerate(labels) if outputs[index])
    unread = [] if finished else sorted(set(labels) - read)
    return outputs, unread


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
        scans = commands(targets, args["timeout"], known_hosts_command=ssh_has_known_hosts_command())
        directory = start([argv for dummy_label, argv in scans], args["timeout"])
        started = dict(directory=directory, timeout=args["timeout"], scans=[label for label, dummy_argv in scans],
                       targets=[[target.name, target.address, target.port] for target in targets])
        result.update(changed=False, commands=[argv for dummy_label, argv in scans])
        if not args["wait"]:
            result["started"] = started
            return result
        return self._collect(result, started)

    def _collect(self, result, started):
        try:
            targets = [Target(name, address, int(port)) for name, address, port in started["targets"]]
            directory, timeout = started["directory"], int(started["timeout"])
            labels = [to_text(label) for label in started["scans"]]
        except (KeyError, TypeError, ValueError):
            raise AnsibleActionFail("collect: give the 'started' of an earlier ssh_host_keys task run with wait=false")
        # Only a directory start() made is read and removed: named so, directly in the temporary directory.
        if not (os.path.basename(directory).startswith("ssh-host-keys.") and os.path.dirname(
                os.path.realpath(directory)) == os.path.realpath(tempfile.gettempdir())):
            raise AnsibleActionFail("collect: %s is not a scan directory of ssh_host_keys" % directory)
        outputs, unread = collect(directory, labels, timeout)
        result.update(changed=False, keys=keys_by_host(targets, outputs))
        if unread:
            result["warnings"] = ["the host key scan did not finish within %d s; %s got no keys"
                                  % (timeout * waves(len(labels)) + COLLECT_MARGIN, ", ".join(unread))]
        return result
