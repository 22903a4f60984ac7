"""No filter file imports the collection's module_utils when it is loaded, only when its filter is called.

ansible-core imports every filter file of the collection in each worker to
find one filter by name, compiling collection code from source each time
(docs/architecture.md, "filter"); an import at the top of any filter file
is paid by every per-host task that uses any of our filters.
"""

import ast
import pathlib

import pytest

FILTERS = sorted((pathlib.Path(__file__).resolve().parents[4] / "plugins" / "filter").glob("*.py"))


def top_level_imports(tree):
    """The modules a file imports when it is loaded: its module body, and any if/try at that level."""
    names = []
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            pending.extend(ast.iter_child_nodes(node))
    return names


def test_the_filter_files_are_found():
    assert len(FILTERS) >= 14, FILTERS


@pytest.mark.parametrize("path", FILTERS, ids=lambda path: path.name)
def test_filter_file_imports_no_module_utils_when_loaded(path):
    loaded = [name for name in top_level_imports(ast.parse(path.read_text())) if "module_utils" in name]
    assert loaded == [], "%s imports %s when loaded: import it inside the filter" % (path.name, loaded)


def test_the_check_sees_an_import_at_the_top():
    tree = ast.parse("from ansible_collections.confidential.tdx.plugins.module_utils.attestation import verdict\n"
                     "def f():\n    from ansible_collections.x.module_utils.y import z\n")
    assert top_level_imports(tree) == ["ansible_collections.confidential.tdx.plugins.module_utils.attestation"]
