"""make bench: measure, print one table, write docs/performance.md.

    .venv/bin/python -m bench [--quick] [--only gce,inventory,verify,harden,attest] [--no-write]
    (run from tools/, or through tools/bench.sh)

A part of the gce suite alone: --only gce.fleet (the create and rerun rows),
gce.thousand, gce.task (one task on an unchanged instance against ping),
gce.import, gce.group (a managed instance group of 100 against a fleet task
of 100); --only gce is all five.
"""

import argparse
import os
import sys
import tempfile

from . import machine, report
from .ansible_env import REPO, VENV_BIN
from .measure import skipped_row

DOCUMENT = os.path.join(REPO, "docs", "performance.md")
SUITES = ("gce", "inventory", "verify", "harden", "attest")
GCE_PARTS = ("fleet", "thousand", "task", "import", "group")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SUITES),
                        help="comma-separated suites to run (%s), or parts of gce (%s)" % (
                            ", ".join(SUITES), ", ".join("gce." + part for part in GCE_PARTS)))
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and smaller fleets, to try the bench out (numbers not written)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--workdir", help="keep logs and files here (default: a new temporary directory)")
    return parser.parse_args(argv)


def log(message):
    print(message, flush=True)


def choose(only):
    """From --only: (the suites to run, the parts of gce to run); exits on a name it does not know."""
    named = [name.strip() for name in only.split(",") if name.strip()]
    parts = ["gce." + part for part in GCE_PARTS]
    unknown = sorted(set(named) - set(SUITES) - set(parts))
    if unknown:
        sys.exit("make bench: unknown suite(s) %s; choose from %s" % (
            ", ".join(unknown), ", ".join(SUITES + tuple(parts))))
    gce_parts = set(GCE_PARTS) if "gce" in named else set(name[len("gce."):] for name in named if name in parts)
    return set(named) & set(SUITES) | ({"gce"} if gce_parts else set()), gce_parts


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    chosen, gce_parts = choose(args.only)
    workdir = args.workdir or tempfile.mkdtemp(prefix="confidential-tdx-bench.")
    os.makedirs(workdir, exist_ok=True)
    described = machine.describe(os.path.join(VENV_BIN, "ansible"))
    log("make bench: logs in %s" % workdir)
    if args.quick:
        counts, fleet_runs, loop_runs = (1, 10), 2, {1: 1, 10: 1}
    else:
        counts, fleet_runs, loop_runs = (1, 10, 50, 100), 5, {1: 5, 10: 3, 50: 1, 100: 1}
    rows = []
    settings = []
    if "gce" in chosen:
        from .suite_gce import LATENCY_SECONDS, OPERATION_SECONDS, GceSuite
        log("== gce_instance: %s (emulator: %.0f ms per call, %.0f s per operation)"
            % (", ".join(part for part in GCE_PARTS if part in gce_parts), LATENCY_SECONDS * 1000, OPERATION_SECONDS))
        suite = GceSuite(os.path.join(workdir, "gce"), counts, fleet_runs, loop_runs, log,
                         thousand_runs=1 if args.quick else 3, task_runs=3 if args.quick else 7, parts=gce_parts)
        rows.extend(suite.rows())
        settings.append(suite.settings())
    if "inventory" in chosen:
        from .suite_inventory import InventorySuite
        log("== gce inventory plugin over a large fleet, cold and cached")
        suite = InventorySuite(os.path.join(workdir, "inventory"), runs=2 if args.quick else 5, log=log)
        rows.extend(suite.rows())
        settings.append(suite.settings())
    for name in ("verify", "harden"):
        if name not in chosen:
            continue
        from .suite_hosts import HostSuite, unavailable
        reason = unavailable()
        if reason:
            rows.extend(HostSuite.skipped_rows(name, reason))
            continue
        log("== role %s on test hosts" % name)
        suite = HostSuite(os.path.join(workdir, name), quick=args.quick, log=log)
        rows.extend(suite.rows(name))
        settings.append(suite.settings(name))
    if "attest" in chosen:
        from .suite_attest import AttestSuite
        log("== attestation: verify attesting test hosts vs ping; quote_verify batch vs one per process")
        suite = AttestSuite(os.path.join(workdir, "attest"), quick=args.quick, log=log)
        rows.extend(suite.rows())
        settings.append(suite.settings())
    described["load_at_end"] = machine.load_average()
    described["finished"] = machine.now()
    print()
    print(report.text_table(rows))
    print()
    print(report.spreads(rows))
    if report.notes(rows):
        print()
        print(report.notes(rows))
    print()
    if args.quick or args.no_write:
        log("make bench: %s not written (%s)" % (DOCUMENT, "--quick" if args.quick else "--no-write"))
    else:
        report.write_document(DOCUMENT, rows, described, "; ".join(settings))
        log("make bench: table written to %s" % DOCUMENT)
    missed = [row.work for row in rows if row.met is False]
    if missed:
        log("make bench: target missed: %s (see docs/performance.md)" % "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
