"""Start and stop real systemd test hosts (systemd-nspawn containers and a QEMU VM).

Cache: $TESTHOSTS_CACHE (default /var/tmp/confidential-tdx-testhosts).
State, key pair and running hosts: $TESTHOSTS_STATE (default
/run/confidential-tdx-testhosts). See docs/testing.md.
"""

import argparse
import json
import sys

from . import base, containers, google, prune, vm
from .errors import TesthostsError


def build_parser():
    parser = argparse.ArgumentParser(
        prog="testhosts", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("base", help="build the cached base root filesystem (idempotent); print its path")

    up = sub.add_parser("up", help="start containers in parallel, wait for SSH, write an inventory")
    up.add_argument("names", nargs="+", metavar="NAME")
    up.add_argument("--inventory", required=True, metavar="FILE", help="Ansible YAML inventory to write")
    up.add_argument("--group", metavar="GROUP", help="put the hosts in this inventory group")
    up.add_argument("--variant", choices=[google.VARIANT],
                    help="google: the real guest agent and OS Login, no test key (tools/testhosts/google.py)")
    up.add_argument("--tsm-standin", metavar="PKI_DIR",
                    help="give each host a configfs-tsm stand-in signing quotes with this test PKI "
                         "(default: $TESTHOSTS_TSM_STANDIN)")
    up.add_argument("--tsm-kernel", metavar="VERSION",
                    help="the kernel version the stand-in's event log says the hosts booted "
                         "(the Compute Engine emulator gives the instance's boot image)")

    down = sub.add_parser("down", help="halt containers and remove them (idempotent)")
    down.add_argument("names", nargs="*", metavar="NAME")
    down.add_argument("--all", action="store_true", help="every container and VM of this machine")

    sub.add_parser("vm-image", help="build the cached VM disk image (idempotent); print its folder")

    vm_up = sub.add_parser("vm-up", help="boot a full VM under QEMU, wait for SSH, write an inventory")
    vm_up.add_argument("name", metavar="NAME")
    vm_up.add_argument("--inventory", required=True, metavar="FILE", help="Ansible YAML inventory to write")

    vm_down = sub.add_parser("vm-down", help="stop VMs and drop their per-boot disks (idempotent)")
    vm_down.add_argument("names", nargs="+", metavar="NAME")

    sub.add_parser("prune", help="remove cached images of older package lists that no running host uses")

    listing = sub.add_parser("list", help="show the test hosts of this machine")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _print_listing(rows, as_json):
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        print("no test hosts")
        return
    print("%-20s %-10s %-18s %s" % ("NAME", "KIND", "ADDRESS", "STATE"))
    for row in rows:
        print("%-20s %-10s %-18s %s" % (row["name"], row["kind"], row["address"], row["state"]))


def run(args):
    if args.command == "base":
        print(base.ensure_base())
    elif args.command == "up":
        containers.up(args.names, args.inventory, args.group, args.variant, args.tsm_standin, args.tsm_kernel)
    elif args.command == "down":
        if args.all == bool(args.names):
            raise TesthostsError("down needs host names or --all, not both and not neither")
        if args.all:
            containers.down(containers.recorded_names())
            vm.vm_down(vm.recorded_names())
        else:
            containers.down(args.names)
    elif args.command == "vm-image":
        print(vm.ensure_image())
    elif args.command == "vm-up":
        vm.vm_up(args.name, args.inventory)
    elif args.command == "vm-down":
        vm.vm_down(args.names)
    elif args.command == "prune":
        prune.prune()
    elif args.command == "list":
        _print_listing(containers.listing() + vm.listing(), args.json)


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except TesthostsError as error:
        print("testhosts: error: %s" % error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("testhosts: interrupted", file=sys.stderr)
        return 130
    return 0
