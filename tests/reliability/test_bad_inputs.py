"""Every invalid value of bad_inputs.yml is refused in one line naming the argument, and changes nothing.

In-process through tests/unit/module_harness.py for every case (the cloud
modules still talk to the emulator through the real client, so a case that
slips past validation shows up as a call in its log); the cases marked
``playbook`` again through ansible-playbook, to prove the controller path.
"""

import importlib
import os

import pytest

from tests.integration.gce.harness import GCP_ENVIRONMENT, is_write
from tests.integration.playbook import localhost_play, run_playbook
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


def module_main(name):
    return importlib.import_module("ansible_collections.confidential.tdx.plugins.modules.%s" % name).main


@pytest.fixture
def materials(tmp_path, session_service_account_file):
    tree = make_tree(str(tmp_path / "tree"))
    return Materials(tree, write_key_files(str(tmp_path), session_service_account_file))


def cloud_arguments(case, args, emulator, access_token):
    """The emulator's endpoint and project, and a credential unless the case is about credentials."""
    full = {"api_endpoint": emulator.base_url, "project": emulator.project}
    if case.owner == "gce_instance":
        full["wait_timeout"] = GCE_WAIT_TIMEOUT
    if case.argument in SERVICE_ACCOUNT_OPTIONS:
        full["auth_kind"] = "serviceaccount"
    elif not (set(args) & {"auth_kind", "access_token"}):
        full["access_token"] = access_token
    full.update(args)
    return full


def writes(emulator):
    return [entry for entry in emulator.admin.requests() if entry["path"].startswith("/compute/") and is_write(entry)]


@pytest.mark.parametrize("case", MODULE_CASES, ids=[case.id for case in MODULE_CASES])
def test_a_bad_value_is_refused_in_one_line_and_changes_nothing(case, materials, gce_emulator, access_token,
                                                                monkeypatch, ledger):
    for name in GCP_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    args = case.arguments(materials)
    if case.owner in GCE_MODULES:
        args = cloud_arguments(case, args, gce_emulator, access_token)
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
