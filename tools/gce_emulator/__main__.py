"""Command line: ``python -m tools.gce_emulator --port 0`` prints the base URL, then serves.

Run it from the repository's root with a Python that has ``cryptography``
(the repository's ``.venv``), or from ``tools/`` as ``python -m gce_emulator``.
It serves until SIGTERM or SIGINT.
"""

import argparse
import signal
import sys
import threading

from .backing import GOOGLE_VARIANT, KINDS, BackingUnavailable
from .schema import SchemaError
from .server import EmulatorServer
from .service_account import write_service_account_file


def _quota(text):
    region, sep, cpus = text.partition("=")
    if not sep or not cpus.isdigit():
        raise argparse.ArgumentTypeError("expected REGION=VCPUS, e.g. us-central1=24")
    return region, int(cpus)


def main(argv=None):
    # "python -m tools.gce_emulator" or "python -m gce_emulator": the name it was started by.
    parser = argparse.ArgumentParser(
        prog="python -m %s" % (__package__ or "gce_emulator"),
        description="Local Compute Engine API emulator that enforces Google's TDX rules.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default 0)")
    parser.add_argument("--operation-seconds", type=float, default=1.0,
                        help="how long each write operation takes to reach DONE (default 1.0)")
    parser.add_argument("--stocked-out-zone", action="append", default=[], metavar="ZONE",
                        help="inserts in this zone fail with ZONE_RESOURCE_POOL_EXHAUSTED (repeatable)")
    parser.add_argument("--cpu-quota", action="append", default=[], type=_quota, metavar="REGION=VCPUS",
                        help="per-region vCPU quota; more fails with QUOTA_EXCEEDED (repeatable)")
    parser.add_argument("--write-service-account", metavar="PATH",
                        help="make a fresh key pair, register it, and write a service-account JSON key file "
                             "whose token_uri points here (mode 0600)")
    parser.add_argument("--project", default="tdx-test-project",
                        help="project_id written into --write-service-account's file")
    parser.add_argument("--backing", choices=KINDS,
                        help="boot a real test host for every running instance (root; see docs/emulator.md)")
    parser.add_argument("--schema", nargs="?", const=True, default=None, metavar="DISCOVERY_JSON",
                        help="hold every API call and answer to Google's Compute v1 discovery document (the "
                             "installed google-api-python-client's, or the given file); calls that break it get "
                             "Google's 400, answers that break it are logged (admin schema_violations). "
                             "Default: GCE_EMULATOR_SCHEMA (1 = on)")
    parser.add_argument("--backing-variant", choices=[GOOGLE_VARIANT],
                        help="with --backing: test hosts with the real guest agent and OS Login, reached only "
                             "through metadata keys or OS Login (tools/testhosts/google.py)")
    parser.add_argument("--verbose", action="store_true", help="log each HTTP request to stderr")
    options = parser.parse_args(argv)

    settings = {}
    if options.stocked_out_zone:
        settings["stocked_out_zones"] = options.stocked_out_zone
    if options.cpu_quota:
        settings["cpu_quota"] = dict(options.cpu_quota)
    try:
        server = EmulatorServer(host=options.host, port=options.port, operation_seconds=options.operation_seconds,
                                verbose=options.verbose, backing=options.backing, schema=options.schema,
                                backing_variant=options.backing_variant, **settings)
    except (BackingUnavailable, SchemaError) as problem:
        print("%s: error: %s" % (parser.prog, problem), file=sys.stderr)
        return 2
    server.start()
    if options.write_service_account:
        write_service_account_file(server.admin, server.base_url, options.write_service_account, options.project)

    stopping = threading.Event()

    def request_stop(_signum, _frame):
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(server.base_url, flush=True)
    while not stopping.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
