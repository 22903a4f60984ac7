"""An execution environment with the collection: ansible-builder's build context, and what it resolves to.

``ansible-builder create`` runs on tests/ee/execution-environment.yml (the
collection from its built artefact, as AWX users list it). No container
engine runs here, so the image is not built: the test stops at ``create``,
then replays the two stages of the generated Containerfile that decide
what the image holds, with the scripts ansible-builder put in the context:
the galaxy stage (``ansible-galaxy collection install -r requirements.yml``)
and the builder stage (``introspect.py introspect``, which reads the
collection's meta/execution-environment.yml for its requirements.txt and
bindep.txt). Then:

- the Python requirements resolve: they, ansible-core and ansible-runner
  as the Containerfile installs them, go into a fresh venv from PyPI, and
  the collection's unit tests pass with that venv's Python (plus only the
  test tools, which must not change a resolved version); every native
  extension in it finds its shared libraries;
- the system requirements parse with ``bindep`` and name, for this Debian
  machine, what the controller side needs (CA certificates for HTTPS to the
  Compute Engine API, an SSH client), and in the ``guest`` profile what the
  managed hosts need (python3: the guest modules use the standard library
  only).

Needs ansible-builder and bindep in build/ee/builder-venv (``make ee``
creates it from tests/ee/requirements-builder.txt) and PyPI.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, collections_path

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
BUILDER_BIN = os.path.join(REPO_ROOT, "build", "ee", "builder-venv", "bin")
VENV_BIN = os.path.dirname(sys.executable)
# The unit tests' own tools, from tests/compat/requirements.txt (without its -r of the runtime requirements).
TEST_TOOLS_FILE = os.path.join(REPO_ROOT, "tests", "compat", "requirements.txt")


def run(command, **kwargs):
    completed = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert completed.returncode == 0, "%s\n%s\n%s" % (command, completed.stdout[-3000:], completed.stderr[-3000:])
    return completed.stdout


@pytest.fixture(scope="module")
def builder_bin():
    if not os.access(os.path.join(BUILDER_BIN, "ansible-builder"), os.X_OK):
        pytest.skip("ansible-builder missing: run `make ee` (installs tests/ee/requirements-builder.txt "
                    "into build/ee/builder-venv)")
    return BUILDER_BIN


@pytest.fixture(scope="module")
def context(builder_bin, tmp_path_factory):
    """The build context of `ansible-builder create`, with the artefact of this checkout in it."""
    work = tmp_path_factory.mktemp("ee")
    for name in ("execution-environment.yml", "requirements.yml"):
        shutil.copy(os.path.join(HERE, name), str(work / name))
    (work / "collections").mkdir()
    run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", "--output-path",
         str(work / "artefact"), REPO_ROOT], cwd=REPO_ROOT)
    (artefact,) = glob.glob(str(work / "artefact" / "confidential-tdx-*.tar.gz"))
    shutil.copy(artefact, str(work / "collections" / "confidential-tdx.tar.gz"))
    # Containerfile: podman's name for it, the runtime AWX and ansible-navigator use.
    run([os.path.join(builder_bin, "ansible-builder"), "create", "--file", "execution-environment.yml",
         "--context", "context", "--output-filename", "Containerfile", "-v", "2"], cwd=str(work))
    return work / "context"


@pytest.fixture(scope="module")
def introspected(context, tmp_path_factory):
    """The galaxy and builder stages of the Containerfile: (requirements.txt, bindep.txt) they write."""
    out = tmp_path_factory.mktemp("ee-stages")
    collections = out / "collections"
    build = context / "_build"
    run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "install", "-r", "requirements.yml",
         "--collections-path", str(collections)], cwd=str(build),
        env=dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1", ANSIBLE_COLLECTIONS_PATH=str(collections)))
    pip_file, bindep_file = out / "requirements.txt", out / "bindep.txt"
    run([os.path.join(BUILDER_BIN, "python"), str(build / "scripts" / "introspect.py"), "introspect",
         "--write-pip", str(pip_file), "--write-bindep", str(bindep_file), str(collections)])
    return pip_file, bindep_file


def containerfile_arg(context, name):
    match = re.search(r'^ARG %s="([^"]*)"$' % name, (context / "Containerfile").read_text(), re.M)
    assert match, "no ARG %s in the Containerfile" % name
    return match.group(1)


def requirement_names(path):
    names = set()
    with open(str(path)) as handle:
        lines = handle.read().splitlines()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[\s\[<>=!~;]", line, 1)[0].lower().replace("_", "-"))
    return names


def test_create_writes_a_containerfile_that_installs_the_collection(context):
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    assert (context / "_build" / "collections" / "confidential-tdx.tar.gz").is_file()
    assert "collections/confidential-tdx.tar.gz" in (context / "_build" / "requirements.yml").read_text()
    assert containerfile_arg(context, "ANSIBLE_INSTALL_REFS").split() == ["ansible-core==2.19.14",
                                                                         "ansible-runner==2.4.3"]


def test_the_image_gets_the_collections_python_and_system_requirements(introspected):
    pip_file, bindep_file = introspected
    assert requirement_names(os.path.join(REPO_ROOT, "requirements.txt")) <= requirement_names(pip_file)
    assert "from collection confidential.tdx" in pip_file.read_text()
    assert "from collection confidential.tdx" in bindep_file.read_text()


def bindep_list(bindep_file, *profiles):
    return run([os.path.join(BUILDER_BIN, "bindep"), "--file", str(bindep_file), "--list_all", "newline"]
               + list(profiles)).split()


def test_bindep_names_what_the_controller_and_the_guests_need(introspected):
    _, bindep_file = introspected
    # This machine is Debian: the platform:dpkg names.
    controller = bindep_list(bindep_file)
    assert {"ca-certificates", "openssh-client"} <= set(controller), controller
    assert "python3" not in controller  # the image's Python is ansible-builder's python_interpreter
    assert "python3" in bindep_list(bindep_file, "guest")


def test_the_resolved_requirements_run_the_unit_tests(context, introspected, tmp_path):
    pip_file, _ = introspected
    venv = tmp_path / "ee-venv"
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    # As the Containerfile does: ansible-core and ansible-runner, then the assembled requirements.
    run(pip + containerfile_arg(context, "ANSIBLE_INSTALL_REFS").split())
    run(pip + ["-r", str(pip_file)])
    resolved = tmp_path / "resolved.txt"
    resolved.write_text(run([str(venv / "bin" / "python"), "-m", "pip", "freeze"]))
    tools = [line for line in open(TEST_TOOLS_FILE).read().splitlines()
             if line.strip() and not line.startswith(("#", "-r"))]
    run(pip + ["-c", str(resolved)] + tools)

    missing = []
    for library in glob.glob(str(venv / "lib" / "python*" / "site-packages" / "**" / "*.so"), recursive=True):
        missing += [library + ": " + line.strip() for line in run(["ldd", library]).splitlines()
                    if "not found" in line]
    assert not missing, missing

    tests = run([str(venv / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "0",
                 "tests/unit"], cwd=REPO_ROOT, env=dict(os.environ, CONFIDENTIAL_TDX_COLLECTIONS=collections_path()))
    assert re.search(r"\d+ passed", tests), tests[-2000:]
