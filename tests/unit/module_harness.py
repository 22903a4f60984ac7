"""Run an Ansible module's ``main()`` in-process and return its result.

ansible-core 2.19 reads module arguments through data-tagging aware
machinery; the supported way to feed them in a test is
``ansible.module_utils.testing.patch_module_args``, not patching the private
``basic._ANSIBLE_ARGS`` global that older harnesses relied on. ansible-core
2.17 and 2.18 (which the collection supports, ``make compat``) have no such
helper: there, that global is the one way a module reads its arguments
in-process, so the fallback sets it.
"""

import contextlib
import io
import json

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class ModuleResult(dict):
    """The module's JSON result, plus whether it exited through fail_json."""

    @property
    def failed(self):
        return bool(self.get("failed"))

    @property
    def changed(self):
        return bool(self.get("changed"))


def forget_earlier_warnings():
    """Start a run with no warnings or deprecations recorded, as a module's own process does.

    ansible-core keeps them in module-level collections that exit_json
    reports in full; in one test process every earlier run's would show up
    again in the next result.
    """
    from ansible.module_utils.common import warnings

    for name in ("_global_warnings", "_global_deprecations"):
        getattr(warnings, name).clear()


@contextlib.contextmanager
def as_target():
    """Run as a module's own process does, not as the controller.

    From ansible-core 2.19, once anything of the controller has been
    imported into the test process, module_utils takes itself for the
    controller and sends the module's warnings to the controller's display
    instead of into the module's result.
    """
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core < 2.19: no such switch
        yield
        return
    saved = getattr(_internal, "is_controller", False)
    _internal.is_controller = False
    try:
        yield
    finally:
        _internal.is_controller = saved


def run_module(main, args=None, check_mode=False, diff=False):
    """Call ``main()`` with ``args`` as the task's arguments.

    ``check_mode`` and ``diff`` set the same internal flags the controller
    sends with a task run under ``--check`` / ``--diff``.
    """
    forget_earlier_warnings()
    module_args = dict(args or {})
    module_args["_ansible_check_mode"] = check_mode
    module_args["_ansible_diff"] = diff
    stdout = io.StringIO()
    with patch_module_args(module_args), as_target(), contextlib.redirect_stdout(stdout):
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
