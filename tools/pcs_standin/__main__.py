"""Command line: ``python -m tools.pcs_standin --collateral-dir DIR [--port N]``.

The first line on stdout is the base URL; it serves until SIGTERM or SIGINT.
"""

import argparse
import os
import signal
import sys
import threading

from .server import PcsStandin


def main(argv=None):
    parser = argparse.ArgumentParser(prog="pcs_standin",
                                     description="Local stand-in of Intel's PCS v4 / a PCCS (tests only).")
    parser.add_argument("--collateral-dir", required=True,
                        help="directory of QuoteCollateralV3 JSON files, one per FMSPC")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default 0)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.collateral_dir):
        parser.error("--collateral-dir %s is not a directory" % args.collateral_dir)
    try:
        standin = PcsStandin.from_directory(args.collateral_dir, host=args.host, port=args.port)
    except (ValueError, KeyError) as error:
        parser.error("--collateral-dir %s holds a file that is not QuoteCollateralV3 JSON: %s"
                     % (args.collateral_dir, error))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with standin:
        print(standin.url, flush=True)
        print("serving FMSPC %s" % ", ".join(standin.store.fmspcs()) if standin.store.fmspcs()
              else "serving no TCB info (empty directory)", file=sys.stderr, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
