#!/bin/bash
# ansible-test sanity on an installed collection, with a given ansible-core.
#
#   tools/sanity.sh VENV_BIN INSTALLED_COLLECTION ANSIBLE_TEST_HOME LOG
#
# Used by `make sanity` (the main venv's ansible-core) and by `make compat`
# (each supported ansible-core in its own venv).
#
# It tests a copy outside this checkout: inside it, ansible-test would find
# this .git and test only files git tracks there, i.e. none of build/ (it
# then skips every target and still passes). The collection needs no ignore
# file today; should one be added (tests/sanity/, each entry justified), it
# is not shipped, so it is copied in beside the artefact.
#
# ansible-test seeds each sanity venv with a pip bootstrap script it
# downloads from Ansible's CI file host, which these machines cannot reach:
# the offline stand-in tools/ansible-test/get_pip.py goes into its cache
# (under the private HOME, so it stays inside build/) with the pip wheel
# that ansible-core's ansible-test asks for, from PyPI.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv_bin=$1 installed=$2 home=$3 log=$4

# The pip version this ansible-test bootstraps (23.1.2 in 2.17, 24.2 in 2.18 and 2.19).
pip_version=$("$venv_bin/python" - <<'EOF'
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version="3.11"))["pip"])
EOF
)
cache="$home/.ansible/test/cache"
stand_in="$cache/get_pip_${pip_version//./_}.py"
if ! cmp -s "$repo/tools/ansible-test/get_pip.py" "$stand_in" || [ ! -f "$cache/pip-$pip_version-py3-none-any.whl" ]; then
    mkdir -p "$cache"
    # One pip wheel per cache: the stand-in installs the one it finds.
    rm -f "$cache"/pip-*.whl
    "$venv_bin/pip" download --quiet --disable-pip-version-check --no-deps --dest "$cache" "pip==$pip_version"
    cp "$repo/tools/ansible-test/get_pip.py" "$stand_in"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/ansible_collections/confidential"
cp -a "$installed" "$root/ansible_collections/confidential/tdx"
if [ -d "$repo/tests/sanity" ]; then
    mkdir -p "$root/ansible_collections/confidential/tdx/tests"
    cp -r "$repo/tests/sanity" "$root/ansible_collections/confidential/tdx/tests/"
fi
cd "$root/ansible_collections/confidential/tdx"
status=0
HOME="$home" PATH="$venv_bin:$PATH" "$venv_bin/ansible-test" sanity --color no --python 3.11 >"$log" 2>&1 || status=$?
cat "$log"
[ "$status" -eq 0 ] || exit "$status"
if grep -q "All targets skipped" "$log"; then
    echo "ansible-test sanity found nothing to test" >&2
    exit 1
fi
