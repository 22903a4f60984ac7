# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action of confidential.tdx.harden_plan: the harden role's decisions, on the controller, without a module run.

The documentation is in plugins/modules/harden_plan.py. This file only
gathers the role's variables and harden_state's result and hands them to
the pure planning functions in module_utils/harden/, which hold every
decision and are unit-tested without Ansible or a host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.confidential.tdx.plugins.module_utils.harden import controls as controls_plan
from ansible_collections.confidential.tdx.plugins.module_utils.harden import inputs, lockout, report, sshd, work
from ansible_collections.confidential.tdx.plugins.module_utils.harden.values import truth

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 trusts every template
    def trust_as_template(value):
        return value

try:
    from ansible.plugins.test.core import changed as is_changed
except ImportError:  # pragma: no cover - every supported ansible-core has it
    is_changed = None

STEPS = ("inputs", "controls", "work", "sshd", "report")
ARGUMENT_SPEC = dict(
    step=dict(type="str", required=True, choices=list(STEPS)),
    state=dict(type="dict"),
    units=dict(type="dict"),
    plan=dict(type="dict"),
    work=dict(type="dict"),
    sshd=dict(type="dict"),
)
# The arguments each step needs besides step.
NEEDS = {"inputs": (), "controls": ("state",), "work": ("state", "plan"), "sshd": ("state",),
         "report": ("state", "plan")}

CONTROL_VARIABLES = ("_harden_controls", "harden_disruptive", "harden_host_kind", "_harden_container_types",
                     "_harden_os_packages")
LOCKOUT_VARIABLES = ("harden_ssh_lockout_check", "harden_ssh_keep_access_accounts", "_harden_ssh_wanted",
                     "harden_ssh_permit_root_login", "harden_ssh_password_authentication")
SSHD_VARIABLES = ("_harden_ssh_wanted", "_harden_ssh_critical_keywords")
REPORT_VARIABLES = ("_harden_controls", "_harden_os", "harden_disruptive")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        step = args["step"]
        missing = [name for name in NEEDS[step] if args[name] is None]
        if missing:
            raise AnsibleActionFail("%s: step %s needs it (the harden role passes it)" % (", ".join(missing), step))
        self._task_vars = task_vars or {}
        result.update(getattr(self, "_" + step)(args))
        result["changed"] = False
        return result

    # --- role variables ----------------------------------------------------

    def _value(self, name):
        if name not in self._task_vars:
            raise AnsibleActionFail("%s is not defined: confidential.tdx.harden_plan runs inside the "
                                    "confidential.tdx.harden role, which defines it" % name)
        return self._templar.template(self._task_vars[name])

    def _values(self, names):
        return dict((name, self._value(name)) for name in names)

    def _facts(self):
        return self._task_vars.get("ansible_facts") or {}

    def _check_mode(self, state):
        return controls_plan.check_mode(self._task_vars.get("ansible_check_mode", False), state)

    # --- steps ---------------------------------------------------------------

    def _inputs(self, args):
        return {"errors": inputs.input_errors(self._values(inputs.INPUT_VARIABLES))}

    def _controls(self, args):
        state = args["state"]
        values = self._values(CONTROL_VARIABLES)
        facts = self._facts()
        checking = self._check_mode(state)
        container = controls_plan.in_container(values["harden_host_kind"], state.get("container"),
                                               facts.get("virtualization_role", ""),
                                               facts.get("virtualization_type", ""),
                                               values["_harden_container_types"])
        switches = self._values(sorted(set(control["switch"] for control in values["_harden_controls"])))
        plan = controls_plan.plan_controls(values["_harden_controls"], switches, values["harden_disruptive"],
                                           container, checking, state, values["_harden_os_packages"])
        findings = []
        if plan["sshd"]["run"]:
            roles = self._values(LOCKOUT_VARIABLES)
            findings = lockout.lockout_findings(
                self._task_vars.get("ansible_connection", "ssh"), roles["harden_ssh_lockout_check"],
                state.get("login_user"), roles["harden_ssh_keep_access_accounts"], roles["_harden_ssh_wanted"],
                roles["harden_ssh_permit_root_login"], roles["harden_ssh_password_authentication"],
                state.get("ssh") or {})
        return {"check_mode": checking, "container": container, "controls": plan,
                "packages": controls_plan.packages_to_install(plan), "lockouts": findings}

    def _work(self, args):
        state, plan = args["state"], args["plan"]["controls"]
        values = self._values(work.WORK_VARIABLES)
        units = args["units"] if args["units"] is not None else state.get("units") or {}
        planned = work.plan_work(values, plan, state, units, self._check_mode(state), self._facts().get("cmdline"))
        planned["stale"] = work.stale_files(values["_harden_managed_files"], plan, state,
                                            self._renderer(dict(self._task_vars, _harden_work=planned)))
        planned["groups"] = work.groups_with_work(values["_harden_controls"], plan, planned, values)
        return planned

    def _sshd(self, args):
        values = self._values(SSHD_VARIABLES)
        effective = (args["state"].get("ssh") or {}).get("effective") or {}
        return sshd.sshd_mismatches(values["_harden_ssh_wanted"], effective, values["_harden_ssh_critical_keywords"])

    def _report(self, args):
        values = self._values(REPORT_VARIABLES)
        plan = args["plan"]
        results = {}
        for control in values["_harden_controls"]:
            for name in control["results"]:
                if name in self._task_vars:
                    results[name] = self._changed(self._task_vars[name])
        header = {"host": self._task_vars.get("inventory_hostname"), "role": "confidential.tdx.harden",
                  "os": values["_harden_os"], "container": plan["container"], "check_mode": plan["check_mode"],
                  "disruptive": truth(values["harden_disruptive"]), "login_user": args["state"].get("login_user")}
        sshd_other = (args["sshd"] or {}).get("other") or []
        packages_changed = self._changed(self._task_vars.get("_harden_packages") or {})
        return {"report": report.build_report(header, values["_harden_controls"], plan["controls"], args["work"],
                                              sshd_other, results, packages_changed, plan["check_mode"],
                                              self._task_vars.get("ansible_run_tags") or ["all"],
                                              self._task_vars.get("ansible_skip_tags") or [])}

    # --- helpers -------------------------------------------------------------

    @staticmethod
    def _changed(result):
        """Whether a registered result changed, as the role's ``is changed`` test tells it."""
        if is_changed is not None:
            return bool(is_changed(result))
        return bool(result.get("changed"))

    def _template_text(self, source):
        if hasattr(self._loader, "get_text_file_contents"):
            return self._loader.get_text_file_contents(source)
        with open(source, "rb") as handle:  # ansible-core before 2.19
            return to_text(handle.read(), errors="surrogate_or_strict")

    def _renderer(self, variables):
        """render(src): a template of the role as ansible.builtin.template writes it on the host."""
        search = list(variables.get("ansible_search_path") or self._task.get_search_path())
        searchpath = []
        for path in search:
            searchpath.extend([os.path.join(path, "templates"), path])

        def render(src):
            source = self._find_needle("templates", src)
            data = trust_as_template(self._template_text(source))
            templar = self._templar.copy_with_new_env(searchpath=[os.path.dirname(source)] + searchpath,
                                                      available_variables=variables)
            text = templar.template(data, escape_backslashes=False, overrides=dict(trim_blocks=True))
            return text or ""
        return render
