"""Which folder a test's time is counted in, at the end of a run (tests/fixtures/time_by_folder.py)."""

from tests.fixtures.time_by_folder import folder_of


def test_a_test_is_counted_in_its_layer_and_group():
    assert folder_of("tests/hosts/login/test_guest_agent_login.py::test_a") == "tests/hosts/login"
    assert folder_of("tests/unit/plugins/module_utils/gce/test_errors.py::test_b[x/y]") == "tests/unit/plugins"
    assert folder_of("tests/processes/test_lazy_compute.py::test_c") == "tests/processes"
    assert folder_of("test_top.py::test_d") == "."
