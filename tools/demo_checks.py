"""make demo's verdict on itself: it passes only when its report shows what the demo claims.

    python3 tools/demo_checks.py verdicts REPORT_DIR HOST=VERDICT[:REASON]...  # each HOST's report has VERDICT
    python3 tools/demo_checks.py refused REVERIFY_LOG HOST...         # reverify refused each HOST against Intel's root

VERDICT is one of the verify role's: attested, platform only, test root,
refused; each host has its own, so a demo host made to fail (an altered
event log: refused) sits beside the test-root ones. With :REASON, one of
the host's verdict reasons must contain REASON (refused for that cause,
not for another). Each prints a line per
host and exits non-zero, naming the hosts, when one is missing or says
otherwise. Standard library only: it runs with the demo's own venv, before
anything else is installed.
"""

import glob
import json
import os
import re
import sys

# How confidential.tdx.reverify reports a host whose archived quote does not verify to Intel's pinned root.
REFUSED_AGAINST_INTEL = "then REFUSED: certificate chain"
# The verify role's verdicts (plugins/module_utils/attestation/verdict.py), as the reports show them.
VERDICT_WORDS = {"attested": "attested", "platform only": "platform only", "test root": "TEST ROOT",
                 "refused": "refused"}


class UsageError(ValueError):
    pass


def expectations(arguments):
    """{host: (expected verdict, a text one of its reasons must contain, or None)} from HOST=VERDICT[:REASON]."""
    expected = {}
    for argument in arguments:
        host, sep, wanted = argument.partition("=")
        verdict, dummy, reason = wanted.partition(":")
        if not sep or verdict not in VERDICT_WORDS:
            raise UsageError("%s: give HOST=VERDICT[:REASON], VERDICT one of %s"
                             % (argument, ", ".join(VERDICT_WORDS)))
        expected[host] = (verdict, reason.strip() or None)
    return expected


def verdict_lines(directory, expected):
    """(a line per host report, the expected hosts whose report is missing or has another verdict)."""
    lines, found, reasons = [], {}, {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as handle:
            report = json.load(handle)
        if "attestation" not in report:
            continue  # the fleet summary, not a host
        verdict = report.get("verdict")
        found[report["host"]] = verdict
        reasons[report["host"]] = report.get("verdict_reasons") or []
        evidence = report["attestation"]
        said = VERDICT_WORDS.get(verdict, "no verdict")
        if verdict != "attested":
            said += ": " + "; ".join((report.get("verdict_reasons") or report.get("failures") or ["?"])[:1])
        lines.append("%-12s %s (root %s..., TCB %s, advisories %s, nonce %s...)" % (
            report["host"], said, (evidence.get("root") or "?")[:16], report["tcb_status"],
            ", ".join(report["advisory_ids"]) or "none", (evidence.get("nonce") or "?")[:16]))
    failing = []
    for host, (verdict, reason) in expected.items():
        if found.get(host) != verdict:
            failing.append("%s (expected %s, got %s)" % (
                host, VERDICT_WORDS[verdict], VERDICT_WORDS.get(found.get(host), found.get(host) or "no report")))
        elif reason and not any(reason in line for line in reasons.get(host, [])):
            failing.append("%s (%s, but no reason says %r)" % (host, VERDICT_WORDS[verdict], reason))
    return lines, failing


def refusal_lines(log_text, hosts):
    """(reverify's line of each host, the hosts whose line is missing or does not say refused against Intel's root)."""
    said = {}
    for message in re.findall(r'"msg": "([^"]*)"', log_text):
        said.setdefault(message.split(":", 1)[0], message)
    lines = [said[host] for host in hosts if host in said]
    not_refused = [host for host in hosts if REFUSED_AGAINST_INTEL not in said.get(host, "")]
    return lines, not_refused


def main(argv):
    if len(argv) < 3 or argv[0] not in ("verdicts", "refused"):
        sys.stderr.write(__doc__)
        return 2
    what, source, hosts = argv[0], argv[1], argv[2:]
    if what == "verdicts":
        try:
            expected = expectations(hosts)
        except UsageError as exc:
            sys.stderr.write("make demo: %s\n" % exc)
            return 2
        lines, failing = verdict_lines(source, expected)
        problem = "not the verdict the demo expects: %s (see %s)"
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
