"""Every invalid value of bad_inputs.yml is refused in one line naming the argument, and changes nothing.

In-process through tests/unit/module_harness.py for every case (the cloud
modules still talk to the emulator through the real client, so a case that
slips past validation shows up as a call in its log); the cases marked
``playbook`` again through ansible-playbook, to prove the controller path.
"""

import importlib
import json
import os
import urllib.request

import pytest

from tests.inprocess.gce.harness import GCP_ENVIRONMENT, is_write
from tests.playbooks.playbook import localhost_play, run_playbook
from tests.reliability.bad_input_cases import (
    GCE_MODULES,
    SERVICE_ACCOUNT_OPTIONS,
    Materials,
    cases,
    judge_refusal,
    make_tree,
    tree_snapshot,
    write_key_files,
)
from tests.unit.module_harness import run_module

MODULE_CASES = cases("modules")
PLAYBOOK_MODULES = sorted(set(case.owner for case in MODULE_CASES if case.playbook))
# The cloud modules' deadline for these cases: a value that slips past
# validation (an endpoint where nothing listens) fails by then instead of
# retrying for the default ten minutes.
GCE_WAIT_TIMEOUT = 5
# The modules that take wait_timeout (gce_instance_info has none).
TIMED_MODULES = ("gce_instance", "gce_instance_template", "gce_instance_group")
# gce_instance_group's cases name these templates: one that makes TDX VMs (the valid one) and one that does not.
GROUP_TEMPLATE = "rel-bad-tdx"
PLAIN_TEMPLATE = "rel-bad-plain"


def module_main(name):
    return importlib.import_module("ansible_collections.confidential.tdx.plugins.modules.%s" % name).main


@pytest.fixture
def materials(tmp_path, session_service_account_file):
    tree = make_tree(str(tmp_path / "tree"))
    return Materials(tree, write_key_files(str(tmp_path), session_service_account_file))


def cloud_arguments(case, args, emulator, access_token):
    """The emulator's endpoint and project, and a credential unless the case is about credentials."""
    full = {"api_endpoint": emulator.base_url, "project": emulator.project}
    if case.owner in TIMED_MODULES:
        full["wait_timeout"] = GCE_WAIT_TIMEOUT
    if case.argument in SERVICE_ACCOUNT_OPTIONS:
        full["auth_kind"] = "serviceaccount"
    elif not (set(args) & {"auth_kind", "access_token"}):
        full["access_token"] = access_token
    full.update(args)
    return full


