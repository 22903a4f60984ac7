"""Every module file is its documentation, its argument spec and a short main() (issue 13).

The logic lives in plugins/module_utils (a private package where it is one
module's alone); a module file holds at most MAX_CODE_LINES lines of code
outside its DOCUMENTATION, EXAMPLES and RETURN strings. Every file under
plugins/modules is measured, so a new module is held to it too.
"""

import ast
import os

import pytest

MODULES_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
MAX_CODE_LINES = 250
DOC_STRINGS = {"DOCUMENTATION", "EXAMPLES", "RETURN"}



def code_lines(source):
    """Lines that are neither blank, nor comments, nor inside a DOCUMENTATION/EXAMPLES/RETURN assignment."""
    docs = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) in DOC_STRINGS
                                                for target in node.targets):
            docs.update(range(node.lineno, node.end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), 1)
               if number not in docs and line.strip() and not line.strip().startswith("#"))


def module_files():
    return sorted(name for name in os.listdir(MODULES_DIR) if name.endswith(".py") and name != "__init__.py")


def test_the_measure_leaves_out_only_the_doc_strings_blank_lines_and_comments():
    source = 'DOCUMENTATION = r"""\na: 1\n"""\n\n# why\nimport os\nRETURN = """x"""\n\n\ndef main():\n    pass\n'
    assert code_lines(source) == 3


def test_there_are_modules_to_measure():
    assert len(module_files()) >= 5


@pytest.mark.parametrize("name", module_files())
def test_a_module_file_is_docs_spec_and_a_short_main(name):
    with open(os.path.join(MODULES_DIR, name)) as handle:
        lines = code_lines(handle.read())
    assert lines <= MAX_CODE_LINES, (
        "plugins/modules/%s has %d lines of code outside its docs (at most %d): move its logic to "
        "plugins/module_utils" % (name, lines, MAX_CODE_LINES))
