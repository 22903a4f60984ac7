# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the harden role's internal reader (module harden_state) reads on the managed host.

Runs on the guest: Python 3.8+, standard library only. The parsers are pure
functions, so their unit tests need no host; HostState runs the few
commands (sshd -T, systemctl show, nft, auditctl) through the module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import hashlib
import os
import pwd
import re
import stat


TOOL_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
MAX_FILE_BYTES = 1024 * 1024
UNSET_LOGINUID = 4294967295
UNIT_PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "UnitFileState")

# A line of an authorized_keys file that carries a key: optional options, a key
# type, then base64 key material (which always starts with "AAAA").
AUTHORIZED_KEY_LINE = re.compile(
    r"^\s*(?:[^#\s].*\s)?"
    r"(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r"(?:-cert-v01@openssh\.com)?\s+AAAA"
)

FILE_TYPES = (
    (stat.S_ISLNK, "link"),
    (stat.S_ISDIR, "directory"),
    (stat.S_ISREG, "file"),
    (stat.S_ISCHR, "char"),
    (stat.S_ISBLK, "block"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "socket"),
)


def parse_sshd_test_output(text):
    """Keyword -> first value, and the listening ports, from ``sshd -T`` output."""
    effective = {}
    ports = []
    for line in text.splitlines():
        keyword, _sep, value = line.strip().partition(" ")
        if not keyword:
            continue
        keyword = keyword.lower()
        value = value.strip()
        if keyword == "port" and value.isdigit():
            ports.append(int(value))
        effective.setdefault(keyword, value)
    return effective, ports


def expand_key_file_spec(spec, user, home, uid):
    """The paths an AuthorizedKeysFile value names for one account (sshd_config(5) TOKENS)."""
    if not spec or spec.strip().lower() == "none":
        return []
    paths = []
    for token in spec.split():
        expanded = []
        index = 0
        while index < len(token):
            char = token[index]
            if char == "%" and index + 1 < len(token):
                code = token[index + 1]
                expanded.append({"%": "%", "h": home, "u": user, "U": str(uid)}.get(code, "%" + code))
                index += 2
                continue
            expanded.append(char)
            index += 1
        path = "".join(expanded)
        if not path.startswith("/"):
            path = os.path.join(home, path)
        paths.append(os.path.normpath(path))
    return paths


def file_has_public_key(path):
    try:
        with open(path, "r", errors="replace") as handle:
            return any(AUTHORIZED_KEY_LINE.match(line) for line in handle)
    except (IOError, OSError):
        return False


def parse_systemctl_show(text, names):
    """``systemctl show`` prints one block per unit, in the order asked."""
    blocks = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    units = {}
    for name, block in zip(names, blocks):
        props = {}
        for line in block.splitlines():
            key, _sep, value = line.partition("=")
            props[key] = value
        units[name] = {
            "load_state": props.get("LoadState", ""),
            "active_state": props.get("ActiveState", ""),
            "sub_state": props.get("SubState", ""),
            "unit_file_state": props.get("UnitFileState", ""),
        }
    return units


def parse_mountinfo(text, wanted):
    """Mount point -> source, type and per-mount options; the last mount on a point wins."""
    found = dict((point, None) for point in wanted)
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        separator = fields.index("-")
        if len(fields) < separator + 3 or len(fields) < 6:
            continue
        point = fields[4].replace("\\040", " ")
        if point in found:
            found[point] = {
                "source": fields[separator + 2],
                "fstype": fields[separator + 1],
                "options": fields[5].split(","),
            }
    return found


def parse_proc_swaps(text):
    swaps = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            swaps.append({"name": fields[0].replace("\\040", " "), "type": fields[1]})
    return swaps


def parse_fstab_swaps(text):
    """Swap entries of an fstab that are in force (not commented out)."""
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
            entries.append({"name": fields[0], "line": line})
    return entries


def resolve_fstab_device(spec):
    for prefix, directory in (("UUID=", "/dev/disk/by-uuid/"), ("LABEL=", "/dev/disk/by-label/"),
                              ("PARTUUID=", "/dev/disk/by-partuuid/"), ("PARTLABEL=", "/dev/disk/by-partlabel/")):
        if spec.startswith(prefix):
            return os.path.realpath(directory + spec[len(prefix):])
    return os.path.realpath(spec)


