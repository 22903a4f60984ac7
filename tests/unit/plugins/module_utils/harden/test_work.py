"""What each running control still has to do, from the state harden_state read."""

import hashlib

from ansible_collections.confidential.tdx.plugins.module_utils.harden import work

from .role_data import full_plan, plan_entry, values

ROLE_PATHS = values()["_harden_paths"]


def compliant_state():
    """A host as the role leaves it (defaults, Debian 12)."""
    role = values()
    paths = dict((path, {"exists": True, "type": "directory", "mode": "0755", "owner": "root", "group": "root"})
                 for dirs in role["_harden_control_dirs"].values() for path in dirs)
    paths["/dev/tdx_guest"] = {"exists": True, "type": "char", "mode": "0660", "owner": "root", "group": "root"}
    paths["/usr/bin/sudo"] = {"exists": True, "type": "file", "mode": "4755", "owner": "root", "group": "root"}
    for entry in role["harden_file_permissions_list"]:
        paths[entry["path"]] = {"exists": True, "type": "file", "mode": entry["mode"], "owner": entry["owner"],
                                "group": entry["group"]}
    sysctl = dict((key, str(value)) for key, value in role["_harden_sysctl_wanted"].items())
    sysctl.update((key, str(value)) for key, value in role["_harden_core_dump_sysctls"].items())
    return {
        "paths": paths,
        "files": {ROLE_PATHS["fstab"]: "UUID=1 / ext4 defaults 0 1\ntmpfs /dev/shm tmpfs defaults,nodev,nosuid,noexec 0 0\n",
                  ROLE_PATHS["nft_main"]: 'flush ruleset\ninclude "%s"\n' % ROLE_PATHS["nft_rules"]},
        "sysctl": sysctl,
        "mounts": {"/dev/shm": {"source": "tmpfs", "fstype": "tmpfs", "options": ["rw", "nosuid", "nodev", "noexec"]}},
        "swap": {"active": [], "fstab": []},
        "audit": {"rules": ["-w /etc/passwd -p wa -k %s" % key for key in role["_harden_audit_keys"]]},
        "nft": {"tables": {"inet confidential_tdx_harden": True}},
        "apparmor": {"enabled": True, "profiles": {"/usr/sbin/ntpd": "enforce"}},
    }


def compliant_units():
    running = {"load_state": "loaded", "active_state": "active", "unit_file_state": "enabled"}
    return dict((name, dict(running)) for name in ("auditd.service", "apparmor.service", "nftables.service",
                                                   "apt-daily.timer", "apt-daily-upgrade.timer",
                                                   "unattended-upgrades.service"))


def plan_work(state=None, plan=None, units=None, checking=False, cmdline=None, **changes):
    return work.plan_work(values(**changes), plan or full_plan(), state or compliant_state(),
                          compliant_units() if units is None else units, checking, cmdline)


def test_a_compliant_host_has_no_work_and_no_notes():
    planned = plan_work()
    assert planned["missing_dirs"] == [] and planned["file_fixes"] == []
    assert planned["swap_off"] == [] and planned["swap_fstab_lines"] == []
    assert planned["sysctl_drift"] == [] and planned["core_dumps_drift"] == []
    assert not planned["shm_fstab_stale"] and not planned["shm_remount"]
    assert not planned["nft_include_stale"] and not planned["nft_load"] and not planned["audit_load"]
    assert not planned["tdx_trigger"]
    assert all(notes == [] for notes in planned["notes"].values())
    assert planned["audit_commands"] == ["/usr/bin/sudo"]
    assert planned["nft_include_line"] == 'include "/etc/nftables.d/90-confidential-tdx-harden.nft"'


def test_missing_dirs_of_running_controls_only_each_once():
    state = compliant_state()
    del state["paths"]["/etc/sysctl.d"]
    del state["paths"]["/etc/nftables.d"]
    assert plan_work(state)["missing_dirs"] == ["/etc/sysctl.d", "/etc/nftables.d"]
    not_ready = full_plan(firewall=plan_entry(ready=False), core_dumps=plan_entry(run=False), sysctl=plan_entry(run=False))
    assert plan_work(state, plan=not_ready)["missing_dirs"] == []


def test_swap_goes_off_except_encrypted_swap_when_kept():
    state = compliant_state()
    state["swap"] = {"active": [{"name": "/swapfile", "type": "file", "encrypted": False},
                                {"name": "/dev/dm-1", "type": "partition", "encrypted": True}],
                     "fstab": [{"name": "/swapfile", "encrypted": False, "line": "/swapfile none swap sw 0 0"},
                               {"name": "/dev/mapper/c", "encrypted": True, "line": "/dev/mapper/c none swap sw 0 0"}]}
    planned = plan_work(state)
    assert planned["swap_off"] == ["/swapfile", "/dev/dm-1"] and len(planned["swap_fstab_lines"]) == 2
    kept = plan_work(state, harden_swap_keep_encrypted=True)
    assert kept["swap_off"] == ["/swapfile"] and kept["swap_fstab_lines"] == ["/swapfile none swap sw 0 0"]
    assert kept["notes"]["swap"] == ["kept encrypted swap /dev/dm-1"]


