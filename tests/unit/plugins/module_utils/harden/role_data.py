"""The harden role's own data (defaults, vars), read from its YAML files, for the planning tests.

Values the role derives with Jinja (the merged settings) are given here as
the role derives them for its defaults, so each test states what it changes.
"""

import copy
import os

import yaml

ROLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), *([os.pardir] * 5), "roles", "harden")


def _load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


DEFAULTS = _load("defaults", "main.yml")
VARS = _load("vars", "main.yml")
DEBIAN = _load("vars", "Debian-12.yml")


def values(**changes):
    """Every role variable the plan reads, with the defaults' derived values, then ``changes``."""
    merged = copy.deepcopy(DEFAULTS)
    merged.update(copy.deepcopy(dict((key, value) for key, value in VARS.items() if "{{" not in str(value))))
    merged.update(copy.deepcopy(DEBIAN))
    merged["_harden_os"] = "Debian-12"
    merged["_harden_sysctl_wanted"] = dict(DEFAULTS["harden_sysctl_settings"])
    merged["_harden_ssh_wanted"] = dict({"PasswordAuthentication": False, "PermitRootLogin": "no",
                                         "PubkeyAuthentication": True, "Ciphers": ",".join(DEBIAN["_harden_os_ssh_ciphers"]),
                                         "MACs": ",".join(DEBIAN["_harden_os_ssh_macs"]),
                                         "KexAlgorithms": ",".join(DEBIAN["_harden_os_ssh_kex_algorithms"])},
                                        **DEFAULTS["harden_ssh_settings"])
    merged["_harden_login_defs_wanted"] = dict(DEFAULTS["harden_login_defs_settings"],
                                               **DEBIAN["_harden_os_login_defs_settings"])
    merged["_harden_module_blacklist_all"] = (DEFAULTS["harden_module_blacklist_filesystems"]
                                              + DEFAULTS["harden_module_blacklist_protocols"])
    stop = {"masked": True, "state": "stopped"}
    merged["_harden_units_wanted"] = {
        "kdump": dict((name, dict(stop)) for name in DEBIAN["_harden_os_kdump_units"]),
        "core_dumps": {},
        "serial_getty": {"serial-getty@ttyS0.service": dict(stop)},
        "auditd": {"auditd.service": {"enabled": True, "state": "started"}},
        "apparmor": {"apparmor.service": {"enabled": True, "state": "started"}},
        "firewall": {"nftables.service": {"enabled": True}},
        "unattended_upgrades": {"apt-daily.timer": {"enabled": True, "state": "started"},
                                "apt-daily-upgrade.timer": {"enabled": True, "state": "started"},
                                "unattended-upgrades.service": {"enabled": True}},
    }
    paths = VARS["_harden_paths"]
    merged["_harden_managed_files"] = [
        dict(entry, path=paths[entry["path"].split(".")[1].split(" ")[0]])
        for entry in VARS["_harden_managed_files"]]
    merged.update(changes)
    return merged


def plan_entry(run=True, kernel=True, ready=True, packages=(), group="cvm", reason="", notes=()):
    return {"group": group, "run": run, "kernel": kernel, "ready": ready, "packages": list(packages),
            "reason": reason, "notes": list(notes)}


def full_plan(**entries):
    """Every control running with its kernel step, then ``entries`` (name -> plan entry)."""
    plan = dict((control["name"], plan_entry(group=control["group"])) for control in VARS["_harden_controls"])
    plan.update(entries)
    return plan
