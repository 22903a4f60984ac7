"""Run a role inside block/rescue, so that a play records how it stopped instead of ending there.

    tasks = attempt("case", "confidential.tdx.harden", {"harden_ssh": True})
    run = run_playbook(plays_with(tasks), tmp_path, inventory=...)
    stopped = refusal_of(run, "case")   # None when the role went through

``refusal_of`` gives the failed task's name, its action and its message;
``changed_files`` compares two {path: checksum} listings taken before and
after (what a refused run must leave equal).
"""


def attempt(label, role, role_vars):
    """Tasks that run ``role`` with ``role_vars`` and record how it stopped, under the task name ``label``."""
    # Tagged always, so that a run limited with --tags still reaches the role.
    return [
        {"name": "case %s" % label, "ansible.builtin.debug": {"msg": "start"}, "tags": ["always"]},
        {"name": "%s attempt" % label, "tags": ["always"], "block": [
            {"ansible.builtin.include_role": {"name": role}, "vars": role_vars},
            {"name": "%s ACCEPTED" % label, "ansible.builtin.debug": {"msg": "the role went through"}},
        ], "rescue": [
            {"name": label, "ansible.builtin.debug": {"msg": {
                "failed_task": "{{ ansible_failed_task.name }}",
                "failed_action": "{{ ansible_failed_task.action }}",
                "message": "{{ ansible_failed_result.msg | default('') }}"}}},
        ]},
    ]


def refusal_of(run, label):
    found = [entry for entry in run.results if entry["task"] == label]
    return found[0]["result"]["msg"] if found else None


def went_through(run, label):
    return any(entry["task"] == "%s ACCEPTED" % label for entry in run.results)


def changed_files(before, after):
    """Sorted paths whose checksum differs between two {path: checksum} listings, or that only one has."""
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
