"""``python -m tools.tsm_standin``: serve one host's report directory, or switch its replay.

    python -m tools.tsm_standin serve --control DIR --mountpoint DIR
    python -m tools.tsm_standin replay --control DIR on|off
    python -m tools.tsm_standin eventlog --control DIR genuine|altered

``tools/testhosts`` runs ``serve`` for a host started with ``--tsm-standin``;
see docs/testing.md.
"""

import argparse
import os
import sys

# tools/ on the path: the test PKI is imported as `tdx_pki`, as its README says.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from . import control  # noqa: E402  (needs the path above)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m tools.tsm_standin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="mount the report directory on MOUNTPOINT (foreground) and answer quotes")
    serve.add_argument("--control", required=True, metavar="DIR", help="the host's control folder (config.json)")
    serve.add_argument("--mountpoint", required=True, metavar="DIR")
    replay = sub.add_parser("replay", help="answer every request with the last quote served (on) or sign fresh ones (off)")
    replay.add_argument("--control", required=True, metavar="DIR")
    replay.add_argument("state", choices=["on", "off"])
    log = sub.add_parser("eventlog", help="show the event log of the boot the quotes measure (genuine) or one "
                                          "altered so it no longer replays to them (altered)")
    log.add_argument("--control", required=True, metavar="DIR")
    log.add_argument("state", choices=["genuine", "altered"])
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command == "replay":
            control.set_replay(args.control, args.state == "on")
            return 0
        if args.command == "eventlog":
            from . import eventlog

            control.read_config(args.control)  # refuse a folder that is no stand-in's
            eventlog.write(args.control, altered=args.state == "altered")
            return 0
        # Imported here: `replay` must work without mfusepy or the PKI.
        import mfusepy

        from .answers import QuoteAnswer
        from .filesystem import TsmReportFilesystem

        answer = QuoteAnswer(args.control)
        os.makedirs(args.mountpoint, exist_ok=True)
        # allow_other: the container's root reaches the file system through a
        # bind mount, from another mount namespace than the daemon's.
        mfusepy.FUSE(TsmReportFilesystem(answer), args.mountpoint, foreground=True, raw_fi=True,
                     allow_other=True, fsname="tsm-standin")
    except control.ControlError as error:
        print("tsm_standin: error: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
