"""Command line: build a test PKI into a directory, then sign quotes and collateral with it.

    python -m tools.tdx_pki init DIR [--names test|intel] [--fmspc F] [--ca platform|processor]
    python -m tools.tdx_pki collateral DIR --out FILE [--status S] [--now ISO] ...
    python -m tools.tdx_pki quote DIR [--report-data HEX | --report-data-file PATH|-] [--body JSON] --out FILE|-
    python -m tools.tdx_pki tdreport [--attributes NUMBER] OUT

(With tools/ on PYTHONPATH, ``python -m tdx_pki`` is the same.)
"""

import argparse
import datetime
import json
import os
import sys

from .collateral import MODULE_STATUSES, QE_STATUSES, STATUSES, build_collateral
from .pki import INTEL_NAMES, TEST_NAMES, Platform, TestPki
from .quote import TdBody, build_quote
from .unsigned import tdreport


def _moment(text):
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError("expected an ISO 8601 time such as 2026-03-01T00:00:00Z, got %r" % text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _serial(text):
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a serial number (decimal or 0x hex), got %r" % text)


def _attributes(text):
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value < 1 << 64:
        raise argparse.ArgumentTypeError("expected TD attributes as a u64 (decimal or 0x hex), got %r" % text)
    return value


def _platform(pki):
    # The platform of the PCK leaf saved with the PKI.
    return (pki.platforms() or [Platform()])[0]


def _write(path, data):
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with open(path, "wb") as handle:
        handle.write(data)


def cmd_init(args):
    platform = Platform(fmspc=args.fmspc, ca=args.ca)
    pki = TestPki.build(names=INTEL_NAMES if args.names == "intel" else TEST_NAMES)
    pki.save(args.directory, platform)
    print("wrote a %s PKI to %s (root SHA-256 %s)" % (args.names, args.directory, pki.root_sha256))
    return 0


def cmd_collateral(args):
    pki = TestPki.load(args.directory)
    collateral = build_collateral(
        pki, _platform(pki), status=args.status, module_status=args.module_status, qe_status=args.qe_status,
        fmspc=args.tcb_fmspc, now=args.now, issue_date=args.issue_date, next_update=args.next_update,
        revoked_pck=args.revoked_pck, tcb_evaluation_data_number=args.tcb_evaluation_data_number)
    _write(args.out, collateral.to_json().encode() + b"\n")
    return 0


def cmd_quote(args):
    pki = TestPki.load(args.directory)
    fields = {}
    if args.body:
        with open(args.body) as handle:
            fields = json.load(handle)
    if args.report_data is not None:
        fields["report_data"] = args.report_data
    elif args.report_data_file is not None:
        if args.report_data_file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(args.report_data_file, "rb") as handle:
                data = handle.read()
        if len(data) != 64:
            print("tdx_pki quote: --report-data-file must hold exactly 64 bytes, got %d" % len(data), file=sys.stderr)
            return 2
        fields["report_data"] = data
    try:
        body = TdBody(**fields)
    except (TypeError, ValueError) as error:
        print("tdx_pki quote: bad TD body field: %s" % error, file=sys.stderr)
        return 2
    _write(args.out, build_quote(body, pki=pki, platform=_platform(pki), version=args.version, tdx15=args.tdx15))
    return 0


def cmd_tdreport(args):
    _write(args.output, tdreport(td_attributes=args.attributes)[0])
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tdx_pki",
                                     description="Test PKI and signer for TDX attestation (tests only).")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="build a PKI with a PCK leaf and an attestation key into DIR")
    init.add_argument("directory")
    init.add_argument("--names", choices=("test", "intel"), default="test",
                      help="'intel' copies Intel's subject names with other keys (a look-alike)")
    init.add_argument("--fmspc", default="B0C06F000000")
    init.add_argument("--ca", choices=("platform", "processor"), default="platform")
    init.set_defaults(func=cmd_init)

    collateral = commands.add_parser("collateral", help="write QuoteCollateralV3 JSON for the PKI's platform")
    collateral.add_argument("directory")
    collateral.add_argument("--out", required=True, help="file, or - for stdout")
    collateral.add_argument("--status", choices=STATUSES, default="UpToDate")
    collateral.add_argument("--module-status", choices=MODULE_STATUSES, default="UpToDate")
    collateral.add_argument("--qe-status", choices=QE_STATUSES, default="UpToDate")
    collateral.add_argument("--tcb-fmspc", help="write another FMSPC into the TCB info")
    collateral.add_argument("--now", type=_moment, help="default: the current time")
    collateral.add_argument("--issue-date", type=_moment, help="default: now minus a day")
    collateral.add_argument("--next-update", type=_moment, help="default: issue date plus 30 days")
    collateral.add_argument("--tcb-evaluation-data-number", type=int, default=17, metavar="N",
                            help="of the TCB info and QE identity; a higher one is a newer evaluation by Intel "
                                 "(default 17)")
    collateral.add_argument("--revoked-pck", type=_serial, action="append", default=[], metavar="SERIAL")
    collateral.set_defaults(func=cmd_collateral)

    quote = commands.add_parser("quote", help="sign a quote over a TD body")
    quote.add_argument("directory")
    quote.add_argument("--out", required=True, help="file, or - for stdout")
    source = quote.add_mutually_exclusive_group()
    source.add_argument("--report-data", help="64 bytes as hex")
    source.add_argument("--report-data-file", help="a file of 64 bytes, or - for stdin (like configfs-tsm inblob)")
    quote.add_argument("--body", help="JSON object of TdBody fields (hex strings; td_attributes/xfam may be ints)")
    quote.add_argument("--version", type=int, choices=(4, 5), default=4)
    quote.add_argument("--tdx15", action="store_true", help="v5 with a TD 1.5 body")
    quote.set_defaults(func=cmd_quote)

    report = commands.add_parser("tdreport", help="write a 1024-byte TDREPORT with a distinct value in every field "
                                                  "(no PKI: a TDREPORT is MACed by the CPU, not signed)")
    report.add_argument("--attributes", type=_attributes, default=0x10000000,
                        help="TD attributes as a number (0x10000000 = SEPT_VE_DISABLE, 0x1 = DEBUG)")
    report.add_argument("output", help="file, or - for stdout")
    report.set_defaults(func=cmd_tdreport)

    args = parser.parse_args(argv)
    if getattr(args, "directory", None) and args.command != "init" and not os.path.isdir(args.directory):
        parser.error("%s is not a directory; build one first with: tdx_pki init %s" % (args.directory, args.directory))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
