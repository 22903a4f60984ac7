"""reference_policy: the policy learned from one verified host, tried on the quotes and logs it must judge."""

import base64

from ansible_collections.confidential.tdx.plugins.filter.reference_policy import reference_policy
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.eventlog_step import event_log_step
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.policy import policy_from
from tdx_pki import eventlog as logs  # tools/ is on sys.path (tests/fixtures/gce_emulator.py)

MRTD = "aa" * 48
XFAM = "e71a060000000000"


def verdict(builder, verified=True, **changes):
    """A quote_verify verdict for a host that booted ``builder``'s log (the event-log step run for real)."""
    quote = {"mrtd": MRTD, "xfam": XFAM, "rtmr": [value.hex() for value in builder.rtmrs()]}
    event_log, _ = event_log_step(quote, base64.b64encode(builder.to_bytes()).decode(), None, policy_from({}))
    result = {"verified": verified, "problems": [] if verified else ["tcb status: OutOfDate"], "quote": quote,
              "quote_sha256": "5e" * 32, "verify_at": "2026-12-07T13:00:00Z", "root": "ab" * 32,
              "root_is_intel": False, "event_log": event_log}
    result.update(changes)
    return result


def test_the_policy_of_one_host_pins_its_components_mrtd_and_tcb_with_provenance():
    boot = logs.ubuntu_boot_log()
    verdicts = {"ref": verdict(boot), "other": verdict(logs.uki_boot_log())}
    learned = reference_policy(verdicts, "ref", {"tcb_statuses": ["UpToDate"], "tcb_grace_period": 0,
                                                 "rtmr0": "00" * 48, "min_tcb_eval_data_number": None},
                               "2026-12-07T13:01:00Z")
    assert learned["problems"] == []
    policy = learned["policy"]
    assert sorted(policy) == ["events", "mrtd", "tcb_grace_period", "tcb_statuses", "xfam"]
    assert policy["mrtd"] == MRTD and policy["xfam"] == XFAM
    assert sorted(policy["events"]) == ["grub", "grub_config", "initrd", "kernel", "kernel_cmdline", "secure_boot",
                                        "secure_boot_db", "secure_boot_dbx", "secure_boot_kek", "secure_boot_pk",
                                        "shim"]
    assert policy["events"]["kernel_cmdline"] == [logs.sha384(logs.UBUNTU_CMDLINE.encode()).hex()]
    assert learned["provenance"] == {"host": "ref", "quote_sha256": "5e" * 32, "verified_at": "2026-12-07T13:00:00Z",
                                     "learned_at": "2026-12-07T13:01:00Z", "root": "ab" * 32, "root_is_intel": False}
    # The learned policy is a valid quote_verify policy that passes its own host and names a kernel update.
    checked = policy_from(policy)
    assert event_log_step(verdicts["ref"]["quote"], base64.b64encode(boot.to_bytes()).decode(), None, checked)[1] == []
    update = logs.ubuntu_boot_log("6.8.0-1016-gcp")
    _, problems = event_log_step(verdict(update)["quote"], base64.b64encode(update.to_bytes()).decode(), None,
                                 checked)
    assert [line.split(":")[0] for line in problems] == ["event kernel", "event initrd"]


def test_learning_is_refused_from_a_host_that_is_absent_refused_or_without_a_replayed_log():
    boot = logs.ubuntu_boot_log()
    cases = {
        "absent": ({"a": verdict(boot)}, "verify_learn_from: absent is not a host of this run; the hosts are a"),
        "refused": ({"refused": verdict(boot, verified=False)},
                    "verify_learn_from: refused's quote did not verify, so nothing is learned from it: tcb status: "
                    "OutOfDate"),
        "silent": ({"silent": verdict(boot, event_log=None)},
                   "verify_learn_from: silent gave no event log, so its boot components cannot be learned"),
        "unreplayed": ({"unreplayed": verdict(boot, event_log={"replayed": False, "events": [], "rtmrs": None})},
                       "verify_learn_from: unreplayed's event log was not replayed to its quote's RTMRs"),
    }
    for host, (verdicts, problem) in cases.items():
        learned = reference_policy(verdicts, host)
        assert learned["problems"] == [problem] and learned["policy"] == {}
