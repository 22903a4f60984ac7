"""What `ansible-galaxy collection build` ships: collection content only.

build_ignore must keep out every tool's droppings (.hypothesis, caches, the
venv); a stray folder in the artefact also makes ansible-test sanity fail on
what users install.
"""

import os
import subprocess
import sys
import tarfile

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration

SHIPPED_TOP_LEVEL = {
    "FILES.json", "MANIFEST.json", "LICENSE", "README.md", "bindep.txt", "requirements.txt",
    "changelogs", "docs", "meta", "playbooks", "plugins", "roles",
}


@pytest.fixture(scope="module")
def artefact_members(tmp_path_factory):
    output = tmp_path_factory.mktemp("artefact")
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(output), REPO_ROOT],
                   check=True, capture_output=True, cwd=REPO_ROOT)
    (built,) = output.glob("confidential-tdx-*.tar.gz")
    with tarfile.open(built) as tar:
        return [member.name for member in tar.getmembers()]


def test_only_collection_content_is_shipped(artefact_members):
    top_level = {name.split("/", 1)[0] for name in artefact_members}
    assert top_level <= SHIPPED_TOP_LEVEL, sorted(top_level - SHIPPED_TOP_LEVEL)


def test_no_hidden_files_caches_or_bytecode_are_shipped(artefact_members):
    stray = [name for name in artefact_members
             if any(part.startswith(".") or part == "__pycache__" for part in name.split("/"))
             or name.endswith(".pyc")]
    assert not stray, stray


def test_every_plugin_and_role_is_shipped(artefact_members):
    for expected in ("plugins/modules/gce_instance.py", "plugins/modules/guest_quote.py",
                     "plugins/inventory/gce.py", "roles/harden/tasks/main.yml",
                     "roles/verify/meta/argument_specs.yml", "playbooks/site.yml"):
        assert expected in artefact_members