def is_dm_crypt(device, sys_block="/sys/block"):
    """A swap device is encrypted when it is a dm-crypt mapping (its dm uuid starts with CRYPT-)."""
    name = os.path.basename(os.path.realpath(device))
    try:
        with open(os.path.join(sys_block, name, "dm", "uuid")) as handle:
            return handle.read().strip().startswith("CRYPT-")
    except (IOError, OSError):
        return False


def file_sha1(path):
    if not os.path.isfile(path):
        return None
    digest = hashlib.sha1()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(65536), b""):
                digest.update(block)
    except (IOError, OSError):
        return None
    return digest.hexdigest()


def read_text(path, limit=MAX_FILE_BYTES):
    try:
        with open(path, "r", errors="replace") as handle:
            return handle.read(limit)
    except (IOError, OSError):
        return None


class HostState(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params

    def run(self, argv):
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C", "SYSTEMD_PAGER": ""})
        return rc, out, err

    def program(self, name):
        for directory in TOOL_DIRS:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
        return None

    def login_user(self):
        if self.params["login_user"]:
            return self.params["login_user"], "option"
        for variable in ("SUDO_USER", "DOAS_USER"):
            if os.environ.get(variable):
                return os.environ[variable], variable
        loginuid = read_text("/proc/self/loginuid")
        if loginuid and loginuid.strip().isdigit() and int(loginuid) != UNSET_LOGINUID:
            name = account_name(pwd.getpwuid, int(loginuid))
            if name is not None:
                return name, "loginuid"
        name = account_name(pwd.getpwuid, os.geteuid())
        return (name, "process") if name is not None else (None, None)

    def container(self):
        detect = self.program("systemd-detect-virt")
        if detect:
            _rc, out, _err = self.run([detect, "--container"])
            value = out.strip()
            return "" if value in ("", "none") else value
        marker = read_text("/run/systemd/container")
        if marker is not None:
            return marker.strip()
        return None

    def units(self):
        names = self.params["units"]
        if not names:
            return {}, None
        systemctl = self.program("systemctl")
        if not systemctl:
            return {}, "systemctl not found"
        argv = [systemctl, "show", "--property=" + ",".join(UNIT_PROPERTIES), "--"] + list(names)
        rc, out, err = self.run(argv)
        if rc != 0:
            return {}, (err or out).strip() or "systemctl show failed with code %d" % rc
        return parse_systemctl_show(out, names), None

    def sysctl(self):
        values = {}
        for key in self.params["sysctl"]:
            text = read_text("/proc/sys/" + key.replace(".", "/"))
            values[key] = None if text is None else " ".join(text.split())
        return values

    def paths(self):
        described = {}
        for path in self.params["paths"]:
            try:
                info = os.lstat(path)
            except (IOError, OSError):
                described[path] = {"exists": False}
                continue
            kind = next((name for test, name in FILE_TYPES if test(info.st_mode)), "other")
            described[path] = {
                "exists": True,
                "type": kind,
                "mode": "%04o" % stat.S_IMODE(info.st_mode),
                "uid": info.st_uid,
                "gid": info.st_gid,
                "owner": account_name(pwd.getpwuid, info.st_uid),
                "group": account_name(grp.getgrgid, info.st_gid),
            }
        return described

    def swap(self):
        active = parse_proc_swaps(read_text("/proc/swaps") or "")
        for entry in active:
            entry["encrypted"] = entry["type"] == "partition" and is_dm_crypt(entry["name"])
        fstab = parse_fstab_swaps(read_text("/etc/fstab") or "")
        for entry in fstab:
            entry["encrypted"] = is_dm_crypt(resolve_fstab_device(entry["name"]))
        return {"active": active, "fstab": fstab}

    def ssh(self, login_user):
        sshd = self.program("sshd")
        state = {"installed": bool(sshd), "error": None, "effective": {}, "ports": [], "accounts": {}}
        if not sshd:
            state["error"] = "sshd not found in %s" % ", ".join(TOOL_DIRS)
            return state
        accounts = []
        for name in [login_user] + list(self.params["ssh_accounts"]):
            if name and name not in accounts:
                accounts.append(name)
        for index, name in enumerate(accounts):
            effective, ports, error = self._sshd_effective(sshd, name)
            if index == 0:
                state["effective"], state["ports"], state["error"] = effective, ports, error
            state["accounts"][name] = self._account_keys(name, effective)
        return state

    def _sshd_effective(self, sshd, user):
        argv = [sshd, "-T", "-C", "user=%s,host=localhost,addr=127.0.0.1" % user]
        rc, out, err = self.run(argv)
        if rc != 0:
            return {}, [], (err or out).strip() or "sshd -T failed with code %d" % rc
        effective, ports = parse_sshd_test_output(out)
        return effective, ports, None

    def _account_keys(self, name, effective):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return {"exists": False, "home": None, "key_files": [], "key_files_with_keys": []}
        spec = effective.get("authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2")
        files = expand_key_file_spec(spec, name, entry.pw_dir, entry.pw_uid)
        return {
            "exists": True,
            "home": entry.pw_dir,
            "key_files": files,
            "key_files_with_keys": [path for path in files if file_has_public_key(path)],
        }

    def audit(self):
        auditctl = self.program("auditctl")
        if not auditctl:
            return {"rules": [], "error": "auditctl not found"}
        rc, out, err = self.run([auditctl, "-l"])
        if rc != 0:
            return {"rules": [], "error": (err or out).strip() or "auditctl -l failed with code %d" % rc}
        rules = [line.strip() for line in out.splitlines() if line.strip() and line.strip() != "No rules"]
        return {"rules": rules, "error": None}

    def nft(self):
        wanted = self.params["nft_tables"]
        nft = self.program("nft")
        if not nft:
            return {"tables": dict((name, False) for name in wanted), "error": "nft not found"}
        rc, out, err = self.run([nft, "list", "tables"])
        if rc != 0:
            return {"tables": dict((name, False) for name in wanted),
                    "error": (err or out).strip() or "nft list tables failed with code %d" % rc}
        present = set(" ".join(line.split()[1:3]) for line in out.splitlines() if line.startswith("table "))
        return {"tables": dict((name, " ".join(name.split()) in present) for name in wanted), "error": None}

    def apparmor(self):
        enabled = (read_text("/sys/module/apparmor/parameters/enabled") or "").strip() == "Y"
        listing = read_text("/sys/kernel/security/apparmor/profiles")
        profiles = {}
        error = None
        if listing is None:
            error = "cannot read /sys/kernel/security/apparmor/profiles (securityfs not mounted, or not root)"
        else:
            for line in listing.splitlines():
                match = re.match(r"^(.*) \((\w+)\)\s*$", line)
                if match:
                    profiles[match.group(1)] = match.group(2)
        return {"enabled": enabled, "profiles": profiles, "error": error if enabled else None}


def account_name(lookup, number):
    """The name ``pwd.getpwuid`` or ``grp.getgrgid`` gives a numeric id, or None for an id without an entry."""
    try:
        return lookup(number)[0]
    except KeyError:
        return None


def gather(module):
    params = module.params
    host = HostState(module)
    login_user, login_source = host.login_user()
    units, units_error = host.units()
    state = {
        "check_mode": module.check_mode,
        "root": os.geteuid() == 0,
        "login_user": login_user,
        "login_user_source": login_source,
        "container": host.container(),
        "programs": dict((name, host.program(name)) for name in params["programs"]),
        "units": units,
        "units_error": units_error,
        "sysctl": host.sysctl(),
        "paths": host.paths(),
        "files": dict((path, read_text(path)) for path in params["files"]),
        "checksums": dict((path, file_sha1(path)) for path in params["checksums"]),
        "mounts": parse_mountinfo(read_text("/proc/self/mountinfo") or "", params["mounts"]) if params["mounts"] else {},
        "swap": host.swap() if params["swap"] else {},
        "ssh": host.ssh(login_user) if params["sshd"] else {},
        "audit": host.audit() if params["audit_rules"] else {},
        "nft": host.nft() if params["nft_tables"] else {},
        "apparmor": host.apparmor() if params["apparmor"] else {},
    }
    return state
