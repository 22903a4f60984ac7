#!/bin/bash
# make molecule: every scenario under molecule/ at once, each `molecule test`
# in its own process with its own log (build/molecule/SCENARIO.log).
#
# The scenarios share nothing but the test-host tool, which serialises its
# image builds and address choices across processes (docs/testing.md), and
# their platform names carry the scenario's prefix. Run one after another
# they took 21 min here, most of it the QEMU scenario's one busy core while
# the other sat idle; at once, the wall time is about the longest scenario.
# The longest starts first. On a failure, the failed scenarios' log tails
# are printed; every log stays in build/molecule/.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
logs="${BUILD:-$repo/build}/molecule"
mkdir -p "$logs"
cd "$repo"

# Longest first (measured: harden-vm ~10 min, verify ~7, harden ~3, testhosts ~1).
order=(harden-vm verify harden testhosts)
scenarios=()
for scenario in "${order[@]}"; do
    [ -f "molecule/$scenario/molecule.yml" ] && scenarios+=("$scenario")
done
for file in molecule/*/molecule.yml; do
    scenario=$(basename "$(dirname "$file")")
    case " ${scenarios[*]} " in *" $scenario "*) ;; *) scenarios+=("$scenario") ;; esac
done

declare -A pids
for scenario in "${scenarios[@]}"; do
    echo "== molecule test -s $scenario (log: $logs/$scenario.log)"
    (
        start=$(date +%s)
        molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1
        status=$?
        echo $(( $(date +%s) - start )) >"$logs/$scenario.seconds"
        exit $status
    ) &
    pids[$scenario]=$!
done

failed=()
for scenario in "${scenarios[@]}"; do
    if wait "${pids[$scenario]}"; then
        result=passed
    else
        result=FAILED
        failed+=("$scenario")
    fi
    echo "== molecule $scenario: $result in $(cat "$logs/$scenario.seconds") s"
done

for scenario in "${failed[@]}"; do
    echo "== last lines of $logs/$scenario.log"
    tail -n 60 "$logs/$scenario.log"
done
[ ${#failed[@]} -eq 0 ] || { echo "molecule: failed: ${failed[*]}" >&2; exit 1; }
