"""systemd-nspawn test hosts: real systemd and sshd on an overlay of the base."""

import concurrent.futures
import json
import os
import subprocess
import time
import uuid

from . import addressing, base, google, inside, inventory, settings, sshkeys, system, tsm
from .errors import TesthostsError

RECORD = "host.json"
NETWORK_FILE = "etc/systemd/network/10-testhosts-host0.network"


def hosts_dir():
    return os.path.join(settings.state_dir(), "hosts")


def host_dir(name):
    return os.path.join(hosts_dir(), name)


def nspawn_marker(machine):
    # /proc/PID/cmdline with NULs read as spaces: guards against a recycled pid.
    return "--machine=%s " % machine


def read_record(name):
    try:
        with open(os.path.join(host_dir(name), RECORD), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def write_record(record):
    path = os.path.join(host_dir(record["name"]), RECORD)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
    os.replace(path + ".tmp", path)


def is_running(record):
    return bool(record and record.get("machine")) and system.process_alive(
        record.get("pid"), nspawn_marker(record["machine"]))


def _owner_busy(record):
    """True while another testhosts process is still starting this host."""
    owner = record.get("owner")
    return owner != os.getpid() and system.process_alive(owner, "testhosts")


def recorded_names():
    if not os.path.isdir(hosts_dir()):
        return []
    return sorted(name for name in os.listdir(hosts_dir()) if os.path.isdir(host_dir(name)))


def _ip_addresses():
    return system.run(["ip", "-4", "-o", "addr", "show"], capture=True)


def _last_subnet_file():
    return os.path.join(settings.state_dir(), "last-subnet")


def _last_subnet():
    try:
        with open(_last_subnet_file(), encoding="utf-8") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return 0


def _remember_last_subnet(subnet):
    with open(_last_subnet_file(), "w", encoding="utf-8") as handle:
        handle.write("%d\n" % subnet)


def _reserve(names):
    """Claim a folder and a subnet for each host, clearing leftovers of crashed runs."""
    os.makedirs(hosts_dir(), mode=0o700, exist_ok=True)
    records = []
    with system.locked(os.path.join(settings.state_dir(), "hosts.lock"), "reserving addresses"):
        for name in names:
            old = read_record(name)
            if old and (is_running(old) or _owner_busy(old)):
                raise TesthostsError(
                    "host %s is already up (%s); run `testhosts down %s` first or choose another name"
                    % (name, old.get("address"), name)
                )
            if os.path.lexists(host_dir(name)):
                system.log("clearing leftovers of an earlier run of %s" % name)
                _clear(name, old)
        used = set()
        for other in recorded_names():
            record = read_record(other)
            if record and record.get("subnet"):
                used.add(record["subnet"])
        used |= addressing.subnets_in_use_on_machine(_ip_addresses())
        subnets = addressing.free_subnets(len(names), used, after=_last_subnet())
        _remember_last_subnet(subnets[-1])
        for name, subnet in zip(names, subnets):
            machine = addressing.machine_name(name)
            record = {
                "name": name,
                "kind": "container",
                "machine": machine,
                "veth": addressing.veth_name(machine),
                "subnet": subnet,
                "address": addressing.guest_address(subnet),
                "host_side_address": addressing.host_side_address(subnet),
                "owner": os.getpid(),
                "pid": None,
            }
            os.makedirs(host_dir(name), mode=0o700)
            write_record(record)
            records.append(record)
    return records


def _prepare_tree(record, rootfs, public_key):
    folder = host_dir(record["name"])
    upper, work, merged = (os.path.join(folder, part) for part in ("upper", "work", "merged"))
    for path in (upper, work, merged):
        os.makedirs(path, exist_ok=True)
    system.run(
        ["mount", "-t", "overlay", "overlay", "-o",
         "lowerdir=%s,upperdir=%s,workdir=%s" % (rootfs, upper, work), merged],
        capture=True,
    )
    name = record["name"]
    with open(os.path.join(merged, "etc/hostname"), "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
    with open(os.path.join(merged, "etc/hosts"), "a", encoding="utf-8") as handle:
        handle.write("127.0.1.1\t%s\n" % name)
    with open(os.path.join(merged, NETWORK_FILE), "w", encoding="utf-8") as handle:
        handle.write(addressing.networkd_config(record["address"]))
    if record.get("variant") == google.VARIANT:
        google.prepare_tree(merged)  # no test key: metadata keys and OS Login are the ways in
    else:
        sshkeys.install_authorized_key(merged, public_key)
    host_keys = sshkeys.generate_host_keys(merged)
    known_hosts = os.path.join(folder, "known_hosts")
    with open(known_hosts, "w", encoding="utf-8") as handle:
        handle.write(sshkeys.known_hosts_text(record["address"], None, host_keys))
    return merged, known_hosts


def _spawn(record, merged):
    folder = host_dir(record["name"])
    veth = record["veth"]
    if system.link_exists(veth):  # a crashed run's veth would make nspawn fail
        system.run(["ip", "link", "delete", veth], check=False)
    # A fresh uuid per start becomes the machine-id (the base's is empty) and
    # lets `down` find the container's init even if nspawn itself was killed.
    record["uuid"] = str(uuid.uuid4())
    argv = [
        "systemd-nspawn", "--register=no", "--keep-unit", "--uuid=%s" % record["uuid"],
        "--machine=%s" % record["machine"], "--boot", "--directory=%s" % merged,
        "--network-veth", "--console=pipe", "--link-journal=no", "--resolv-conf=off",
    ] + tsm.nspawn_arguments(record)
    with open(os.path.join(folder, "console.log"), "ab") as console:
        # Its own session and no terminal: the host must outlive this command.
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    record["pid"] = process.pid
    record["started"] = time.time()
    write_record(record)
    deadline = time.monotonic() + 30
    while not system.link_exists(veth):
        if process.poll() is not None or time.monotonic() > deadline:
            raise TesthostsError(
                "systemd-nspawn for %s exited before creating %s; console:\n%s"
                % (record["name"], veth, system.tail(os.path.join(folder, "console.log")))
            )
        time.sleep(0.1)
    system.run(["ip", "address", "add", addressing.with_prefix(record["host_side_address"]), "dev", veth],
               capture=True)
    system.run(["ip", "link", "set", veth, "up"], capture=True)


def _start_one(record, rootfs, private_key, public_key, tsm_pki_dir=None, tsm_kernel=None):
    started = time.monotonic()
    merged, known_hosts = _prepare_tree(record, rootfs, public_key)
    record["known_hosts"] = known_hosts
    if tsm_pki_dir:
        try:
            tsm.start(record, host_dir(record["name"]), tsm_pki_dir, tsm_kernel)
        finally:
            write_record(record)  # `down` stops the daemon even if it never mounted
    _spawn(record, merged)
    what = "host %s" % record["name"]
    if record.get("variant") == google.VARIANT:
        google.wait_for_sshd(record["address"], private_key, known_hosts, settings.SSH_READY_TIMEOUT,
                             still_running=lambda: is_running(record), what=what)
        # No test key gets in here, so the end of the boot is read from inside.
        state, failed = inside.wait_for_boot(
            record, max(10, settings.SSH_READY_TIMEOUT - (time.monotonic() - started)), what)
    else:
        state, failed = sshkeys.wait_for_login(
            record["address"], private_key, known_hosts, settings.SSH_READY_TIMEOUT,
            still_running=lambda: is_running(record), what=what,
        )
    # After the boot: systemd has set up the container's /sys by then.
    tsm.mount_in_container(record)
    record["ready_seconds"] = round(time.monotonic() - started, 1)
    record["boot_state"] = state
    record["owner"] = None
    write_record(record)
    note = "" if state == "running" else " (%s; failed units: %s)" % (state, ", ".join(failed) or "none")
    system.log("%s ready at %s in %.1f s%s" % (record["name"], record["address"], record["ready_seconds"], note))
    return record


def inventory_vars(record, private_key):
    host_vars = inventory.host_vars("container", record["address"], private_key, record["known_hosts"])
    if record.get("tsm_standin"):
        # Where a test switches the host's stand-in (replay, measurements).
        host_vars["testhost_tsm_standin"] = record["tsm_standin"]["control"]
    return host_vars


def write_inventory(path, hosts, group):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(inventory.render(hosts, group))
    os.replace(path + ".tmp", path)


def up(names, inventory_path, group=None, variant=None, tsm_pki_dir=None, tsm_kernel=None):
    """Start the named containers; with ``tsm_pki_dir`` (or $TESTHOSTS_TSM_STANDIN) each gets a tsm stand-in.

    ``tsm_kernel``: the kernel version the stand-in's event log says each host booted.
    """
    system.require_root()
    tsm_pki_dir = tsm_pki_dir or os.environ.get(settings.TSM_STANDIN_ENV)
    if tsm_pki_dir:
        tsm_pki_dir = tsm.check_pki_dir(tsm_pki_dir)
    system.require_commands("systemd-nspawn", "ip", "ssh", "ssh-keygen", "mount")
    names = [addressing.validate_name(name) for name in names]
    if len(set(names)) != len(names):
        raise TesthostsError("a host name is given twice in %s; give each host once" % " ".join(names))
    rootfs = google.ensure_image() if variant == google.VARIANT else base.ensure_base()
    private_key, public_key = sshkeys.ensure_client_key()
    records = _reserve(names)
    for record in records:
        record["variant"] = variant
    errors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(records)) as pool:
        futures = {pool.submit(_start_one, record, rootfs, private_key, public_key, tsm_pki_dir, tsm_kernel): record
                   for record in records}
        for future in concurrent.futures.as_completed(futures):
            try:
                future.result()
            except TesthostsError as error:
                errors.append(str(error))
            except OSError as error:
                errors.append("%s: %s" % (futures[future]["name"], error))
    if errors:
        # All or nothing: a half-started set of hosts would be reused by mistake.
        down(names, quiet=True)
        raise TesthostsError("; ".join(errors))
    write_inventory(inventory_path, {r["name"]: inventory_vars(r, private_key) for r in records}, group)
    return records


def _clear(name, record):
    """Stop one host (clean halt, then force), drop its veth and overlay, remove its folder."""
    clean = True
    machine = (record or {}).get("machine") or addressing.machine_name(name)
    nspawn_pids = set(system.pids_with_cmdline(nspawn_marker(machine)))
    if record and record.get("pid"):
        nspawn_pids.add(record["pid"])
    for pid in sorted(nspawn_pids):
        # SIGTERM makes nspawn ask the container's systemd for a clean halt.
        clean = system.stop_process(pid, nspawn_marker(machine), settings.HALT_TIMEOUT,
                                    "host %s" % name) and clean
    if record and record.get("uuid"):
        for orphan in system.pids_with_environment("container_uuid=%s" % record["uuid"]):
            system.log("halting the orphaned init of %s (pid %d)" % (name, orphan))
            system.halt_container_init(orphan, settings.HALT_TIMEOUT)
            clean = False
    tsm.stop(record)
    if record and record.get("veth") and system.link_exists(record["veth"]):
        system.run(["ip", "link", "delete", record["veth"]], check=False)
    system.remove_tree(host_dir(name))
    return clean


def down(names, quiet=False):
    system.require_root()
    for name in names:
        addressing.validate_name(name)

    def stop(name):
        record = read_record(name)
        if not os.path.lexists(host_dir(name)):
            if not quiet:
                system.log("%s is not up" % name)
            return
        started = time.monotonic()
        clean = _clear(name, record)
        if not quiet:
            system.log("%s down in %.1f s%s" % (name, time.monotonic() - started,
                                                 "" if clean else " (forced)"))

    if not names:
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(names)) as pool:
        for future in [pool.submit(stop, name) for name in names]:
            future.result()


def listing():
    rows = []
    for name in recorded_names():
        record = read_record(name) or {"name": name}
        state = "running" if is_running(record) else ("starting" if record.get("owner") and
                                                        _owner_busy(record) else "stale")
        rows.append({"name": name, "kind": "container", "address": record.get("address", "-"),
                     "state": state, "machine": record.get("machine", "-"), "variant": record.get("variant"),
                     "init_pid": inside.container_init(record) if state == "running" else None})
    return rows
