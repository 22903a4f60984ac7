# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.json_reports: write JSON reports on the controller, without a module run.

The documentation is in plugins/modules/json_reports.py. Writing here,
in the controller's worker process, is what makes one task for a whole
play cost about nothing: no module is transferred or started anywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    reports=dict(type="dict", required=True),
    mode=dict(type="raw", default="0640"),
    directory_mode=dict(type="raw", default="0750"),
)


def report_text(document):
    """The report as the file holds it: what Ansible's to_nice_json(indent=2) makes, plus a newline."""
    return json.dumps(document, indent=2, sort_keys=True, separators=(",", ": ")) + "\n"


def file_mode(option, value):
    """An octal mode from text ('0640') or from the number YAML makes of an unquoted 0640."""
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    else:
        try:
            mode = int(str(value), 8)
        except ValueError:
            mode = -1
    if not 0 <= mode <= 0o7777:
        raise AnsibleActionFail("%s: %r is not an octal file mode; give one such as '0640'" % (option, value))
    return mode


def unusable_names(names):
    return [name for name in names if not name or "/" in name or "\0" in name or name in (".", "..")]


def current_text(path):
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except (IOError, OSError, UnicodeError):
        return None


def write_atomically(directory, path, text, mode):
    """Write to a temporary file beside ``path``, then rename it: a reader never sees half a report."""
    handle, temporary = tempfile.mkstemp(prefix=".json_reports.", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(to_bytes(text))
        os.chmod(temporary, mode)
        os.rename(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def plan_files(texts, mode):
    """[(path, text, text before or None)] of the files ({path: text}) that must be (re)written."""
    changes = []
    for path in sorted(texts):
        text = texts[path]
        before = current_text(path)
        mode_differs = before is not None and (os.stat(path).st_mode & 0o7777) != mode
        if before != text or mode_differs:
            changes.append((path, text, before))
    return changes


def plan(directory, reports, mode):
    """[(path, text, text before or None)] of the reports whose file must be (re)written."""
    return plan_files(dict((os.path.join(directory, name + ".json"), report_text(reports[name]))
                           for name in reports), mode)


def diff_of(changes):
    return [dict(before_header=path, after_header=path, before=before or "", after=text)
            for path, text, before in changes]


def write_changes(directory, changes, mode, directory_mode):
    """Make ``directory`` if needed and write each change; a one-line error naming ``path`` if that fails."""
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory)
            os.chmod(directory, directory_mode)
        for path, text, dummy in changes:
            write_atomically(directory, path, text, mode)
    except (IOError, OSError) as exc:
        raise AnsibleActionFail("path: cannot write the reports in %s: %s" % (directory, exc.strerror or exc))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        directory = args["path"]
        reports = dict((to_text(name), document) for name, document in args["reports"].items())
        mode = file_mode("mode", args["mode"])
        directory_mode = file_mode("directory_mode", args["directory_mode"])
        wrong = unusable_names(reports)
        if wrong:
            raise AnsibleActionFail("reports: %s cannot be a file name; give each report a plain name without /"
                                    % ", ".join(repr(name) for name in sorted(wrong)))
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise AnsibleActionFail("path: %s exists and is not a directory; give a directory for the reports"
                                    % directory)
        changes = plan(directory, reports, mode)
        result.update(
            changed=bool(changes),
            written=sorted(path for path, dummy_text, dummy_before in changes),
            files=sorted(os.path.join(directory, name + ".json") for name in reports),
        )
        if self._task.diff:
            result["diff"] = diff_of(changes)
        if not self._task.check_mode and changes:
            write_changes(directory, changes, mode, directory_mode)
        return result
