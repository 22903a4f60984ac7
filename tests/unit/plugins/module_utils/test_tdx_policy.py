"""The TDX policy judgement guest_info makes on the host: every check, its reason, the verdict."""

from ansible_collections.confidential.tdx.plugins.module_utils.tdx.policy import Policy, judge, quote_summary

NOT_A_TD = "not a TDX guest: no tdx_guest CPU flag, no /dev/tdx_guest device"


def inspection(active=False, reason=NOT_A_TD, report=None, **statuses):
    evidence = {
        "cpu_flag": {"status": "missing", "detail": "CPU flag tdx_guest is not set"},
        "kernel_log": {"status": "unchecked", "detail": "dmesg: permission denied"},
        "device": {"status": "missing", "detail": "no /dev/tdx_guest"},
        "tdreport": {"status": "missing", "detail": "no /dev/tdx_guest to ask"},
    }
    for name, status in statuses.items():
        evidence[name] = {"status": status, "detail": "%s is %s" % (name, status)}
    return {"tdx": {"active": active, "reason": reason, "report": report}, "evidence": evidence}


def td_report(debug=False, sept=True, mrtd="aa" * 48, rtmr=("00" * 48,) * 4):
    return {"debug": debug, "sept_ve_disable": sept, "td_attributes": "0000000010000001" if debug else "0000000010000000",
            "mrtd": mrtd, "mrconfigid": "00" * 48, "mrowner": "00" * 48, "mrownerconfig": "00" * 48,
            "rtmr": list(rtmr)}


def test_a_host_that_is_not_a_td_fails_every_check_with_its_reason():
    verdict = judge(inspection(), Policy())
    assert verdict["verified"] is False
    assert [check["name"] for check in verdict["checks"]] == [
        "tdx_active", "cpu_flag", "kernel_log", "device", "debug", "sept_ve_disable"]
    assert verdict["failures"] == [
        "tdx_active: " + NOT_A_TD,
        "cpu_flag: CPU flag tdx_guest is not set",
        "kernel_log: could not check: dmesg: permission denied",
        "device: no /dev/tdx_guest",
        "debug: no TDREPORT to read the attributes from: no /dev/tdx_guest to ask",
        "sept_ve_disable: no TDREPORT to read the attributes from: no /dev/tdx_guest to ask",
    ]


def test_a_sound_td_passes_and_says_why():
    found = dict((name, "found") for name in ("cpu_flag", "kernel_log", "device", "tdreport"))
    verdict = judge(inspection(True, "TDX guest: ...", td_report(), **found),
                    Policy(expected_measurements={"mrtd": "AA" * 48, "rtmr2": None}))
    assert verdict["verified"] is True and verdict["failures"] == []
    reasons = dict((check["name"], check["reason"]) for check in verdict["checks"])
    assert reasons["debug"] == "DEBUG attribute is clear"
    assert reasons["sept_ve_disable"] == "SEPT_VE_DISABLE attribute is set"
    assert reasons["mrtd"] == "mrtd is %s" % ("aa" * 48)  # expected values compare case-blind
    assert "rtmr2" not in reasons  # a register given as None is not compared


def test_a_debug_td_and_wrong_measurements_are_named():
    report = td_report(debug=True, sept=False, rtmr=("00" * 48, "11" * 48, "22" * 48, "33" * 48))
    verdict = judge(inspection(True, "TDX guest", report, cpu_flag="found", kernel_log="found", device="found"),
                    Policy(expected_measurements={"rtmr1": "11" * 48, "mrtd": "bb" * 48}))
    assert verdict["failures"] == [
        "debug: DEBUG attribute is set (td_attributes 0000000010000001): the host can read and change this TD's "
        "memory, so it is not confidential",
        "sept_ve_disable: SEPT_VE_DISABLE attribute is not set (td_attributes 0000000010000001), as it is on a "
        "production TD",
        "mrtd: mrtd is %s, expected %s" % ("aa" * 48, "bb" * 48),
    ]
    # the order of the policy's registers is the order of the checks
    assert [check["name"] for check in verdict["checks"]][-2:] == ["rtmr1", "mrtd"]


def test_sept_ve_disable_is_checked_only_when_required_and_evidence_only_as_listed():
    verdict = judge(inspection(True, "TDX guest", td_report(sept=False), cpu_flag="found"),
                    Policy(required_evidence=["cpu_flag"], require_sept_ve_disable=False))
    assert [check["name"] for check in verdict["checks"]] == ["tdx_active", "cpu_flag", "debug"]
    assert verdict["verified"] is True


def test_measurements_without_a_report_cannot_pass():
    verdict = judge(inspection(), Policy(required_evidence=[], expected_measurements={"rtmr3": "00" * 48}))
    assert "rtmr3: no TDREPORT to read rtmr3 from" in verdict["failures"]


def test_the_quote_check():
    base = inspection(True, "TDX guest", td_report(), cpu_flag="found", kernel_log="found", device="found")
    policy = Policy(quote=True)
    decoded = {"version": 4, "debug": False, "report_data": "ff" * 64, "mrtd": "aa" * 48}
    good = judge(base, policy, {"decoded": decoded, "provider": "tdx_guest"})
    assert good["verified"] is True
    assert good["checks"][-1] == {"name": "quote", "passed": True, "reason": "quote version 4 made through tdx_guest"}
    debug = judge(base, policy, {"decoded": dict(decoded, debug=True), "provider": "tdx_guest"})
    assert debug["failures"] == ["quote: the quote has the DEBUG attribute"]
    none = judge(base, policy, {"msg": "no configfs-tsm report interface"})
    assert none["failures"] == ["quote: no quote: no configfs-tsm report interface"]
    assert quote_summary({"decoded": decoded, "provider": "tdx_guest"}) == {"version": 4, "debug": False,
                                                                            "mrtd": "aa" * 48}
    assert quote_summary({"msg": "no interface"}) == {"obtained": False, "msg": "no interface"}
