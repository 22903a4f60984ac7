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
import signal
import stat
import subprocess

from ansible_collections.confidential.tdx.plugins.module_utils.harden import ssh_keys
from ansible_collections.confidential.tdx.plugins.module_utils.harden.ssh_keys import AUTHORIZED_KEY_LINE


TOOL_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
MAX_FILE_BYTES = 1024 * 1024
UNSET_LOGINUID = 4294967295
UNIT_PROPERTIES = ("Id", "LoadState", "ActiveState", "SubState", "UnitFileState")
# How long AuthorizedKeysCommand may take; sshd itself waits for ever, and a
# login would hang as long.
KEYS_COMMAND_SECONDS = 30
SSHD_CONFIG = "/etc/ssh/sshd_config"
# The sshd keywords that decide whether an account gets in, kept per account.
ACCESS_KEYWORDS = ("authorizedkeysfile", "authorizedkeyscommand", "authorizedkeyscommanduser", "trustedusercakeys",
                   "pubkeyauthentication", "passwordauthentication", "permitrootlogin", "allowusers", "denyusers",
                   "allowgroups", "denygroups", "authenticationmethods")

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
        path = ssh_keys.expand_tokens(token, {"h": home, "u": user, "U": str(uid)}, keep_unknown=True)
        if not path.startswith("/"):
            path = os.path.join(home, path)
        paths.append(os.path.normpath(path))
    return paths


def file_has_public_key(path):
    return bool(file_key_count(path))


def file_key_count(path):
    """Keys in an authorized keys file; 0 for a file that is missing or unreadable."""
    try:
        with open(path, "r", errors="replace") as handle:
            return sum(1 for line in handle if AUTHORIZED_KEY_LINE.match(line))
    except (IOError, OSError):
        return 0


def path_chain(path):
    """(path, stat) for a program (its target, if a link) and each directory above it, as sshd checks them."""
    real = os.path.realpath(path)
    chain = []
    current = real
    while True:
        try:
            chain.append((current, os.stat(current)))
        except (IOError, OSError):
            chain.append((current, None))
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return chain


