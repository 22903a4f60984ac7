#!/bin/bash
# make demo: the collection's whole job, offline, with no Google account.
#
# 1. starts the Compute Engine emulator in backing mode, so that every
#    instance it creates is a real systemd host (a systemd-nspawn container);
# 2. writes an inventory: three hosts with their instance variables, plus the
#    confidential.tdx.gce inventory plugin pointed at the emulator;
# 3. runs `ansible-playbook confidential.tdx.site`: create the TDX instances,
#    wait for SSH, harden the guests, attest them: each host has the
#    configfs-tsm stand-in (tools/tsm_standin), whose quotes a test PKI
#    (tools/tdx_pki) signs, with collateral over HTTP from the PCS stand-in
#    (tools/pcs_standin), so each host's verdict is TEST ROOT (its quote
#    verifies, to the test root, which proves nothing about Intel hardware);
#    each host's event log (CCEL) is replayed against its quote's RTMRs;
# 4. alters the third host's event log (its quotes unchanged) and verifies it
#    again: refused, naming the event log;
# 5. re-verifies the same archived evidence against Intel's pinned root
#    (`confidential.tdx.reverify`): refused, with the reason;
# 6. prints the fleet report, runs `confidential.tdx.teardown`, stops the
#    emulator (which removes its hosts) and exits 0.
# A trap cleans up on any failure. Needs root (the test hosts); `make demo`
# first runs `make setup install`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv_bin="$repo/.venv/bin"
export PATH="$venv_bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$repo/build/collections}"
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=false
# The demo's own hosts and emulator only: nothing from the caller's cloud setup.
unset GCP_PROJECT GCP_AUTH_KIND GCP_SERVICE_ACCOUNT_FILE GCP_SERVICE_ACCOUNT_CONTENTS GCP_ACCESS_TOKEN \
    GCP_API_ENDPOINT GCP_SCOPES GOOGLE_APPLICATION_CREDENTIALS || true

project=tdx-demo-project
fleet_label=demo
hosts=(tdx-demo-1 tdx-demo-2 tdx-demo-3)
testhosts="$repo/tools/testhosts/testhosts"
testhosts_state="${TESTHOSTS_STATE:-/run/confidential-tdx-testhosts}"

say() { printf '\n== %s\n' "$*"; }
die() { printf 'make demo: %s\n' "$*" >&2; exit 1; }
# first_line WHAT PID OUT LOG: the URL a background server prints first, within 10 s.
first_line() {
    for _ in $(seq 1 100); do
        [ -s "$3" ] && break
        kill -0 "$2" 2>/dev/null || die "the $1 did not start: $(tail -n 3 "$4")"
        sleep 0.1
    done
    head -n 1 "$3"
    [ -s "$3" ] || die "the $1 printed no URL within 10 s"
}

[ "$(id -u)" -eq 0 ] || die "needs root: the demo's instances are systemd-nspawn containers (run: sudo make demo)"
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is missing: run make setup as root (apt-get install systemd-container)"
[ -d "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/confidential/tdx" ] ||
    die "the collection is not installed in $ANSIBLE_COLLECTIONS_PATH: run make demo (it runs make setup install first)"

work=$(mktemp -d /tmp/confidential-tdx-demo.XXXXXX)
# The reports outlive the run (the work folder is removed), so the page can be opened afterwards.
reports="$repo/build/demo-reports"
rm -rf "$reports"
emulator_pid=""
pcs_pid=""
finished=no