def seed_templates(emulator, access_token):
    """The templates gce_instance_group's cases name, made through the API, then the request log emptied:
    the cases' valid arguments name a template that exists, and any write in the log is the case's."""
    base = "%s/compute/v1/projects/%s/global/instanceTemplates" % (emulator.base_url, emulator.project)
    result = run_module(module_main("gce_instance_template"), {
        "name": GROUP_TEMPLATE, "name_suffix": "none", "api_endpoint": emulator.base_url,
        "project": emulator.project, "access_token": access_token, "wait_timeout": 60})
    assert result.get("template", {}).get("self_link"), result
    properties = dict(result["template"]["properties"])
    properties.pop("confidentialInstanceConfig")
    properties["scheduling"] = dict(properties["scheduling"], onHostMaintenance="MIGRATE")
    request = urllib.request.Request(base, method="POST", data=json.dumps(
        {"name": PLAIN_TEMPLATE, "properties": properties}).encode(), headers={
        "Authorization": "Bearer " + access_token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()
    emulator.admin.clear_requests()


def writes(emulator):
    return [entry for entry in emulator.admin.requests() if entry["path"].startswith("/compute/") and is_write(entry)]


IN_PROCESS_CASES = [case for case in MODULE_CASES if not case.action_plugin]


@pytest.mark.parametrize("case", IN_PROCESS_CASES, ids=[case.id for case in IN_PROCESS_CASES])
def test_a_bad_value_is_refused_in_one_line_and_changes_nothing(case, materials, gce_emulator, access_token,
                                                                monkeypatch, ledger):
    for name in GCP_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    args = case.arguments(materials)
    if case.owner in GCE_MODULES:
        args = cloud_arguments(case, args, gce_emulator, access_token)
    if case.owner == "gce_instance_group":
        seed_templates(gce_emulator, access_token)
    before = tree_snapshot(materials.tree)
    result = run_module(module_main(case.owner), args)
    problems = judge_refusal(case, result)
    if case.owner in GCE_MODULES and writes(gce_emulator):
        problems.append("it made a write call: %s" % ["%s %s" % (e["method"], e["path"]) for e in writes(gce_emulator)])
    if tree_snapshot(materials.tree) != before:
        problems.append("it changed files under %s" % materials.tree)
    ledger.record("bad_input", case.id, problems, owner=case.owner, argument=case.argument, why=case.why,
                  path="in-process", message=str(result.get("msg", ""))[:300])
    assert not problems, problems


@pytest.mark.integration
@pytest.mark.parametrize("module", PLAYBOOK_MODULES)
def test_the_same_refusals_through_ansible_playbook(module, materials, gce_emulator, access_token, tmp_path, ledger):
    chosen = [case for case in MODULE_CASES if case.owner == module and case.playbook]
    tasks = []
    for case in chosen:
        args = case.arguments(materials)
        if module in GCE_MODULES:
            args = cloud_arguments(case, args, gce_emulator, access_token)
        task = {"name": case.id, "confidential.tdx.%s" % module: args, "ignore_errors": True}
        if case.env:
            task["environment"] = case.env
        tasks.append(task)
    env = dict((name, None) for name in GCP_ENVIRONMENT)
    if module == "gce_instance_group":
        seed_templates(gce_emulator, access_token)
    before = tree_snapshot(materials.tree)
    run = run_playbook([localhost_play(tasks)], tmp_path, env=env)
    failures = []
    for case in chosen:
        problems = judge_refusal(case, run.result(case.id), run.status(case.id))
        ledger.record("bad_input", case.id, problems, owner=module, argument=case.argument, why=case.why,
                      path="ansible-playbook", message=str(run.result(case.id).get("msg", ""))[:300])
        failures.extend("%s: %s" % (case.id, problem) for problem in problems)
    if module in GCE_MODULES and writes(gce_emulator):
        failures.append("write calls: %s" % writes(gce_emulator))
    if tree_snapshot(materials.tree) != before:
        failures.append("files changed under %s" % materials.tree)
    assert "Traceback" not in run.output
    assert not failures, "\n".join(failures)


# -- roles --------------------------------------------------------------------------------

ROLE_CASES = cases("roles")
# ansible-core's header above the argument specification's findings, one per line.
CORE_VALIDATION_HEADER = "Validation of arguments failed:"
# Actions that only look at the task's inputs: a role refusing through them has touched nothing.
REFUSING_ACTIONS = ("validate_argument_spec", "ansible.builtin.validate_argument_spec", "assert",
                    "ansible.builtin.assert", "fail", "ansible.builtin.fail")


class RoleMaterials(Materials):
    def __init__(self, tree, key_files, emulator, access_token):
        super(RoleMaterials, self).__init__(tree, key_files)
        self.values = {"{endpoint}": emulator.base_url, "{project}": emulator.project, "{token}": access_token}

    def resolve(self, value):
        value = super(RoleMaterials, self).resolve(value)
        if isinstance(value, str):
            for placeholder, replacement in self.values.items():
                value = value.replace(placeholder, replacement)
        return value


def role_case_tasks(role, case, materials):
    return [
        {"name": "case %s" % case.id, "ansible.builtin.debug": {"msg": "start"}},
        {"name": "%s attempt" % case.id, "block": [
            {"ansible.builtin.include_role": {"name": "confidential.tdx.%s" % role},
             "vars": case.arguments(materials)},
            {"name": "%s ACCEPTED" % case.id, "ansible.builtin.debug": {"msg": "the role went through"}},
        ], "rescue": [
            {"name": case.id, "ansible.builtin.debug": {"msg": {
                "failed_task": "{{ ansible_failed_task.name }}",
                "failed_action": "{{ ansible_failed_task.action }}",
                "message": "{{ ansible_failed_result.msg | default('') }}"}}},
        ]},
    ]


def judge_core_message(case, message):
    """ansible-core's argument-specification findings, one per line after its header: one must name the
    argument (core adds unqualified lines of its own, such as "dictionary requested ...")."""
    lines = [line for line in message[len(CORE_VALIDATION_HEADER):].splitlines() if line.strip()]
    verdicts = [judge_refusal(case, dict(failed=True, msg=line)) for line in lines]
    if any(not verdict for verdict in verdicts):
        return []
    return verdicts[0] if verdicts else ["an empty validation message"]


def case_windows(run, chosen):
    """(start, end) time of each case's tasks, from the times record_results keeps with each result."""
    starts = dict((entry["task"][len("case "):], entry["start"]) for entry in run.results
                  if entry["task"].startswith("case "))
    ordered = [starts[case.id] for case in chosen] + [float("inf")]
    return dict((case.id, (ordered[index], ordered[index + 1])) for index, case in enumerate(chosen))


def judge_role_refusal(case, run, calls_in_window):
    """What is wrong with how the role refused this case (empty: refused cleanly, before acting)."""
    entries = run.results
    start = next(index for index, entry in enumerate(entries) if entry["task"] == "case %s" % case.id)
    end = next((index for index, entry in enumerate(entries[start + 1:], start + 1)
                if entry["task"].startswith("case ")), len(entries))
    refusal = [entry for entry in entries[start:end] if entry["task"] == case.id]
    if not refusal:
        return ["accepted: the role did not refuse %s=%s (%s)" % (case.argument, case.raw_value, case.why)]
    details = refusal[0]["result"]["msg"]
    problems = []
    if details["failed_action"] not in REFUSING_ACTIONS + ((case.refused_by,) if case.refused_by else ()):
        problems.append("refused late, by task %r (%s)" % (details["failed_task"], details["failed_action"]))
    if calls_in_window:
        problems.append("API calls before the refusal: %s" % calls_in_window[:3])
    message = details["message"]
    if message.startswith(CORE_VALIDATION_HEADER):
        problems.extend(judge_core_message(case, message))
    else:
        problems.extend(judge_refusal(case, dict(failed=True, msg=message)))
    return problems


@pytest.mark.integration
@pytest.mark.parametrize("role", ["provision", "verify"])
def test_role_arguments_are_refused_before_the_role_acts(role, tmp_path, gce_emulator, access_token,
                                                          session_service_account_file, ledger):
    tree = make_tree(str(tmp_path / "tree"))
    materials = RoleMaterials(tree, write_key_files(str(tmp_path), session_service_account_file), gce_emulator,
                              access_token)
    chosen = [case for case in ROLE_CASES if case.owner == role]
    tasks = []
    for case in chosen:
        tasks.extend(role_case_tasks(role, case, materials))
    before = tree_snapshot(tree)
    env = dict((name, None) for name in GCP_ENVIRONMENT)
    run = run_playbook([localhost_play(tasks)], tmp_path, env=env)
    assert "Traceback" not in run.output
    calls = [entry for entry in gce_emulator.admin.requests() if entry["path"].startswith("/compute/")]
    windows = case_windows(run, chosen)
    failures = []
    for case in chosen:
        first, last = windows[case.id]
        in_window = ["%s %s" % (e["method"], e["path"]) for e in calls if first <= e["time"] < last]
        problems = judge_role_refusal(case, run, in_window)
        ledger.record("bad_input", "role-" + case.id, problems, owner=role, argument=case.argument, why=case.why,
                      path="ansible-playbook (role)")
        failures.extend("%s: %s" % (case.id, problem) for problem in problems)
    if tree_snapshot(tree) != before:
        failures.append("files changed on the controller under %s" % tree)
    assert not failures, "\n".join(failures) + "\n" + run.output[-3000:]


# -- the table itself ---------------------------------------------------------------------

def documented_options(module):
    """A module's options as its documentation (and doc fragments) list them; validate-modules keeps them equal
    to the argument spec."""
    import yaml  # pylint: disable=import-outside-toplevel
    source = importlib.import_module("ansible_collections.confidential.tdx.plugins.modules.%s" % module)
    documentation = yaml.safe_load(source.DOCUMENTATION)
    options = set(documentation.get("options", {}))
    for fragment in documentation.get("extends_documentation_fragment", []):
        # confidential.tdx.FILE or confidential.tdx.FILE.VARIABLE
        name, dummy, variable = fragment[len("confidential.tdx."):].partition(".")
        fragment_module = importlib.import_module("ansible_collections.confidential.tdx.plugins.doc_fragments.%s" % name)
        text = getattr(fragment_module.ModuleDocFragment, variable.upper() or "DOCUMENTATION")
        options |= set(yaml.safe_load(text).get("options", {}))
    return options


def role_options(role):
    import yaml  # pylint: disable=import-outside-toplevel
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "roles", role, "meta", "argument_specs.yml")
    with open(path) as handle:
        return set(yaml.safe_load(handle)["argument_specs"]["main"]["options"])


# Arguments with no invalid value: any text is a valid value (ansible-core turns anything into text), or a
# read-only module answers about whatever it is asked (harden_state reports an unknown account as missing;
# its sshd_candidate is judged by sshd itself, which names what it rejects).
NOTHING_TO_REFUSE = {("harden", "harden_report_controller_dir"), ("harden_state", "login_user"),
                     ("harden_state", "sshd_candidate"),
                     # A guest without the tables gives its quote and the reason its event log is null.
                     ("guest_quote", "acpi_tables_dir")}


def test_the_table_has_a_case_for_every_module_and_role_argument():
    modules = sorted(os.path.splitext(name)[0] for name in os.listdir(os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "plugins", "modules"))
        if name.endswith(".py") and not name.startswith("_"))
    roles = ("provision", "verify", "harden")
    covered = set((case.owner, case.argument) for case in MODULE_CASES + ROLE_CASES)
    missing = sorted((module, option) for module in modules for option in documented_options(module)
                     if (module, option) not in covered and (module, option) not in NOTHING_TO_REFUSE)
    missing += sorted((role, option) for role in roles for option in role_options(role)
                      if (role, option) not in covered and (role, option) not in NOTHING_TO_REFUSE)
    assert not missing, "bad_inputs.yml has no invalid value for: %s" % missing
