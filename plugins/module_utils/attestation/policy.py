# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The attestation policy: what a verified quote must show, checked on the controller.

Two halves, as in go-tdx-guest: what dcap-qvl judges against Intel's
collateral (allowed TCB statuses, refused advisories, the grace period of an
out-of-date TCB, the cloud platform flags) is handed to dcap-qvl as its
``QuotePolicy``; what the TD body says (measurements, TD attributes, XFAM,
TEE_TCB_SVN) is checked here on the decoded quote, with the keys the
``tdx_quote`` filter and ``guest_quote`` return. Each failed check is one
line that names the check and the value seen.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_components import COMPONENTS
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import hex_bytes
from ansible_collections.confidential.tdx.plugins.module_utils.tdx.attributes import (
    DEBUG,
    TD_ATTRIBUTE_BITS,
    attribute_mask,
    attribute_names,
)

# Intel's TCB statuses (TCB info v3, as dcap-qvl names them).
TCB_STATUSES = ("UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
                "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked")
NEVER_ALLOWED_STATUSES = ("Revoked",)
DEFAULT_TCB_STATUSES = ("UpToDate",)

# go-tdx-guest's default: DEBUG never; besides it only these bits may be set
# (mask 0x8000000050000001 with DEBUG refused).
DEFAULT_ALLOWED_ATTRIBUTES = ("SEPT_VE_DISABLE", "PKS", "PERFMON")

# XFAM bits every TD has set (x87, SSE) and the only bits TDX lets a TD have
# (go-tdx-guest validate: XFAM fixed1 0x3, fixed0 0x0006DBE7).
XFAM_FIXED1 = 0x00000003
XFAM_FIXED0 = 0x0006DBE7

MEASUREMENT_SIZE = 48
# Registers compared for equality, in the order their problems are listed.
EXACT_REGISTERS = ("mrconfigid", "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3")
POLICY_KEYS = ("mrtd",) + EXACT_REGISTERS + (
    "mrseam", "tee_tcb_svn2", "xfam", "allowed_attributes", "min_tee_tcb_svn", "tcb_statuses", "refused_advisories",
    "tcb_grace_period", "allow_dynamic_platform", "allow_cached_keys", "allow_smt", "min_tcb_eval_data_number",
    "events")

# Cloud TDs (Google Cloud C3 among them) are multi-package platforms whose
# PCK certificate says dynamic platform, cached keys and SMT: allowed by
# default, else no genuine cloud TD passes (docs/attestation.md says why).
DEFAULT_PLATFORM_FLAGS = {"allow_dynamic_platform": True, "allow_cached_keys": True, "allow_smt": True}


class PolicyError(ValueError):
    """A policy key with a bad value; the message names ``policy.KEY``."""


def _hex(key, value, size):
    try:
        return hex_bytes("policy." + key, value, size).hex()
    except ValueError as exc:
        raise PolicyError(str(exc))


