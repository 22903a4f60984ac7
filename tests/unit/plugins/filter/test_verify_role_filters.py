"""The filters the verify role and the reverify playbook decide with: batch entries, golden measurements,
archived entries."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.confidential.tdx.plugins.filter.archived_entries import archived_entries
from ansible_collections.confidential.tdx.plugins.filter.attestation_entries import attestation_entries
from ansible_collections.confidential.tdx.plugins.filter.golden_measurements import golden_measurements

NONCES = {"a": "11" * 32, "b": "22" * 32}


def test_each_host_gets_its_own_nonce_and_the_quote_it_gave():
    hostvars = {"a": {"verify_guest_quote": {"quote": "QUJD", "report_data": "00"}},
                "b": {"verify_guest_quote": {"failed": True, "msg": "no configfs-tsm"}}}
    entries = attestation_entries(["a", "b"], hostvars, NONCES, "beef")
    assert entries == {"a": {"nonce": "11" * 32, "quote": "QUJD", "user_data": "beef"},
                       "b": {"nonce": "22" * 32, "user_data": "beef"}}


def test_the_event_log_and_its_table_go_with_the_quote_when_the_host_gave_them():
    hostvars = {"a": {"verify_guest_quote": {"quote": "QUJD", "event_log": "TE9H", "event_log_table": "VEFC"}},
                "b": {"verify_guest_quote": {"quote": "QUJD", "event_log": None, "event_log_table": None,
                                             "event_log_reason": "no CCEL event log: ..."}}}
    entries = attestation_entries(["a", "b"], hostvars, NONCES)
    assert entries == {"a": {"nonce": "11" * 32, "quote": "QUJD", "event_log": "TE9H", "event_log_table": "VEFC"},
                       "b": {"nonce": "22" * 32, "quote": "QUJD"}}


def test_the_evidence_may_sit_under_a_key_of_the_registered_result():
    hostvars = {"a": {"verify_guest_info": {"attestation": {"quote": "QUJD", "event_log": "TE9H"}}},
                "b": {"verify_guest_info": {"tdx": {}}}}
    entries = attestation_entries(["a", "b"], hostvars, NONCES, "", "verify_guest_info", "attestation")
    assert entries == {"a": {"nonce": "11" * 32, "quote": "QUJD", "event_log": "TE9H"}, "b": {"nonce": "22" * 32}}


def test_a_host_without_a_registered_quote_still_gets_an_entry_and_no_user_data_key_when_empty():
    assert attestation_entries(["a"], {"a": {}}, NONCES) == {"a": {"nonce": "11" * 32}}


def test_a_host_without_a_nonce_is_a_bug_named_by_host():
    with pytest.raises(AnsibleFilterError, match="no nonce for host c"):
        attestation_entries(["c"], {"c": {}}, NONCES)


def verdict(mrtd, rtmr0="00" * 48, verified=True, problems=()):
    return {"verified": verified, "problems": list(problems),
            "quote": {"mrtd": mrtd, "rtmr": [rtmr0, "01" * 48, "02" * 48, "03" * 48], "mrconfigid": "00" * 48,
                      "mrowner": "00" * 48, "mrownerconfig": "00" * 48, "xfam": "e71a060000000000"}}


def test_equal_hosts_give_a_policy_of_every_register():
    golden = golden_measurements({"a": verdict("aa" * 48), "b": verdict("aa" * 48)})
    assert golden["problems"] == []
    assert golden["hosts"] == ["a", "b"]
    assert golden["policy"]["mrtd"] == "aa" * 48
    assert golden["policy"]["rtmr3"] == "03" * 48
    assert golden["policy"]["xfam"] == "e71a060000000000"


def test_a_differing_register_names_the_hosts_and_their_values():
    golden = golden_measurements({"a": verdict("aa" * 48), "b": verdict("aa" * 48), "c": verdict("bb" * 48)})
    assert "mrtd" not in golden["policy"]
    assert golden["differing"]["mrtd"] == {"aa" * 48: ["a", "b"], "bb" * 48: ["c"]}
    assert golden["problems"] == ["mrtd differs among the hosts: a, b has %s; c has %s" % ("aa" * 48, "bb" * 48)]


def test_a_host_whose_quote_did_not_verify_is_not_learned_from():
    golden = golden_measurements({"a": verdict("aa" * 48), "b": verdict("aa" * 48, verified=False,
                                                                        problems=["quote signature: bad"])})
    assert golden["hosts"] == ["a"]
    assert golden["unverified"] == {"b": ["quote signature: bad"]}
    assert golden["problems"] == ["b: its quote did not verify, so its measurements are not learned: "
                                  "quote signature: bad"]


def test_no_hosts_cannot_be_learned_from():
    assert golden_measurements({})["problems"] == ["no hosts to learn from"]


def report(host, **evidence):
    return {"host": host, "attestation": dict({"quote": "QUJD", "nonce": "11" * 32, "user_data": "",
                                               "verify_at": "2026-01-02T03:04:05Z"}, **evidence)}


def test_archived_reports_become_entries_at_their_recorded_time_or_now():
    reports = [report("a"), report("b", user_data="beef"), {"host": "c", "attestation": {"attempted": False}}]
    then = archived_entries(reports, "/tmp/coll")
    assert then == [
        {"name": "a", "quote": "QUJD", "nonce": "11" * 32, "collateral": "/tmp/coll/a.json",
         "verify_at": "2026-01-02T03:04:05Z"},
        {"name": "b", "quote": "QUJD", "nonce": "11" * 32, "collateral": "/tmp/coll/b.json",
         "verify_at": "2026-01-02T03:04:05Z", "user_data": "beef"}]
    assert [entry.get("verify_at") for entry in archived_entries(reports, "/tmp/coll", False)] == [None, None]


def test_an_archived_event_log_is_given_back_to_be_replayed_again():
    entry, = archived_entries([report("a", event_log="TE9H", event_log_table="VEFC")], "/tmp/coll")
    assert (entry["event_log"], entry["event_log_table"]) == ("TE9H", "VEFC")
    entry, = archived_entries([report("a", event_log=None)], "/tmp/coll")
    assert "event_log" not in entry and "event_log_table" not in entry


def test_a_report_with_a_quote_but_no_nonce_is_refused():
    with pytest.raises(AnsibleFilterError, match="no host or nonce"):
        archived_entries([report("a", nonce=None)], "/tmp/coll")


def test_each_archived_report_keeps_its_own_policy_less_what_was_not_checked():
    reports = [report("a", policy={"mrtd": ["aa" * 48], "xfam": None, "allowed_attributes": [], "tcb_statuses":
                                   ["UpToDate"]}),
               report("b", policy={"mrtd": ["bb" * 48], "mrseam": [], "rtmr0": None}),
               report("c")]
    policies = [entry.get("policy") for entry in archived_entries(reports, "/tmp/coll")]
    assert policies == [{"mrtd": ["aa" * 48], "allowed_attributes": [], "tcb_statuses": ["UpToDate"]},
                        {"mrtd": ["bb" * 48]}, None]
