"""make demo's verdict on itself: it passes only when its report shows what the demo claims.

    python3 tools/demo_checks.py attested REPORT_DIR HOST...   # each HOST's verify report says attested
    python3 tools/demo_checks.py refused REVERIFY_LOG HOST...  # reverify refused each HOST against Intel's root

Each prints a line per host and exits non-zero, naming the hosts, when one
is missing or says otherwise. Standard library only: it runs with the
demo's own venv, before anything else is installed.
"""

import glob
import json
import os
import re
import sys

# How confidential.tdx.reverify reports a host whose archived quote does not verify to Intel's pinned root.
REFUSED_AGAINST_INTEL = "then REFUSED: certificate chain"


def attestation_lines(directory, hosts):
    """(a line per report of an attested-or-not host, the expected hosts not attested)."""
    lines, attested = [], set()
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as handle:
            report = json.load(handle)
        if "attestation" not in report:
            continue  # the fleet summary, not a host
        if report["attested"]:
            attested.add(report["host"])
        evidence = report["attestation"]
        verdict = "attested" if report["attested"] else "NOT attested: " + "; ".join(report["failures"][:1])
        lines.append("%-12s %s (root %s..., TCB %s, advisories %s, nonce %s...)" % (
            report["host"], verdict, (evidence.get("root") or "?")[:16], report["tcb_status"],
            ", ".join(report["advisory_ids"]) or "none", evidence["nonce"][:16]))
    return lines, sorted(set(hosts) - attested)


def refusal_lines(log_text, hosts):
    """(reverify's line of each host, the hosts whose line is missing or does not say refused against Intel's root)."""
    said = {}
    for message in re.findall(r'"msg": "([^"]*)"', log_text):
        said.setdefault(message.split(":", 1)[0], message)
    lines = [said[host] for host in hosts if host in said]
    not_refused = [host for host in hosts if REFUSED_AGAINST_INTEL not in said.get(host, "")]
    return lines, not_refused


def main(argv):
    if len(argv) < 3 or argv[0] not in ("attested", "refused"):
        sys.stderr.write(__doc__)
        return 2
    what, source, hosts = argv[0], argv[1], argv[2:]
    if what == "attested":
        lines, failing = attestation_lines(source, hosts)
        problem = "not attested to the test root: %s (see %s)"
    else:
        with open(source) as handle:
            lines, failing = refusal_lines(handle.read(), hosts)
        problem = "the test PKI's evidence was not refused against Intel's root for %s (see %s)"
    for line in lines:
        print(line)
    if failing:
        sys.stderr.write("make demo: " + problem % (", ".join(failing), source) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
