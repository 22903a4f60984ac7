"""The harness itself: arguments, check mode and failures reach the module."""

from ansible.module_utils.basic import AnsibleModule

from .module_harness import run_module


def _echo_module():
    module = AnsibleModule(
        argument_spec={"name": {"type": "str", "required": True}, "count": {"type": "int", "default": 1}},
        supports_check_mode=True,
    )
    if module.params["count"] < 0:
        module.fail_json(msg="count must not be negative")
    module.exit_json(changed=not module.check_mode, name=module.params["name"],
                     count=module.params["count"], diff_requested=module._diff)


def test_arguments_reach_the_module_with_types_applied():
    result = run_module(_echo_module, {"name": "tdx-1", "count": "3"})
    assert result["name"] == "tdx-1"
    assert result["count"] == 3
    assert result.changed


def test_check_and_diff_flags_reach_the_module():
    result = run_module(_echo_module, {"name": "tdx-1"}, check_mode=True, diff=True)
    assert not result.changed
    assert result["diff_requested"] is True


def test_fail_json_is_reported_as_failed():
    result = run_module(_echo_module, {"name": "tdx-1", "count": -1})
    assert result.failed
    assert result["msg"] == "count must not be negative"


def test_argument_spec_errors_are_failures():
    result = run_module(_echo_module, {})
    assert result.failed
    assert "name" in result["msg"]


def _warning_module():
    module = AnsibleModule(argument_spec={"text": {"type": "str", "required": True}})
    module.warn(module.params["text"])
    module.exit_json(changed=False)


def warning_texts(result):
    """Strings before ansible-core 2.19, warning summaries from it."""
    return [entry["event"]["msg"] if isinstance(entry, dict) else entry for entry in result.get("warnings") or ()]


def test_a_warning_is_in_its_own_runs_result_only_even_with_the_controller_loaded():
    import ansible.plugins.loader  # noqa: F401  (controller code, as the plugin tests import it)

    assert warning_texts(run_module(_warning_module, {"text": "first"})) == ["first"]
    assert warning_texts(run_module(_warning_module, {"text": "second"})) == ["second"]