def test_sysctl_drift_with_whitespace_collapsed_and_unknown_keys_noted_only_with_the_kernel_step():
    state = compliant_state()
    state["sysctl"]["kernel.kptr_restrict"] = "1"
    state["sysctl"]["kernel.sysrq"] = None
    state["sysctl"]["net.ipv4.ip_local_port_range"] = "32768 60999"
    planned = plan_work(state, _harden_sysctl_wanted={"kernel.kptr_restrict": 2, "kernel.sysrq": 0,
                                                      "net.ipv4.ip_local_port_range": "32768\t60999"},
                        )
    assert planned["sysctl_drift"] == ["kernel.kptr_restrict"]
    assert planned["notes"]["sysctl"] == ["this kernel has no kernel.sysrq (left in the file for kernels that have them)"]
    in_container = plan_work(state, plan=full_plan(sysctl=plan_entry(kernel=False)),
                             _harden_sysctl_wanted={"kernel.sysrq": 0, "net.ipv4.ip_local_port_range": "32768\t60999"})
    assert in_container["sysctl_drift"] == [] and in_container["notes"]["sysctl"] == []


def test_the_shm_line_keeps_its_options_and_gains_the_roles():
    assert work.shm_fstab_line("# tmpfs /dev/shm x y\nnone /dev/shm tmpfs rw,nosuid\n", ["nodev", "nosuid", "noexec"]) \
        == "none /dev/shm tmpfs rw,nosuid,nodev,noexec 0 0"
    assert work.shm_fstab_line("tmpfs /dev/shm tmpfs rw 1 2\ntmpfs /dev/shm tmpfs x 0 0", ["nodev"]) \
        == "tmpfs /dev/shm tmpfs rw,nodev 1 2"
    assert work.shm_fstab_line("", ["nodev", "nosuid"]) == "tmpfs /dev/shm tmpfs defaults,nodev,nosuid 0 0"
    state = compliant_state()
    state["files"][ROLE_PATHS["fstab"]] = None
    state["mounts"]["/dev/shm"]["options"] = ["rw", "nosuid"]
    planned = plan_work(state)
    assert planned["shm_fstab_stale"] and planned["shm_remount"]
    assert work.shm_options_missing(None, ["nodev"]) == []


def test_firewall_include_and_load():
    state = compliant_state()
    state["files"][ROLE_PATHS["nft_main"]] = None
    state["nft"] = {}
    planned = plan_work(state)
    assert planned["nft_include_stale"] and planned["nft_load"]


def test_audit_rules_reload_when_a_key_is_missing_in_either_spelling():
    assert work.audit_keys_missing(["-a always,exit -F key=cvm_kexec", "-w /x -k cvm_identity"],
                                   ["cvm_identity", "cvm_kexec", "cvm_modules"]) == ["cvm_modules"]
    state = compliant_state()
    state["audit"] = {}
    assert plan_work(state)["audit_load"]


def test_tdx_device_trigger_and_note():
    assert work.tdx_device_stale({"exists": True, "owner": "root", "group": "tdx", "mode": "0660"}, "tdx") is False
    assert work.tdx_device_stale({"exists": True, "owner": "root", "group": "root", "mode": "0600"}, "") is True
    assert work.tdx_device_stale({"exists": True, "owner": "root", "group": "root", "mode": "0660"}, "tdx") is True
    assert work.tdx_device_stale({"exists": False}, "") is False
    state = compliant_state()
    del state["paths"]["/dev/tdx_guest"]
    assert plan_work(state)["notes"]["tdx_guest_device"][0].startswith("no /dev/tdx_guest on this host")
    assert plan_work(state, plan=full_plan(tdx_guest_device=plan_entry(kernel=False)))["notes"]["tdx_guest_device"] == []


def test_findings_the_role_cannot_fix_become_notes():
    state = compliant_state()
    state["apparmor"] = {"enabled": False, "profiles": {"a": "complain", "b": "enforce", "c": "complain"}}
    planned = plan_work(state, cmdline={"crashkernel": "512M", "ro": True})
    assert planned["notes"]["kdump"][0].startswith("crashkernel= is on the kernel command line")
    assert planned["notes"]["apparmor"] == ["the kernel runs without AppArmor; boot with apparmor=1 security=apparmor",
                                            "profiles in complain mode, not enforcing: a, c"]
    assert work.apparmor_notes({}) == []


