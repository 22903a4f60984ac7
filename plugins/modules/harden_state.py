#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: harden_state
short_description: The harden role's internal state reader (one round trip per host)
version_added: 0.1.0
description:
  - Internal to the P(confidential.tdx.harden#role) role, not a general module; its options and its result are
    what that role's planner (M(confidential.tdx.harden_plan)) needs, and change with it.
  - Reads, without changing anything, the parts of a Linux host's state that the role needs to decide what to
    change, so that the role pays one round trip per host instead of one task per file, unit or setting.
  - Each part is read only when asked for. A part that cannot be read (a tool missing, no privilege, a kernel
    interface absent in a container) is returned with an C(error) text instead of failing the task.
  - The SSH part tells, for the account that logged in and for any other account named, which authorized key
    files C(sshd) would read (from its effective configuration, C(sshd -T)) and which of them hold a public key,
    so a caller can refuse to turn password logins off for an account that would be locked out.
author:
  - confidential.tdx maintainers (@confidential-tdx)
options:
  login_user:
    description:
      - The account that logged in over SSH.
      - When not given, the module takes C(SUDO_USER) or C(DOAS_USER) from its environment, then the audit login
        ID of its process (C(/proc/self/loginuid), kept across C(sudo) and C(su)), then the user it runs as.
    type: str
  sshd:
    description:
      - Read the effective C(sshd) configuration (C(sshd -T)) for O(login_user), and the authorized key files of
        O(login_user) and of every account in O(ssh_accounts).
    type: bool
    default: false
  ssh_accounts:
    description:
      - Further accounts whose authorized key files are read when O(sshd=true).
    type: list
    elements: str
    default: []
  units:
    description:
      - systemd units whose load, activity and enablement state are returned (one C(systemctl show) call).
    type: list
    elements: str
    default: []
  sysctl:
    description:
      - Kernel parameters (C(kernel.kptr_restrict) form) whose live values are read from C(/proc/sys).
    type: list
    elements: str
    default: []
  paths:
    description:
      - Paths whose type, mode, owner and group are returned (without following a final symbolic link).
    type: list
    elements: path
    default: []
  files:
    description:
      - Text files whose content is returned (up to 1 MiB each).
    type: list
    elements: path
    default: []
  checksums:
    description:
      - Files whose SHA-1 checksum is returned, so a caller can compare a rendered template with the file on the
        host without a round trip per file.
    type: list
    elements: path
    default: []
  programs:
    description:
      - Program names looked up in C(/usr/sbin), C(/usr/bin), C(/sbin) and C(/bin).
    type: list
    elements: str
    default: []
  mounts:
    description:
      - Mount points whose source, file system type and per-mount options are returned.
    type: list
    elements: path
    default: []
  swap:
    description:
      - Read the active swap areas and the swap entries of C(/etc/fstab), and tell for each whether it lies on
        a dm-crypt device.
    type: bool
    default: false
  audit_rules:
    description:
      - Return the audit rules loaded in the kernel (C(auditctl -l)).
    type: bool
    default: false
  nft_tables:
    description:
      - nftables tables, as C(family name), whose presence in the kernel is returned (one C(nft list tables)
        call).
    type: list
    elements: str
    default: []
  apparmor:
    description:
      - Return whether the kernel runs AppArmor and the mode of each loaded profile.
    type: bool
    default: false
extends_documentation_fragment:
  - confidential.tdx.attributes
  - confidential.tdx.attributes.guest
attributes:
  check_mode:
    support: full
    details: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
notes:
  - Run it with O(ignore:become=true); the audit rules, other accounts' key files and some C(/proc) entries
    need root.
seealso:
  - module: confidential.tdx.harden_plan
"""

EXAMPLES = r"""
- name: Read what the SSH lockout guard needs
  confidential.tdx.harden_state:
    sshd: true
    ssh_accounts: [deploy]
  become: true
  register: host_state

- name: Refuse to continue when the login account has no key
  ansible.builtin.assert:
    that: host_state.state.ssh.accounts[host_state.state.login_user].key_files_with_keys | length > 0

- name: Read units, live sysctls and swap in the same round trip
  confidential.tdx.harden_state:
    units: [kdump-tools.service, auditd.service]
    sysctl: [kernel.kptr_restrict, fs.suid_dumpable]
    swap: true
  become: true
  register: host_state
"""

RETURN = r"""
state:
  description: What was read. Only the parts asked for are filled in; the others are empty.
  returned: always
  type: dict
  contains:
    check_mode:
      description:
        - Whether the module ran in check mode. Also true when check mode was set on the task (C(check_mode=true)
          or C(apply) of an include), which the C(ansible_check_mode) variable does not show.
      type: bool
      sample: false
    root:
      description: Whether the module ran as root; most parts need it to be complete.
      type: bool
      sample: true
    login_user:
      description: The account that logged in (see O(login_user)), or V(null) when it cannot be told.
      type: str
      sample: tester
    login_user_source:
      description: Where RV(state.login_user) came from (C(option), C(SUDO_USER), C(DOAS_USER), C(loginuid),
        C(process)).
      type: str
      sample: SUDO_USER
    container:
      description:
        - The container technology the host runs in, as C(systemd-detect-virt --container) names it, or V("")
          on a machine with its own kernel. V(null) when it cannot be told.
      type: str
      sample: systemd-nspawn
    programs:
      description: Program name to its path, V(null) for a program not found.
      type: dict
      sample: {sshd: /usr/sbin/sshd, nft: null}
    units:
      description: Unit name to its C(load_state), C(active_state), C(sub_state) and C(unit_file_state)
        (an empty unit file state means the unit has no unit file, for example a generated one).
      type: dict
      sample: {auditd.service: {load_state: loaded, active_state: active, sub_state: running,
               unit_file_state: enabled}}
    units_error:
      description: Why the units could not be read, or V(null).
      type: str
    sysctl:
      description: Kernel parameter to its live value (whitespace collapsed), V(null) when the kernel lacks it.
      type: dict
      sample: {kernel.kptr_restrict: "1"}
    paths:
      description: Path to C(exists), C(type) (C(file), C(directory), C(link), C(char), C(block), C(fifo),
        C(socket)), C(mode) (four octal digits), C(owner), C(group), C(uid) and C(gid).
      type: dict
      sample: {/etc/shadow: {exists: true, type: file, mode: "0640", owner: root, group: shadow, uid: 0,
               gid: 42}}
    files:
      description: Path to the file's text, V(null) for a file that does not exist.
      type: dict
    checksums:
      description: Path to the SHA-1 checksum (hex) of the file's content, V(null) when it is not a readable
        regular file.
      type: dict
      sample: {/etc/sysctl.d/90-confidential-tdx-harden.conf: 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed}
    mounts:
      description: Mount point to C(source), C(fstype) and C(options) (list), V(null) when nothing is mounted
        there.
      type: dict
      sample: {/dev/shm: {source: tmpfs, fstype: tmpfs, options: [rw, nosuid, nodev]}}
    swap:
      description:
        - C(active), the swap areas in use, and C(fstab), the swap entries of C(/etc/fstab) that are not
          commented out; each with C(name) (the device or file), C(encrypted) (on a dm-crypt device) and, for
          fstab entries, C(line) (the line as written).
      type: dict
      sample: {active: [{name: /swapfile, type: file, encrypted: false}],
               fstab: [{name: /swapfile, encrypted: false, line: "/swapfile none swap sw 0 0"}]}
    ssh:
      description:
        - C(installed) (an C(sshd) program was found), C(error) (why C(sshd -T) failed, or V(null)),
          C(effective) (keyword to its first value as C(sshd -T) prints it for the login user, keywords in
          lower case), C(ports) (list of ports sshd listens on) and C(accounts).
        - C(accounts) maps each account to C(exists), C(home), C(key_files) (the files sshd would read) and
          C(key_files_with_keys) (those holding at least one public key).
      type: dict
    audit:
      description: C(rules), the loaded audit rules one per line, and C(error) when they could not be read.
      type: dict
    nft:
      description: C(tables), each requested table to whether the kernel has it, and C(error).
      type: dict
    apparmor:
      description: C(enabled) (the kernel runs AppArmor), C(profiles) (profile name to mode) and C(error).
      type: dict
"""

import grp
import hashlib
import os
import pwd
import re
import stat

from ansible.module_utils.basic import AnsibleModule

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


def main():
    module = AnsibleModule(
        argument_spec=dict(
            login_user=dict(type="str"),
            sshd=dict(type="bool", default=False),
            ssh_accounts=dict(type="list", elements="str", default=[]),
            units=dict(type="list", elements="str", default=[]),
            sysctl=dict(type="list", elements="str", default=[]),
            paths=dict(type="list", elements="path", default=[]),
            files=dict(type="list", elements="path", default=[]),
            checksums=dict(type="list", elements="path", default=[]),
            programs=dict(type="list", elements="str", default=[]),
            mounts=dict(type="list", elements="path", default=[]),
            swap=dict(type="bool", default=False),
            audit_rules=dict(type="bool", default=False),
            nft_tables=dict(type="list", elements="str", default=[]),
            apparmor=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    # fullmatch: "$" would let a name end in a line break.
    bad_keys = [key for key in module.params["sysctl"] if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)+", key)]
    if bad_keys:
        module.fail_json(msg="sysctl: %s is not a kernel parameter name like kernel.kptr_restrict"
                         % ", ".join(repr(key) for key in bad_keys))
    module.exit_json(changed=False, state=gather(module))


if __name__ == "__main__":
    main()