def _strings(key, value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise PolicyError("policy.%s: must be a list of strings" % key)
    return list(value)


def _bool(key, value):
    if not isinstance(value, bool):
        raise PolicyError("policy.%s: must be true or false, got %r" % (key, value))
    return value


def _count(key, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError("policy.%s: must be a whole number of at least 0, got %r" % (key, value))
    return value


def _measurements(key, value):
    """The allowed values of a measurement given as one or a list (48 bytes hex each); [] allows any."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if not values:
        raise PolicyError("policy.%s: an empty list allows no %s; leave %s out to allow any"
                          % (key, key.upper(), key))
    return [_hex(key, item, MEASUREMENT_SIZE) for item in values]


class Policy:
    """A checked policy; build it with :func:`policy_from`."""

    def __init__(self):
        self.mrtd = []  # any of these
        self.registers = {}  # register -> expected hex
        self.xfam = None
        self.allowed_attributes = list(DEFAULT_ALLOWED_ATTRIBUTES)
        self.mrseam = []  # any of these
        self.min_tee_tcb_svn = None
        self.tee_tcb_svn2 = None  # a minimum, as min_tee_tcb_svn
        self.tcb_statuses = list(DEFAULT_TCB_STATUSES)
        self.refused_advisories = []
        self.tcb_grace_period = 0
        self.platform_flags = dict(DEFAULT_PLATFORM_FLAGS)
        self.min_tcb_eval_data_number = None
        self.events = {}  # boot component -> allowed SHA-384 digests (eventlog_step.py checks them)

    def describe(self):
        """The policy as the result reports it; given back as ``policy``, it is the same policy."""
        described = {
            "xfam": self.xfam, "allowed_attributes": list(self.allowed_attributes),
            "min_tee_tcb_svn": self.min_tee_tcb_svn, "tcb_statuses": list(self.tcb_statuses),
            "refused_advisories": list(self.refused_advisories), "tcb_grace_period": self.tcb_grace_period,
            "min_tcb_eval_data_number": self.min_tcb_eval_data_number}
        if self.mrtd:
            described["mrtd"] = list(self.mrtd)
        if self.mrseam:
            described["mrseam"] = list(self.mrseam)
        if self.tee_tcb_svn2 is not None:
            described["tee_tcb_svn2"] = self.tee_tcb_svn2
        described.update(self.registers)
        described.update(self.platform_flags)
        if self.events:
            described["events"] = {component: list(digests) for component, digests in self.events.items()}
        return described


def policy_from(given):
    """A Policy from the user's dict; PolicyError naming the first bad key."""
    given = given or {}
    if not isinstance(given, dict):
        raise PolicyError("policy: must be a dictionary of the keys %s" % ", ".join(POLICY_KEYS))
    unknown = sorted(set(given) - set(POLICY_KEYS))
    if unknown:
        raise PolicyError("policy.%s: not a policy key; the keys are %s" % (unknown[0], ", ".join(POLICY_KEYS)))
    policy = Policy()
    policy.mrtd = _measurements("mrtd", given.get("mrtd"))
    # The TDX module's measurement: a TD is only as confidential as the module that runs it.
    policy.mrseam = _measurements("mrseam", given.get("mrseam"))
    for register in EXACT_REGISTERS:
        if given.get(register) is not None:
            policy.registers[register] = _hex(register, given[register], MEASUREMENT_SIZE)
    if given.get("xfam") is not None:
        policy.xfam = _hex("xfam", given["xfam"], 8)
    if given.get("allowed_attributes") is not None:
        names = [name.upper() for name in _strings("allowed_attributes", given["allowed_attributes"])]
        known = set(TD_ATTRIBUTE_BITS.values())
        for name in names:
            if name == DEBUG:
                raise PolicyError("policy.allowed_attributes: DEBUG can never be allowed: the host can read and "
                                  "change a debug TD's memory")
            if name not in known:
                raise PolicyError("policy.allowed_attributes: %r is not a TD attribute; the attributes are %s"
                                  % (name, ", ".join(sorted(known - {DEBUG}))))
        policy.allowed_attributes = names
    if given.get("min_tee_tcb_svn") is not None:
        policy.min_tee_tcb_svn = _hex("min_tee_tcb_svn", given["min_tee_tcb_svn"], 16)
    if given.get("tee_tcb_svn2") is not None:
        policy.tee_tcb_svn2 = _hex("tee_tcb_svn2", given["tee_tcb_svn2"], 16)
    if given.get("tcb_statuses") is not None:
        statuses = _strings("tcb_statuses", given["tcb_statuses"])
        if not statuses:
            raise PolicyError("policy.tcb_statuses: an empty list allows no quote; the default is UpToDate")
        for status in statuses:
            if status in NEVER_ALLOWED_STATUSES:
                raise PolicyError("policy.tcb_statuses: %s can never be allowed: Intel revoked that platform's keys"
                                  % status)
            if status not in TCB_STATUSES:
                raise PolicyError("policy.tcb_statuses: %r is not a TCB status; the statuses are %s"
                                  % (status, ", ".join(s for s in TCB_STATUSES if s not in NEVER_ALLOWED_STATUSES)))
        policy.tcb_statuses = statuses
    if given.get("refused_advisories") is not None:
        advisories = [item.strip().upper() for item in _strings("refused_advisories", given["refused_advisories"])]
        for advisory in advisories:
            if not advisory.startswith("INTEL-SA-"):
                raise PolicyError("policy.refused_advisories: %r is not an Intel advisory id (INTEL-SA-NNNNN)" % advisory)
        policy.refused_advisories = advisories
    if given.get("tcb_grace_period") is not None:
        policy.tcb_grace_period = _count("tcb_grace_period", given["tcb_grace_period"])
    for flag in DEFAULT_PLATFORM_FLAGS:
        if given.get(flag) is not None:
            policy.platform_flags[flag] = _bool(flag, given[flag])
    if given.get("min_tcb_eval_data_number") is not None:
        policy.min_tcb_eval_data_number = _count("min_tcb_eval_data_number", given["min_tcb_eval_data_number"])
    if given.get("events") is not None:
        policy.events = _events(given["events"])
    return policy


def _events(given):
    """{component: [hex digest]} from the policy's ``events``; PolicyError naming the component."""
    if not isinstance(given, dict) or not given:
        raise PolicyError("policy.events: must be a non-empty dictionary of boot component: SHA-384 digest (or a "
                          "list of them); the components are %s" % ", ".join(COMPONENTS))
    events = {}
    for component, value in given.items():
        if component not in COMPONENTS:
            raise PolicyError("policy.events.%s: not a boot component; the components are %s"
                              % (component, ", ".join(COMPONENTS)))
        values = value if isinstance(value, list) else [value]
        if not values:
            raise PolicyError("policy.events.%s: an empty list allows no %s; leave the component out to allow any"
                              % (component, component))
        events[component] = [_hex("events.%s" % component, item, MEASUREMENT_SIZE) for item in values]
    return events


def dcap_policy(dcap, policy, now):
    """dcap-qvl's QuotePolicy for the collateral half of ``policy``, at ``now`` (Unix seconds)."""
    built = dcap.QuotePolicy.strict(now)
    for status in policy.tcb_statuses:
        if status != "UpToDate":
            built = built.allow_status(status)
    if policy.refused_advisories:
        built = built.reject_advisories(policy.refused_advisories)
    built = built.platform_grace_period(policy.tcb_grace_period).qe_grace_period(policy.tcb_grace_period)
    built = built.allow_dynamic_platform(policy.platform_flags["allow_dynamic_platform"])
    built = built.allow_cached_keys(policy.platform_flags["allow_cached_keys"])
    built = built.allow_smt(policy.platform_flags["allow_smt"])
    if policy.min_tcb_eval_data_number is not None:
        built = built.min_tcb_eval_data_number(policy.min_tcb_eval_data_number)
    return built


def _register(decoded, name):
    return decoded["rtmr"][int(name[-1])] if name.startswith("rtmr") else decoded[name]


def attribute_problems(decoded, policy):
    value = int(decoded["td_attributes"], 16)
    problems = []
    if value & attribute_mask(DEBUG):
        problems.append("td attributes: DEBUG is set (td_attributes %s): the host can read and change this TD's "
                        "memory, so it is not confidential" % decoded["td_attributes"])
    allowed = attribute_mask(DEBUG)
    for name in policy.allowed_attributes:
        allowed |= attribute_mask(name)
    unexpected = value & ~allowed
    if unexpected:
        problems.append("td attributes: %s set, which the policy does not allow (td_attributes %s; allowed: %s)"
                        % (", ".join(attribute_names(unexpected)), decoded["td_attributes"],
                           ", ".join(policy.allowed_attributes) or "none"))
    return problems


def xfam_problems(decoded, policy):
    xfam = int.from_bytes(bytes.fromhex(decoded["xfam"]), "little")
    problems = []
    if xfam & XFAM_FIXED1 != XFAM_FIXED1 or xfam & ~XFAM_FIXED0:
        problems.append("xfam: %s (0x%016x) is not a value TDX allows (bits 0x%x must be set, only bits 0x%08x may be)"
                        % (decoded["xfam"], xfam, XFAM_FIXED1, XFAM_FIXED0))
    if policy.xfam is not None and decoded["xfam"] != policy.xfam:
        problems.append("xfam: the quote has %s, the policy expects %s" % (decoded["xfam"], policy.xfam))
    return problems


def _one_of(values):
    return values[0] if len(values) == 1 else "one of " + ", ".join(values)


def measurement_problems(decoded, policy):
    problems = []
    if policy.mrtd and decoded["mrtd"] not in policy.mrtd:
        problems.append("mrtd: the quote has %s, the policy expects %s" % (decoded["mrtd"], _one_of(policy.mrtd)))
    if policy.mrseam and decoded["mrseam"] not in policy.mrseam:
        problems.append("mrseam: the quote has %s, the policy expects %s"
                        % (decoded["mrseam"], _one_of(policy.mrseam)))
    for register in EXACT_REGISTERS:
        expected = policy.registers.get(register)
        seen = _register(decoded, register)
        if expected is not None and seen != expected:
            problems.append("%s: the quote has %s, the policy expects %s" % (register, seen, expected))
    return problems


def _below_minimum(name, seen, minimum):
    """The problem of an SVN below ``minimum`` in any component (byte), or []."""
    low = [index for index, (have, need) in enumerate(zip(bytes.fromhex(seen), bytes.fromhex(minimum)))
           if have < need]
    if not low:
        return []
    return ["%s: %s is below the policy's minimum %s (component %s)"
            % (name, seen, minimum, ", ".join(str(index) for index in low))]


def tee_tcb_svn_problems(decoded, policy):
    if policy.min_tee_tcb_svn is None:
        return []
    return _below_minimum("tee_tcb_svn", decoded["tee_tcb_svn"], policy.min_tee_tcb_svn)


def tee_tcb_svn2_problems(decoded, policy):
    if policy.tee_tcb_svn2 is None:
        return []
    if decoded.get("tee_tcb_svn2") is None:
        # A TDX 1.0 body has no TEE_TCB_SVN2: a minimum asked for cannot be shown met.
        return ["tee_tcb_svn2: the quote (v%s, TDX 1.0 body) carries no TEE_TCB_SVN2, the policy asks for at least "
                "%s: only a quote v5 with a TDX 1.5 body has it" % (decoded.get("version"), policy.tee_tcb_svn2)]
    return _below_minimum("tee_tcb_svn2", decoded["tee_tcb_svn2"], policy.tee_tcb_svn2)


def body_problems(decoded, policy):
    """Every failed check of ``policy`` on the decoded TD body, one line each."""
    return (attribute_problems(decoded, policy) + xfam_problems(decoded, policy)
            + measurement_problems(decoded, policy) + tee_tcb_svn_problems(decoded, policy)
            + tee_tcb_svn2_problems(decoded, policy))
