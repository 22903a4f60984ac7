#!/bin/bash
# make bench: the benchmark suite (tools/bench/, documented in docs/performance.md).
# Prints one table and writes it, with the machine it came from, into
# docs/performance.md. Arguments go to the runner, e.g.
#   tools/bench.sh --only gce --quick
# The verify and harden rows need root and systemd-nspawn (the test hosts of
# docs/testing.md); without them those rows say why they were not measured.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$repo/build/collections}"
[ -d "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/confidential/tdx" ] || {
    echo "make bench: the collection is not installed in $ANSIBLE_COLLECTIONS_PATH; run make bench (it runs make install first)" >&2
    exit 2
}
cd "$repo/tools"
exec "$repo/.venv/bin/python" -m bench "$@"
