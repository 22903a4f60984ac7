"""quote_verify's throughput in one process: quotes verified per second, the process start left out.

    python -m bench.quote_throughput PKI_DIR COLLATERAL_DIR COUNT   (run from tools/, on the core to measure)

Each quote is a test-PKI quote over its own report data, with the CCEL event
log of an Ubuntu boot (tdx_pki's ubuntu_boot_log, in a 64 KiB area as the
tsm stand-in serves it) whose replay gives the quote's RTMRs; each is
verified as the verify role's batch does it: signatures, collateral,
policy, freshness and the event-log replay, by one Verifier. The quotes are
built before the clock starts. Prints one JSON line, with dcap-qvl's own
verification of the same quotes timed alone beside it (the floor of the
whole: what the collection adds is the difference).
"""

import base64
import json
import secrets
import sys
import time

from tdx_pki import TdBody, TestPki, build_quote
from tdx_pki import eventlog as logs

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import roots
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import expectation
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import dcap_policy
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import policy_from
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier import Verifier

AREA_SIZE = 64 * 1024
WARM_UP = 20


def quotes(pki, count):
    boot = logs.ubuntu_boot_log()
    rtmrs = dict(("rtmr%d" % index, value) for index, value in enumerate(boot.rtmrs()))
    event_log = base64.b64encode(boot.to_bytes(AREA_SIZE)).decode()
    made = []
    for dummy in range(count):
        report_data = secrets.token_bytes(64)
        quote = build_quote(TdBody(report_data=report_data, **rtmrs), pki=pki)
        made.append((base64.b64encode(quote).decode(), expectation(report_data.hex(), None, None), event_log))
    return made


def dcap_alone(verifier, raws):
    """Seconds dcap-qvl's verify_with_policy takes for ``raws`` with the verifier's collateral and policy."""
    fmspc, ca, dummy, dummy, dummy = verifier.platform_of(raws[0])
    collateral = verifier.collateral_for(fmspc, ca).collateral
    at = timestamps.now()
    policy = dcap_policy(verifier.dcap, verifier.policy, at)
    started = time.perf_counter()
    for raw in raws:
        verifier._verifier.verify_with_policy(raw, collateral, at, policy)
    return time.perf_counter() - started


def main(argv):
    pki_dir, collateral_dir, count = argv[0], argv[1], int(argv[2])
    pki = TestPki.load(pki_dir)
    verifier = Verifier(roots.load_root(pki_dir + "/root.der"), policy_from(None), collateral_dir=collateral_dir)
    batch = quotes(pki, count + WARM_UP)
    for quote, report_data, event_log in batch[:WARM_UP]:
        verifier.verify(quote, report_data, event_log=event_log)
    started = time.perf_counter()
    refused = 0
    for quote, report_data, event_log in batch[WARM_UP:]:
        result = verifier.verify(quote, report_data, event_log=event_log)
        refused += not (result["verified"] and result["event_log"]["replayed"])
    seconds = time.perf_counter() - started
    dcap_seconds = dcap_alone(verifier, [base64.b64decode(quote) for quote, dummy, dummy in batch[WARM_UP:]])
    print(json.dumps({"quotes": count, "seconds": seconds, "per_second": count / seconds, "refused": refused,
                      "dcap_qvl_per_second": count / dcap_seconds}))
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
