# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""quote_verify's task: its arguments, and one run of it from checked arguments to its result.

Shared by the action plugin (plugins/action/quote_verify.py), which runs it
in the controller's worker without starting a module, and the module file
(plugins/modules/quote_verify.py, the documentation and a short main()).
The verification itself: verifier.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import dcap, endorsement, roots
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.entries import (
    EntryError,
    batch_entries,
    verify_at_of,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.freshness import expectation
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import PolicyError, policy_from
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.task_failure import TaskFailure
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verdict import VERDICTS
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier import Verifier

ARGUMENT_SPEC = dict(
    quote=dict(type="str"),
    quotes=dict(type="raw"),
    collateral=dict(type="path"),
    collateral_dir=dict(type="path"),
    verify_at=dict(type="str"),
    report_data=dict(type="str"),
    nonce=dict(type="str"),
    user_data=dict(type="str"),
    skip_freshness_check=dict(type="bool", default=False),
    policy=dict(type="dict"),
    event_log=dict(type="str"),
    event_log_table=dict(type="str"),
    testing_root_ca=dict(type="path"),
    testing_endorsement_root=dict(type="path"),
)
MUTUALLY_EXCLUSIVE = [("quote", "quotes"), ("collateral", "collateral_dir"), ("report_data", "nonce"),
                      ("quotes", "nonce"), ("quotes", "report_data"), ("quotes", "user_data"),
                      ("quotes", "event_log"), ("quotes", "event_log_table")]
REQUIRED_ONE_OF = [("quote", "quotes")]


def run(params):
    """The task's result from its checked arguments (``params``); TaskFailure when it fails.

    It only reads, so check mode changes nothing.
    """
    try:
        policy = policy_from(params["policy"])
        default_at = verify_at_of(params["verify_at"], "verify_at")
        if params["quotes"] is not None:
            entries = batch_entries(params["quotes"], default_at, params["skip_freshness_check"])
        else:
            entries = None
            expected = expectation(params["report_data"], params["nonce"], params["user_data"])
    except (PolicyError, EntryError, ValueError) as exc:
        raise TaskFailure(str(exc))
    if not (params["collateral"] or params["collateral_dir"]) and (
            entries is None or any(entry.collateral is None for entry in entries)):
        raise TaskFailure("collateral: give collateral (a QuoteCollateralV3 file) or collateral_dir (the cache of "
                          "confidential.tdx.tdx_collateral)")
    if params["collateral"] and not os.path.isfile(params["collateral"]):
        raise TaskFailure("collateral: %s is not a file; give a QuoteCollateralV3 JSON file" % params["collateral"])
    # A cache not made yet is every quote's problem ("no collateral for FMSPC ..."), not a bad argument.
    if params["collateral_dir"] and os.path.exists(params["collateral_dir"]) and \
            not os.path.isdir(params["collateral_dir"]):
        raise TaskFailure("collateral_dir: %s is not a directory; give the cache of confidential.tdx.tdx_collateral"
                          % params["collateral_dir"])
    try:
        root = roots.load_root(params["testing_root_ca"]) if params["testing_root_ca"] else roots.intel_root()
    except roots.RootError as exc:
        raise TaskFailure("testing_root_ca: %s" % exc)
    try:
        # None: Google's root, taken from each endorsement's ca_bundle by its pinned SHA-256 (endorsement.py).
        endorsement_root = (endorsement.load_root(params["testing_endorsement_root"])
                            if params["testing_endorsement_root"] else None)
    except roots.RootError as exc:
        raise TaskFailure("testing_endorsement_root: %s" % exc)
    try:
        verifier = Verifier(root, policy, collateral_path=params["collateral"],
                            collateral_dir=params["collateral_dir"], endorsement_root=endorsement_root)
    except dcap.MissingDcapQvl as exc:
        raise TaskFailure(str(exc))
    common = dict(changed=False, root=root.sha256, root_is_intel=root.is_intel, policy=policy.describe())
    if entries is None:
        result = verifier.verify(params["quote"], expected, default_at,
                                 skip_freshness_check=params["skip_freshness_check"], event_log=params["event_log"],
                                 event_log_table=params["event_log_table"])
        result.update(common)
        return result
    verdicts = {}
    # One Verifier per distinct policy (it holds its policy); entries without one share the task's.
    verifiers = {None: verifier}
    for entry in entries:
        key = None
        if entry.policy is not None:
            key = repr(sorted(entry.policy.describe().items()))
            if key not in verifiers:
                verifiers[key] = Verifier(root, entry.policy, collateral_path=params["collateral"],
                                          collateral_dir=params["collateral_dir"], endorsement_root=endorsement_root)
        verdicts[entry.name] = verifiers[key].verify(entry.quote, entry.expected, entry.verify_at, entry.collateral,
                                                     entry.skip_freshness_check, event_log=entry.event_log,
                                                     event_log_table=entry.event_log_table)
        if entry.policy is not None:
            verdicts[entry.name]["policy"] = entry.policy.describe()
    refused = [entry.name for entry in entries if not verdicts[entry.name]["verified"]]
    counts = dict((verdict, sum(1 for one in verdicts.values() if one["verdict"] == verdict)) for verdict in VERDICTS)
    result = dict(verified=not refused, verdicts=verdicts, refused=refused, verdict_counts=counts)
    result.update(common)
    return result
