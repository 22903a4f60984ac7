"""Run an Ansible module's ``main()`` in-process and return its result.

ansible-core 2.19 reads module arguments through data-tagging aware
machinery; the supported way to feed them in a test is
``ansible.module_utils.testing.patch_module_args``, not patching the private
``basic._ANSIBLE_ARGS`` global that older harnesses relied on.
"""

import contextlib
import io
import json

from ansible.module_utils.testing import patch_module_args


class ModuleResult(dict):
    """The module's JSON result, plus whether it exited through fail_json."""

    @property
    def failed(self):
        return bool(self.get("failed"))

    @property
    def changed(self):
        return bool(self.get("changed"))


def run_module(main, args=None, check_mode=False, diff=False):
    """Call ``main()`` with ``args`` as the task's arguments.

    ``check_mode`` and ``diff`` set the same internal flags the controller
    sends with a task run under ``--check`` / ``--diff``.
    """
    module_args = dict(args or {})
    module_args["_ansible_check_mode"] = check_mode
    module_args["_ansible_diff"] = diff
    stdout = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(stdout):
        try:
            main()
        except SystemExit:
            pass
        else:
            raise AssertionError("module returned without calling exit_json or fail_json")
    output = stdout.getvalue()
    try:
        return ModuleResult(json.loads(output))
    except ValueError:
        raise AssertionError("module printed something that is not its JSON result: %r" % output)
