"""The per-host report: applied, compliant, would_apply or skipped, with reasons and notes."""

from ansible_collections.confidential.tdx.plugins.module_utils.harden.report import build_report, pending

from .role_data import VARS, full_plan, plan_entry

CONTROLS = VARS["_harden_controls"]
HEADER = {"host": "h1", "role": "confidential.tdx.harden", "os": "Debian-12", "container": False,
          "check_mode": False, "disruptive": False, "login_user": "tester"}


def reached(changed=()):
    """Every control's task results reached, those named in ``changed`` changed."""
    return dict((name, name in changed) for control in CONTROLS for name in control["results"])


def quiet_work():
    return {"notes": dict((control["name"], []) for control in CONTROLS)}


def build(plan=None, work=None, sshd_other=(), results=None, packages_changed=False, checking=False):
    return build_report(dict(HEADER, check_mode=checking), CONTROLS, plan or full_plan(), work, list(sshd_other),
                        reached() if results is None else results, packages_changed, checking)


def test_a_rerun_reports_every_running_control_compliant():
    report = build(plan=full_plan(firewall=plan_entry(run=False, reason="disruptive: x")), work=quiet_work())
    assert report["applied"] == [] and report["skipped"] == {"firewall": "disruptive: x"}
    assert report["compliant"] == [control["name"] for control in CONTROLS if control["name"] != "firewall"]
    assert report["controls"]["sysctl"] == {"group": "kernel", "status": "compliant", "reason": "", "notes": []}
    assert dict((key, report[key]) for key in HEADER) == HEADER


def test_a_changed_result_or_an_installed_package_applies_the_control():
    plan = full_plan(auditd=plan_entry(group="audit", packages=["auditd"]))
    report = build(plan=plan, work=quiet_work(), results=reached(changed=["_harden_sysctl_live"]),
                   packages_changed=True)
    assert report["applied"] == ["sysctl", "auditd"]


def test_check_mode_counts_pending_kernel_work_as_would_apply():
    work = dict(quiet_work(), sysctl_drift=["kernel.sysrq"], core_dumps_drift=["fs.suid_dumpable"], nft_load=True)
    plan = full_plan(core_dumps=plan_entry(kernel=False))
    report = build(plan=plan, work=work, checking=True)
    assert report["controls"]["sysctl"]["status"] == "would_apply"
    assert report["controls"]["core_dumps"]["status"] == "compliant"
    assert report["controls"]["firewall"]["status"] == "would_apply"
    assert build(plan=plan, work=work)["controls"]["sysctl"]["status"] == "compliant"
    assert pending({"notes": {}}, plan) == dict((name, False) for name in pending({"notes": {}}, plan))


def test_a_control_whose_tasks_were_not_reached_was_not_selected_by_tags():
    results = dict((name, False) for name in ["_harden_sshd_dropin"])
    report = build(work=quiet_work(), results=results)
    assert report["controls"]["sshd"]["status"] == "compliant"
    assert report["skipped"]["sysctl"] == "not selected by --tags"


def test_notes_come_from_the_plan_the_work_and_sshd_and_only_for_running_controls():
    plan = full_plan(sysctl=plan_entry(notes=["container: x"]), swap=plan_entry(run=False, reason="off"))
    work = quiet_work()
    work["notes"]["sysctl"] = ["this kernel has no kernel.sysrq"]
    work["notes"]["swap"] = ["kept encrypted swap /dev/dm-1"]
    report = build(plan=plan, work=work, sshd_other=["X11Forwarding is yes, not no"])
    assert report["controls"]["sysctl"]["notes"] == ["container: x", "this kernel has no kernel.sysrq"]
    assert report["controls"]["sshd"]["notes"] == ["sshd -T: X11Forwarding is yes, not no"]
    assert report["controls"]["swap"]["notes"] == []


def test_without_a_work_plan_the_report_still_builds():
    assert build(work=None)["compliant"][0] == "swap"


def test_a_group_the_plan_found_idle_reports_its_controls_compliant_when_the_tags_select_them():
    work = dict(quiet_work(), groups={"cvm": False, "kernel": True})
    results = dict((name, False) for name in ["_harden_sshd_dropin"])
    report = build(work=work, results=results)
    assert report["controls"]["swap"]["status"] == "compliant"
    assert report["controls"]["sysctl"]["reason"] == "not selected by --tags"
    tagged = build_report(HEADER, CONTROLS, full_plan(), work, [], {}, False, False, run_tags=["harden_sshd"])
    assert tagged["controls"]["swap"]["reason"] == "not selected by --tags"
    skipped = build_report(HEADER, CONTROLS, full_plan(), work, [], {}, False, False, skip_tags=["harden_kdump"])
    assert skipped["controls"]["kdump"]["reason"] == "not selected by --tags"
    assert skipped["controls"]["swap"]["status"] == "compliant"


def test_tag_selection_follows_ansible():
    from ansible_collections.confidential.tdx.plugins.module_utils.harden.report import selected_by_tags
    tags = ("harden", "harden_cvm", "harden_swap")
    assert selected_by_tags(tags, ["all"], [])
    assert selected_by_tags(tags, ["tagged"], [])
    assert selected_by_tags(tags, ["harden_cvm"], [])
    assert not selected_by_tags(tags, ["harden_ssh"], [])
    assert not selected_by_tags(tags, ["all"], ["harden_swap"])
    assert not selected_by_tags(tags, ["all"], ["tagged"])
