# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.fleet_report: write the fleet report (JSON, text, HTML) on the controller.

The documentation is in plugins/modules/fleet_report.py; what the report
says is decided in plugins/plugin_utils/fleet_report/.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.confidential.tdx.plugins.action.json_reports import (
    diff_of, file_mode, plan_files, report_text, write_changes)
from ansible_collections.confidential.tdx.plugins.plugin_utils.fleet_report import model, page, text

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    report=dict(type="dict"),
    verify_results=dict(type="dict", default={}),
    sources=dict(type="list", elements="path"),
    run=dict(type="dict", default={}),
    mode=dict(type="raw", default="0640"),
    directory_mode=dict(type="raw", default="0750"),
)
REPORT_FILE = "fleet-report.json"


def read_slice(where):
    """A slice's fleet report, from its report directory or the JSON file itself."""
    path = os.path.join(where, REPORT_FILE) if os.path.isdir(where) else where
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError) as exc:
        raise AnsibleActionFail("sources: cannot read %s: %s; give the report directory of every slice"
                                % (path, exc.strerror or exc))
    except ValueError as exc:
        raise AnsibleActionFail("sources: %s is not JSON (%s); give the fleet-report.json a site run wrote"
                                % (path, exc))


def files_of(report):
    """{file name: text} of the report's three forms."""
    return {
        "fleet-report.json": report_text(report),
        "fleet-report.txt": text.render(report),
        "fleet-report.html": page.render(report),
    }


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("report", "sources")],
            required_one_of=[("report", "sources")])
        directory = args["path"]
        mode = file_mode("mode", args["mode"])
        directory_mode = file_mode("directory_mode", args["directory_mode"])
        run = dict((to_text(key), to_text(value)) for key, value in args["run"].items() if value is not None)
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise AnsibleActionFail("path: %s exists and is not a directory; give a directory for the report"
                                    % directory)
        try:
            if args["sources"] is not None:
                report = model.merge([(where, read_slice(where)) for where in args["sources"]], run=run)
            else:
                if not isinstance(args["report"].get("rows"), list):
                    raise model.ReportError("report: has no list of rows; give the report "
                                            "playbooks/templates/fleet_report.json.j2 builds")
                report = model.build(args["report"], args["verify_results"], run=run)
        except model.ReportError as exc:
            raise AnsibleActionFail(to_text(exc))

        forms = files_of(report)
        changes = plan_files(dict((os.path.join(directory, name), content) for name, content in forms.items()), mode)
        result.update(
            changed=bool(changes),
            report=report,
            lines=text.lines(report),
            written=[path for path, dummy_content, dummy_before in changes],
            files=dict((name.split(".")[-1], os.path.join(directory, name)) for name in forms),
        )
        if self._task.diff:
            result["diff"] = diff_of(changes)
        if not self._task.check_mode and changes:
            write_changes(directory, changes, mode, directory_mode)
        return result