cleanup() {
    status=$?
    if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
        # SIGTERM: the emulator removes every test host it started, then exits.
        kill -TERM "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    if [ -n "$pcs_pid" ] && kill -0 "$pcs_pid" 2>/dev/null; then
        kill -TERM "$pcs_pid" 2>/dev/null || true
        wait "$pcs_pid" 2>/dev/null || true
    fi
    if [ "$finished" = yes ]; then
        rm -rf "$work"
    else
        printf 'make demo: failed (exit %s); logs kept in %s\n' "$status" "$work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)

say "Test host base image (built once, cached)"
"$testhosts" base

say "Test PKI (NOT Intel's) and its collateral, served on PCS v4 paths by the PCS stand-in"
(cd "$repo" && "$venv_bin/python" -m tools.tdx_pki init "$work/pki")
mkdir -p "$work/served"
(cd "$repo" && "$venv_bin/python" -m tools.tdx_pki collateral "$work/pki" --out "$work/served/collateral.json")
(cd "$repo" && exec "$venv_bin/python" -m tools.pcs_standin --collateral-dir "$work/served" --port 0) \
    >"$work/pcs.out" 2>"$work/pcs.log" &
pcs_pid=$!
pcs_url=$(first_line "PCS stand-in" "$pcs_pid" "$work/pcs.out" "$work/pcs.log")
echo "PCS stand-in: $pcs_url"
# Every test host the emulator starts gets a configfs-tsm stand-in signing with this PKI.
export TESTHOSTS_TSM_STANDIN="$work/pki"

say "Compute Engine emulator, backing mode: every instance is a real systemd host"
(cd "$repo" && exec "$venv_bin/python" -m tools.gce_emulator --port 0 --backing testhosts --operation-seconds 0.5 \
    --project "$project" --write-service-account "$work/service-account.json") \
    >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
api=$(first_line "emulator" "$emulator_pid" "$work/emulator.out" "$work/emulator.log")
echo "API endpoint: $api (project $project)"

say "Inventory: three hosts with their instance variables, and the gce inventory plugin"
inventory="$work/inventory"
mkdir -p "$inventory/group_vars"
cat >"$inventory/fleet.yml" <<EOF
# The fleet: which hosts it has and what instance each one is.
tdx_fleet:
  hosts:
    ${hosts[0]}:
      tdx_instance: {zone: us-central1-a}
    ${hosts[1]}:
      tdx_instance: {zones: [us-central1-b, us-central1-c], machine_type: c3-standard-8}
    ${hosts[2]}: {}
EOF
cat >"$inventory/demo.gce.yml" <<EOF
# Existing instances and their addresses, from the Compute Engine API.
plugin: confidential.tdx.gce
projects: [$project]
api_endpoint: $api
service_account_file: $work/service-account.json
filters:
  - labels.tdx-fleet = "$fleet_label"
hostnames: [name]
compose:
  ansible_host: gce.external_ip or gce.internal_ip
EOF
cat >"$inventory/group_vars/all.yml" <<EOF
# The cloud: the emulator instead of Google, with the key it wrote.
tdx_gcp:
  project: $project
  service_account_file: $work/service-account.json
  api_endpoint: $api
EOF
cat >"$inventory/group_vars/tdx_fleet.yml" <<EOF
# Every instance: three TDX zones to try in order, and the fleet's label.
provision_instance_defaults:
  zones: [us-central1-a, us-central1-b, us-central1-c]
  labels: {tdx-fleet: $fleet_label}
# The emulator's hosts let the test user of tools/testhosts in with its key;
# on Google Cloud this is your OS Login user or the ssh-keys metadata.
ansible_user: tester
ansible_ssh_private_key_file: $testhosts_state/id_ed25519
ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
ansible_python_interpreter: /usr/bin/python3
# Report mode: a host that is not attested is reported, not failed.
verify_enforce: false
# Attestation: quotes from the hosts' configfs-tsm stand-in, signed by the
# demo's test PKI, checked against its root (FOR TESTING ONLY; the default
# is Intel's pinned root), with collateral from the PCS stand-in.
verify_testing_root_ca: $work/pki/root.der
# Their verdict is "test root" (shown as TEST ROOT, never attested); this
# lets such hosts pass, as the demo needs. Never set it in production.
verify_accept_test_root: true
verify_pccs_url: $pcs_url
verify_endorsement_url: $pcs_url
verify_collateral_dir: $work/collateral
EOF
cat "$inventory/fleet.yml"

say "ansible-playbook confidential.tdx.site  (provision -> harden -> verify, one batch of 3)"
echo "full log: $work/site.log"
site_status=0
ansible-playbook confidential.tdx.site -i "$inventory" -e tdx_batch_size=3 -e tdx_report_dir="$reports" \
    >"$work/site.log" 2>&1 || site_status=$?
sed -n '/^PLAY RECAP/,$p' "$work/site.log"
if [ "$site_status" -ne 0 ]; then
    tail -n 60 "$work/site.log" >&2
    die "confidential.tdx.site failed (exit $site_status)"
fi

say "What the gce inventory plugin sees now (groups by zone, status, confidential type)"
ansible-inventory -i "$inventory" --graph 2>"$work/inventory.log"

say "Fleet report (also as JSON, with every reason: $reports/fleet-report.json)"
cat "$reports/fleet-report.txt"
echo "Report page (open in a browser): $reports/fleet-report.html"

say "Verdict of each host (reports/verify/HOST.json): TEST ROOT, the demo's PKI, never attested"
# The verdict each host must have; a host added to fail would expect refused.
expected=()
for host in "${hosts[@]}"; do expected+=("$host=test root"); done
"$venv_bin/python" "$repo/tools/demo_checks.py" verdicts "$reports/verify" "${expected[@]}" ||
    die "see the reports above"

altered=${hosts[2]}
say "$altered's event log altered (its quotes unchanged): verified again, it must be refused"
# The emulator names an instance's test host after it, with a hash of where it lives.
control=$(ls -d "$testhosts_state/hosts/$altered"-*/tsm-standin 2>/dev/null | head -n 1)
[ -n "$control" ] || die "no configfs-tsm stand-in found for $altered under $testhosts_state/hosts"
(cd "$repo" && "$venv_bin/python" -m tools.tsm_standin eventlog --control "$control" altered) ||
    die "cannot alter $altered's event log"
ansible-playbook confidential.tdx.verify -i "$inventory" -l "$altered" -e tdx_group=tdx_fleet \
    -e tdx_verify_report_dir="$reports/altered" >"$work/altered.log" 2>&1 ||
    { tail -n 40 "$work/altered.log" >&2; die "confidential.tdx.verify on $altered failed"; }
"$venv_bin/python" "$repo/tools/demo_checks.py" verdicts "$reports/altered" "$altered=refused:event log" ||
    die "see the report above"

say "The same evidence against Intel's pinned root (confidential.tdx.reverify, offline)"
ansible-playbook confidential.tdx.reverify -e tdx_reverify_dir="$reports/verify" \
    >"$work/reverify-intel.log" 2>&1 || { tail -n 40 "$work/reverify-intel.log" >&2; die "reverify failed"; }
# Fails unless reverify refused every host's evidence against Intel's root.
"$venv_bin/python" "$repo/tools/demo_checks.py" refused "$work/reverify-intel.log" "${hosts[@]}" ||
    die "see the lines above"

say "ansible-playbook confidential.tdx.teardown"
ansible-playbook confidential.tdx.teardown -i "$inventory" >"$work/teardown.log" 2>&1 ||
    { tail -n 40 "$work/teardown.log" >&2; die "confidential.tdx.teardown failed"; }
sed -n '/^PLAY RECAP/,$p' "$work/teardown.log"

say "Stopping the emulator (it removes any test host left)"
kill -TERM "$emulator_pid"
wait "$emulator_pid" || true
emulator_pid=""
leftovers=$("$testhosts" list | grep -c -- "tdx-demo-" || true)
[ "$leftovers" -eq 0 ] || die "test hosts left behind: $("$testhosts" list)"

finished=yes
echo
echo "make demo: done in $(( $(date +%s) - started )) s; instances, test hosts and files removed."