def run_keys_command(argv, runas, timeout=KEYS_COMMAND_SECONDS):
    """(keys, note): run AuthorizedKeysCommand as sshd does and count the keys it prints.

    As sshd: as ``runas`` (a pwd entry) with its groups, standard input from
    /dev/null, an environment of PATH, USER, LOGNAME, HOME (and LANG), and
    its output counted only when it exits with 0. ``keys`` is None when the
    answer is unknown (it timed out, or this process cannot become ``runas``).
    """
    switch = os.geteuid() != runas.pw_uid
    if switch and os.geteuid() != 0:
        return None, "not run: only root can run it as %s" % runas.pw_name
    environment = {"PATH": ssh_keys.COMMAND_PATH, "USER": runas.pw_name, "LOGNAME": runas.pw_name,
                   "HOME": runas.pw_dir}
    if os.environ.get("LANG"):
        environment["LANG"] = os.environ["LANG"]

    def become_runas():
        os.setgid(runas.pw_gid)
        os.initgroups(runas.pw_name, runas.pw_gid)
        os.setuid(runas.pw_uid)

    # subprocess rather than AnsibleModule.run_command: that has neither a
    # timeout nor a way to run the child as another user. The child leads a
    # process group of its own, so that a timeout also ends what it started
    # (which would otherwise keep its output open).
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=environment, cwd="/", start_new_session=True,
                                   preexec_fn=become_runas if switch else None)
    except (IOError, OSError) as problem:
        return 0, "sshd could not run it either: %s" % problem
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, "it did not finish within %d s (a login would wait as long)" % timeout
    done = subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return 0, "it exited with code %d%s; sshd takes no key from a failed run" % (
            done.returncode, (": " + error[-1]) if error else "")
    return ssh_keys.count_keys(output), None


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
        client = ssh_keys.parse_ssh_connection(self.params["ssh_client"])
        state = {"installed": bool(sshd), "error": None, "effective": {}, "ports": [], "accounts": {},
                 "client": client}
        if not sshd:
            state["error"] = "sshd not found in %s" % ", ".join(TOOL_DIRS)
            return state
        accounts = []
        for name in [login_user] + list(self.params["ssh_accounts"]):
            if name and name not in accounts:
                accounts.append(name)
        candidate = self.params["sshd_candidate"]
        for index, name in enumerate(accounts):
            spec = ssh_keys.match_spec(name, client)
            effective, ports, error = self._sshd_effective(sshd, spec)
            if index == 0:
                state["effective"], state["ports"], state["error"] = effective, ports, error
            judged, judged_error, configuration = effective, error, "current"
            if candidate:
                judged, _ports, judged_error = self._sshd_effective(sshd, spec, candidate)
                configuration = "candidate"
                if judged_error:
                    judged, configuration = effective, "current"
            state["accounts"][name] = self._account_keys(name, judged, client)
            state["accounts"][name].update({
                "match": spec, "configuration": configuration, "error": judged_error,
                "sshd": dict((keyword, judged[keyword]) for keyword in ACCESS_KEYWORDS if keyword in judged)})
        return state

    def _sshd_effective(self, sshd, spec, candidate=None):
        """sshd -T for a login; with ``candidate``, of that text read ahead of the whole configuration.

        Read first, the candidate's values win (sshd keeps the first value of a
        keyword), as the drop-in's will once written; Match blocks still apply.
        """
        if candidate is None:
            rc, out, err = self.run([sshd, "-T", "-f", SSHD_CONFIG, "-C", spec])
        else:
            rc, out, err = self.module.run_command(
                [sshd, "-T", "-f", "/dev/stdin", "-C", spec], data="%s\nInclude %s\n" % (candidate, SSHD_CONFIG),
                environ_update={"LC_ALL": "C"})
        if rc != 0:
            return {}, [], (err or out).strip() or "sshd -T failed with code %d" % rc
        effective, ports = parse_sshd_test_output(out)
        return effective, ports, None

    def _account_keys(self, name, effective, client):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return {"exists": False, "home": None, "key_files": [], "key_files_with_keys": [], "key_sources": [],
                    "keys": 0}
        spec = effective.get("authorizedkeysfile", ".ssh/authorized_keys .ssh/authorized_keys2")
        files = expand_key_file_spec(spec, name, entry.pw_dir, entry.pw_uid)
        sources = [{"kind": "file", "source": path, "keys": file_key_count(path), "note": None} for path in files]
        command = self._keys_from_command(effective, entry, client)
        if command is not None:
            sources.append(command)
        return {
            "exists": True,
            "home": entry.pw_dir,
            "key_files": files,
            "key_files_with_keys": [source["source"] for source in sources
                                    if source["kind"] == "file" and source["keys"]],
            "key_sources": sources,
            "keys": sum(source["keys"] or 0 for source in sources),
        }

    @staticmethod
    def _keys_from_command(effective, entry, client):
        """AuthorizedKeysCommand as a key source of account ``entry``, or None when sshd has none."""
        command = effective.get("authorizedkeyscommand", "none")
        if not command or command.lower() == "none":
            return None
        runas_name = effective.get("authorizedkeyscommanduser", "none")
        source = {"kind": "command", "source": ssh_keys.describe_command(command, runas_name), "keys": 0,
                  "note": None}
        if runas_name.lower() == "none":
            source["note"] = "sshd skips it: AuthorizedKeysCommandUser is not set"
            return source
        # sshd expands %u in AuthorizedKeysCommandUser too (one account per user).
        runas_name = ssh_keys.expand_tokens(runas_name, {"u": entry.pw_name}, keep_unknown=True)
        try:
            runas = pwd.getpwnam(runas_name)
        except KeyError:
            source["note"] = "sshd skips it: its user %s does not exist" % runas_name
            return source
        values = ssh_keys.command_values(entry.pw_name, entry.pw_uid, entry.pw_dir, client)
        argv, reason, sshd_refuses = ssh_keys.command_argv(command, values)
        if argv is None:
            source["keys"], source["note"] = (0 if sshd_refuses else None), reason
            return source
        unsafe = ssh_keys.unsafe_path_reason(path_chain(argv[0]))
        if unsafe:
            source["note"] = "sshd refuses to run it: %s" % unsafe
            return source
        source["argv"] = argv
        source["keys"], source["note"] = run_keys_command(argv, runas)
        return source

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
