# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Judge what guest_info found against a TDX policy: the verdict and every check, with its reason.

Pure and standard-library only: it runs on the managed host inside
guest_info, so one module run per host both gathers and judges. Each check
is ``{"name", "passed", "reason"}``; a check that could not be made fails
with "could not check: ..." and never passes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.tdx import evidence as evidence_states

# Registers a measurement policy may name, in the order they are compared.
MEASUREMENT_REGISTERS = ("mrtd", "mrconfigid", "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3")

DEFAULT_REQUIRED_EVIDENCE = ("cpu_flag", "kernel_log", "device")


class Policy:
    """What a verified host must show."""

    def __init__(self, required_evidence=DEFAULT_REQUIRED_EVIDENCE, require_sept_ve_disable=True,
                 expected_measurements=None, quote=False):
        self.required_evidence = list(required_evidence)
        self.require_sept_ve_disable = require_sept_ve_disable
        # Given order is kept: the checks come out in the order the user wrote them.
        self.expected_measurements = [(name, value.lower()) for name, value in (expected_measurements or {}).items()
                                      if value is not None]
        self.quote = quote


def _check(name, passed, reason):
    return {"name": name, "passed": bool(passed), "reason": reason}


def _evidence_check(name, item):
    status = item.get("status")
    prefix = "could not check: " if status == evidence_states.UNCHECKED else ""
    return _check(name, status == evidence_states.FOUND, prefix + (item.get("detail") or ""))


def _attribute_checks(report, tdreport_item, policy):
    missing = "no TDREPORT to read the attributes from: %s" % (tdreport_item.get("detail") or "")
    if report is None:
        debug = _check("debug", False, missing)
    elif report["debug"]:
        debug = _check("debug", False, "DEBUG attribute is set (td_attributes %s): the host can read and change "
                                       "this TD's memory, so it is not confidential" % report["td_attributes"])
    else:
        debug = _check("debug", True, "DEBUG attribute is clear")
    checks = [debug]
    if policy.require_sept_ve_disable:
        if report is None:
            checks.append(_check("sept_ve_disable", False, missing))
        elif report["sept_ve_disable"]:
            checks.append(_check("sept_ve_disable", True, "SEPT_VE_DISABLE attribute is set"))
        else:
            checks.append(_check("sept_ve_disable", False, "SEPT_VE_DISABLE attribute is not set (td_attributes "
                                                           "%s), as it is on a production TD" % report["td_attributes"]))
    return checks


def _register(report, name):
    if name.startswith("rtmr"):
        return report["rtmr"][int(name[-1])]
    return report[name]


def _measurement_checks(report, policy):
    checks = []
    for name, expected in policy.expected_measurements:
        if report is None:
            checks.append(_check(name, False, "no TDREPORT to read %s from" % name))
            continue
        actual = _register(report, name)
        reason = "%s is %s" % (name, actual) + ("" if actual == expected else ", expected %s" % expected)
        checks.append(_check(name, actual == expected, reason))
    return checks


def quote_check(quote):
    """The quote check from a quote outcome: {"decoded", "provider"} or {"msg"} when none was had."""
    decoded = quote.get("decoded")
    if decoded is None:
        return _check("quote", False, "no quote: %s" % quote.get("msg"))
    if decoded["debug"]:
        return _check("quote", False, "the quote has the DEBUG attribute")
    return _check("quote", True, "quote version %s made through %s" % (decoded["version"], quote.get("provider")))


def quote_summary(quote):
    """The quote as a report keeps it: the decoded quote without the nonce (which changes every run)."""
    decoded = quote.get("decoded")
    if decoded is None:
        return {"obtained": False, "msg": quote.get("msg")}
    return dict((key, value) for key, value in decoded.items() if key != "report_data")


def judge(inspection, policy, quote=None):
    """{"verified", "failures", "checks"} for guest_info's answer (``tdx`` and ``evidence``) under ``policy``.

    ``quote`` is the quote outcome when the policy asks for one.
    """
    tdx = inspection["tdx"]
    items = inspection["evidence"]
    report = tdx.get("report")
    checks = [_check("tdx_active", tdx["active"], tdx["reason"])]
    checks.extend(_evidence_check(name, items.get(name, {})) for name in policy.required_evidence)
    checks.extend(_attribute_checks(report, items.get("tdreport", {}), policy))
    checks.extend(_measurement_checks(report, policy))
    if policy.quote:
        checks.append(quote_check(quote or {"msg": "not requested"}))
    failed = [check for check in checks if not check["passed"]]
    return {
        "verified": not failed,
        "failures": ["%s: %s" % (check["name"], check["reason"]) for check in failed],
        "checks": checks,
    }
