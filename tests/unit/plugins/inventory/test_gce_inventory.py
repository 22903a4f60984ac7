"""Pure decisions of the gce inventory: host names, group names, TDX selection, filters, cache keys, errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.filters import combined_filter
from ansible_collections.confidential.tdx.plugins.plugin_utils.gce_inventory import (
    DEFAULT_HOSTNAMES,
    automatic_groups,
    check_hostnames,
    choose_hostname,
    credential_option,
    explain_listing_error,
    group_part,
    is_tdx,
    place,
    query_fingerprint,
)


def summary(name="web-1", project="proj-a", zone="us-central1-a", status="RUNNING", kind="TDX",
            internal_ip=None, external_ip=None):
    """An instance summary as the plugin gets it (summarize_with_tdx + project)."""
    return {"name": name, "project": project, "zone": zone, "status": status,
            "confidential_instance_type": kind, "internal_ip": internal_ip, "external_ip": external_ip}


# -- hostnames ---------------------------------------------------------------------

def test_default_preference_is_public_then_private_then_name():
    assert list(DEFAULT_HOSTNAMES) == ["public_ip", "private_ip", "name"]
    both = summary(internal_ip="10.0.0.2", external_ip="203.0.113.9")
    assert choose_hostname(both, DEFAULT_HOSTNAMES) == "203.0.113.9"
    assert choose_hostname(summary(internal_ip="10.0.0.2"), DEFAULT_HOSTNAMES) == "10.0.0.2"
    assert choose_hostname(summary(), DEFAULT_HOSTNAMES) == "web-1"


def test_preference_order_is_the_users():
    both = summary(internal_ip="10.0.0.2", external_ip="203.0.113.9")
    assert choose_hostname(both, ["private_ip", "public_ip"]) == "10.0.0.2"
    assert choose_hostname(both, ["name", "public_ip"]) == "web-1"


def test_instance_without_any_preferred_name_has_no_hostname():
    assert choose_hostname(summary(status="TERMINATED"), ["public_ip", "private_ip"]) is None
    assert choose_hostname(summary(external_ip=""), ["public_ip"]) is None


@pytest.mark.parametrize("preference, fragment", [
    ([], "give at least one of public_ip, private_ip, name"),
    (["public_ip", "hostname"], "hostname is not a known choice"),
])
def test_unusable_hostnames_option_is_one_line_naming_it(preference, fragment):
    message = check_hostnames(preference)
    assert message.startswith("hostnames: ")
    assert fragment in message
    assert "\n" not in message


def test_known_hostnames_pass():
    assert check_hostnames(["name"]) is None
    assert check_hostnames(list(DEFAULT_HOSTNAMES)) is None


def test_place_skips_nameless_instances_with_a_reason_and_keeps_the_rest():
    hosts, skipped = place([summary("a", internal_ip="10.0.0.2"), summary("b", status="PROVISIONING")],
                           ["private_ip"])
    assert [name for name, _ in hosts] == ["10.0.0.2"]
    assert len(skipped) == 1
    assert "proj-a/us-central1-a/b" in skipped[0] and "PROVISIONING" in skipped[0]
    assert "private_ip" in skipped[0]


def test_place_never_lets_two_instances_share_a_host_name():
    first = summary("web", zone="us-central1-a")
    second = summary("web", zone="us-central1-b")
    hosts, skipped = place([second, first], ["name"])
    assert [(name, item["zone"]) for name, item in hosts] == [("web", "us-central1-a")]
    assert len(skipped) == 1
    assert "us-central1-b/web" in skipped[0] and "us-central1-a/web" in skipped[0]


def test_place_orders_hosts_by_project_zone_and_name():
    items = [summary("c", project="proj-b"), summary("b", zone="us-central1-b"), summary("a", zone="us-central1-b"),
             summary("z")]
    hosts, _ = place(items, ["name"])
    assert [name for name, _ in hosts] == ["z", "a", "b", "c"]


# -- groups ------------------------------------------------------------------------

def test_automatic_groups_name_project_zone_status_and_confidential_type():
    assert automatic_groups(summary(project="tdx-test-project", status="STOPPING")) == [
        "gce_project_tdx_test_project", "gce_zone_us_central1_a", "gce_status_stopping", "gce_confidential_tdx"]


@pytest.mark.parametrize("kind, group", [
    ("SEV_SNP", "gce_confidential_sev_snp"),
    ("SEV", "gce_confidential_sev"),
    (None, "gce_confidential_none"),
])
def test_confidential_group_for_every_kind(kind, group):
    assert automatic_groups(summary(kind=kind))[-1] == group


def test_a_member_of_a_managed_instance_group_joins_its_group():
    member = dict(summary(), metadata={
        "created-by": "projects/123456789012/regions/us-central1/instanceGroupManagers/web-tdx"})
    assert automatic_groups(member)[-1] == "gce_group_web_tdx"
    assert not any(group.startswith("gce_group_") for group in automatic_groups(
        dict(summary(), metadata={"created-by": "someone"})))


def test_group_part_lowercases_and_replaces_what_ansible_would_reject():
    assert group_part("us-central1-a") == "us_central1_a"
    assert group_part("My.Project:x") == "my_project_x"


@given(st.text(max_size=40))
def test_group_part_is_always_a_safe_name_piece(text):
    part = group_part(text)
    assert all(character in "abcdefghijklmnopqrstuvwxyz0123456789_" for character in part)
    assert len(part) == len(str(text).lower())


# -- TDX selection -----------------------------------------------------------------

@pytest.mark.parametrize("kind, expected", [
    ("TDX", True), ("SEV", False), ("SEV_SNP", False), (None, False), ("tdx", False),
])
def test_only_tdx_instances_count_as_tdx(kind, expected):
    assert is_tdx(summary(kind=kind)) is expected


# -- filters and cache keys --------------------------------------------------------

def test_filters_are_anded_in_parentheses():
    assert combined_filter([]) is None
    assert combined_filter(None) is None
    assert combined_filter(["  ", ""]) is None
    assert combined_filter(['labels.env = "prod"']) == 'labels.env = "prod"'
    assert combined_filter(['labels.env = "prod"', ' status = "RUNNING" ']) == \
        '(labels.env = "prod") (status = "RUNNING")'


def test_fingerprint_changes_with_every_part_of_the_question():
    base = query_fingerprint(["p"], [], ["a = 1"], "http://127.0.0.1:1")
    assert base == query_fingerprint(["p"], [], ["a = 1"], "http://127.0.0.1:1")
    others = {
        query_fingerprint(["q"], [], ["a = 1"], "http://127.0.0.1:1"),
        query_fingerprint(["p"], ["us-central1-a"], ["a = 1"], "http://127.0.0.1:1"),
        query_fingerprint(["p"], [], ["a = 2"], "http://127.0.0.1:1"),
        query_fingerprint(["p"], [], ["a = 1"], None),
    }
    assert base not in others
    assert len(others) == 4


# -- errors ------------------------------------------------------------------------

def api_error(status, reason=None, api_message="", **details):
    return GceError("list instances failed: HTTP %s" % status, http_status=status, reason=reason,
                    api_message=api_message, **details)


@pytest.mark.parametrize("error, zone, option, fragment", [
    (api_error(403, "forbidden", "Required 'compute.instances.list' permission for 'projects/p'"), None,
     "projects", "Compute Viewer role (compute.instances.list) in project p"),
    (api_error(404, "notFound", "The resource 'projects/p' was not found"), None,
     "projects", "project p does not exist"),
    (api_error(404, "notFound", "The resource 'projects/p/zones/mars-1a' was not found"), "mars-1a",
     "zones", "zone mars-1a is not a Compute Engine zone"),
    (api_error(400, "invalid", "Invalid value for field 'zone': 'mars-1a'. Unknown zone."), "mars-1a",
     "zones", "zone mars-1a is not a Compute Engine zone"),
    (api_error(401, "authError", "Invalid Credentials"), None, "auth_kind", "the credentials were rejected: renew"),
    (api_error(400, "invalid", "Invalid value for field 'filter': 'nope'. Invalid list filter expression."), None,
     "filters", "one API filter expression"),
    (api_error(503, "backendError", "Backend Error", attempts=4), None, "wait_timeout", "after 4 attempts"),
])
def test_listing_errors_name_the_option_and_the_fix(error, zone, option, fragment):
    message = explain_listing_error(error, "p", zone)
    assert message.startswith("confidential.tdx.gce inventory: list instances of project p")
    assert "; option %s;" % option in message
    assert fragment in message
    assert "\n" not in message


def test_listing_error_keeps_the_apis_words():
    message = explain_listing_error(api_error(403, "forbidden", "Compute Engine API has not been used"), "p")
    assert "HTTP 403 forbidden: Compute Engine API has not been used" in message


def test_errors_without_http_status_keep_the_shared_layers_message():
    error = GceError("list instances of project p failed: could not reach the Compute Engine API: refused; "
                     "option api_endpoint; fix: check api_endpoint and the network")
    assert explain_listing_error(error, "p") == "confidential.tdx.gce inventory: " + error.message


@pytest.mark.parametrize("auth, option", [
    ({"access_token": "t"}, "access_token"),
    ({"service_account_file": "/k.json"}, "service_account_file"),
    ({"service_account_contents": "{}"}, "service_account_contents"),
    ({"auth_kind": "application", "access_token": "t"}, "auth_kind"),
    ({}, "auth_kind"),
])
def test_a_rejection_names_the_credential_option_in_use(auth, option):
    assert credential_option(auth) == option
    message = explain_listing_error(api_error(401, "authError", "Invalid Credentials"), "p", credentials=option)
    assert "; option %s;" % option in message