def test_units_of_controls_that_do_not_run_are_left_alone():
    units = {"kdump-tools.service": {"load_state": "loaded", "active_state": "active", "unit_file_state": "enabled"}}
    assert all(changes == [] for changes in plan_work()["units"].values())
    assert plan_work(units=units)["units"]["kdump"] == [{"masked": True, "state": "stopped",
                                                         "name": "kdump-tools.service"}]
    assert plan_work(units=units, plan=full_plan(kdump=plan_entry(run=False)))["units"]["kdump"] == []


def test_stale_files_compare_content_mode_owner_and_group():
    managed = [{"control": "sysctl", "path": "/etc/a", "src": "a.j2", "mode": "0644"},
               {"control": "sysctl", "path": "/etc/b", "src": "b.j2", "mode": "0600"},
               {"control": "sshd", "path": "/etc/c", "src": "c.j2", "mode": "0600"},
               {"control": "auditd", "path": "/etc/d", "src": "d.j2", "mode": "0640"}]
    rendered = {"a.j2": "a\n", "b.j2": "b\n", "c.j2": "c\n", "d.j2": "d\n"}
    state = {"paths": {"/etc/a": {"exists": True, "mode": "0644", "owner": "root", "group": "root"},
                       "/etc/b": {"exists": True, "mode": "0644", "owner": "root", "group": "root"},
                       "/etc/c": {"exists": True, "mode": "0600", "owner": "root", "group": "root"}},
             "checksums": dict((path, hashlib.sha1(rendered[src].encode()).hexdigest())
                               for path, src in (("/etc/a", "a.j2"), ("/etc/b", "b.j2"), ("/etc/c", "c.j2")))}
    state["checksums"]["/etc/c"] = hashlib.sha1(b"old\n").hexdigest()
    asked = []

    def render(src):
        asked.append(src)
        return rendered[src]
    plan = full_plan(auditd=plan_entry(ready=False))
    assert work.stale_files(managed, plan, state, render) == {"/etc/a": False, "/etc/b": True, "/etc/c": True}
    assert asked == ["a.j2", "b.j2", "c.j2"]


def stale_for(planned, stale=False):
    return dict(planned, stale=dict((entry["path"], stale) for entry in values()["_harden_managed_files"]))


def test_on_a_compliant_host_only_the_ssh_group_has_work():
    planned = stale_for(plan_work())
    groups = work.groups_with_work(values()["_harden_controls"], full_plan(), planned, values())
    assert groups == {"cvm": False, "kernel": False, "ssh": True, "updates": False, "audit": False,
                      "accounts": False, "firewall": False}


def test_each_kind_of_work_wakes_its_group():
    role = values()
    quiet = stale_for(plan_work())
    cases = [
        ("swap", dict(quiet, swap_off=["/swapfile"])),
        ("kdump", dict(quiet, units=dict(quiet["units"], kdump=[{"name": "k", "masked": True}]))),
        ("core_dumps", dict(quiet, core_dumps_drift=["fs.suid_dumpable"])),
        ("core_dumps", dict(quiet, stale=dict(quiet["stale"], **{role["_harden_paths"]["coredump_conf"]: True}))),
        ("tdx_guest_device", dict(quiet, tdx_trigger=True)),
        ("sysctl", dict(quiet, sysctl_drift=["kernel.sysrq"])),
        ("module_blacklist", dict(quiet, stale={})),
        ("unattended_upgrades", dict(quiet, units=dict(quiet["units"], unattended_upgrades=[{"name": "t"}]))),
        ("auditd", dict(quiet, audit_load=True)),
        ("apparmor", dict(quiet, units=dict(quiet["units"], apparmor=[{"name": "a"}]))),
        ("file_permissions", dict(quiet, file_fixes=[{"path": "/etc/shadow"}])),
        ("shm_mount", dict(quiet, shm_remount=True)),
        ("firewall", dict(quiet, nft_load=True)),
        ("firewall", dict(quiet, nft_include_stale=True)),
    ]
    for name, planned in cases:
        assert work.control_has_work(name, full_plan()[name], planned, role), name
        assert not work.control_has_work(name, full_plan()[name], quiet, role), name
        assert not work.control_has_work(name, plan_entry(run=False), planned, role), name
    assert work.control_has_work("tdx_guest_device", plan_entry(), quiet, values(harden_tdx_guest_group="tdx"))
    assert not work.control_has_work("sysctl", plan_entry(kernel=False), dict(quiet, sysctl_drift=["x"]), role)
