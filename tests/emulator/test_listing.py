"""List calls: filter syntax, pages, aggregatedList, and the catalog reads."""

import pytest
from google.api_core import exceptions
from google.cloud import compute_v1

from .helpers import ZONE, reasons

FLEET = [
    ("web-1", "us-central1-a", "RUNNING", {"env": "prod", "tier": "web"}),
    ("web-2", "us-central1-a", "TERMINATED", {"env": "prod", "tier": "web"}),
    ("web-3", "us-central1-a", "RUNNING", {"env": "staging", "tier": "web"}),
    ("db-1", "us-central1-a", "RUNNING", {"env": "prod", "tier": "db"}),
    ("batch-1", "us-central1-a", "RUNNING", {}),
    ("eu-1", "europe-west4-a", "RUNNING", {"env": "prod"}),
    ("asia-1", "asia-southeast1-b", "TERMINATED", {"env": "prod"}),
]


@pytest.fixture
def fleet(gce_emulator):
    gce_emulator.admin.load_state({"instances": [
        {"name": name, "zone": zone, "status": status, "labels": labels, "machineType": "c3-standard-4"}
        for name, zone, status, labels in FLEET
    ]})


@pytest.mark.parametrize("expression, expected", [
    ('name = "web-1"', ["web-1"]),
    ("name = web-1", ["web-1"]),
    ('labels.env = "prod"', ["db-1", "web-1", "web-2"]),
    ("status = RUNNING", ["batch-1", "db-1", "web-1", "web-3"]),
    ("status != RUNNING", ["web-2"]),
    ("name eq web-.*", ["web-1", "web-2", "web-3"]),
    ('name eq "web-[12]"', ["web-1", "web-2"]),
    ("name ne web-.*", ["batch-1", "db-1"]),
    ("name eq 'web-[12]'", ["web-1", "web-2"]),
    ('(name eq "web-.*") (labels.env eq prod)', ["web-1", "web-2"]),
    ('(labels.env = "prod") (status = RUNNING)', ["db-1", "web-1"]),
    ('labels.env = "prod" AND labels.tier = "web" AND status = RUNNING', ["web-1"]),
    ("labels.tier = db OR labels.env = staging", ["db-1", "web-3"]),
    ("labels.tier:*", ["db-1", "web-1", "web-2", "web-3"]),
    ("NOT labels.env:*", ["batch-1"]),
    ("name:eb", ["web-1", "web-2", "web-3"]),
    ('machineType = "https://www.googleapis.com/compute/v1/projects/tdx-test-project/zones/us-central1-a/'
     'machineTypes/c3-standard-4"', ["batch-1", "db-1", "web-1", "web-2", "web-3"]),
])
def test_filters(compute, fleet, expression, expected):
    assert compute.list_names(filter=expression) == expected


@pytest.mark.parametrize("expression", ['name = "unclosed', "name", "(name = x", "name eq ("])
def test_a_bad_filter_is_refused(compute, fleet, expression):
    with pytest.raises(exceptions.BadRequest) as refusal:
        compute.list_names(filter=expression)
    assert reasons(refusal) == ["invalid"]


@pytest.mark.parametrize("expression, why", [
    ('(name eq "web-.*") (labels.env = "prod")', "cannot be mixed in one filter"),
    ('name eq web-.* AND status = RUNNING', "cannot be mixed in one filter"),
    ("(name eq web-1) OR (name eq db-1)", "eq/ne expressions take no OR or NOT"),
    ('scheduling = "x"', "field 'scheduling' is not an atomic field"),
    ("labels:*", "field 'labels' is not an atomic field"),
    ("scheduling eq .*", "field 'scheduling' is not an atomic field"),
])
def test_the_grammar_is_strict(compute, fleet, expression, why):
    """The discovery document: the two forms cannot be mixed, and only atomic fields filter."""
    with pytest.raises(exceptions.BadRequest) as refusal:
        compute.list_names(filter=expression)
    assert reasons(refusal) == ["invalid"]
    assert why in refusal.value.message


def test_pages_are_followed_by_the_clients_pager(compute, fleet, gce_emulator):
    gce_emulator.admin.clear_requests()
    names = compute.list_names(max_results=2)
    assert names == ["batch-1", "db-1", "web-1", "web-2", "web-3"]
    tokens = [entry["query"].get("pageToken") for entry in gce_emulator.admin.requests()]
    assert len(tokens) == 3 and tokens[0] is None and all(tokens[1:])


def test_a_single_page_carries_its_next_page_token(compute, fleet):
    request = compute_v1.ListInstancesRequest(project=compute.project, zone=ZONE, max_results=3,
                                              filter="labels.tier = web OR labels.tier = db")
    first = next(iter(compute.instances.list(request=request).pages))
    assert [i.name for i in first.items] == ["db-1", "web-1", "web-2"]
    assert first.next_page_token
    request.page_token = first.next_page_token
    second = next(iter(compute.instances.list(request=request).pages))
    assert [i.name for i in second.items] == ["web-3"]
    assert not second.next_page_token


def test_a_page_token_from_another_query_is_refused(compute, fleet):
    request = compute_v1.ListInstancesRequest(project=compute.project, zone=ZONE, max_results=2)
    token = next(iter(compute.instances.list(request=request).pages)).next_page_token
    request = compute_v1.ListInstancesRequest(project=compute.project, zone=ZONE, max_results=2,
                                              filter="status = RUNNING", page_token=token)
    with pytest.raises(exceptions.BadRequest):
        list(compute.instances.list(request=request))


def test_max_results_above_500_is_refused(compute):
    with pytest.raises(exceptions.BadRequest):
        compute.list_names(max_results=501)


def test_aggregated_list_is_keyed_by_zone(compute, fleet):
    request = compute_v1.AggregatedListInstancesRequest(project=compute.project, filter='labels.env = "prod"')
    found = {scope: sorted(i.name for i in scoped.instances)
             for scope, scoped in compute.instances.aggregated_list(request=request) if scoped.instances}
    assert found == {
        "zones/us-central1-a": ["db-1", "web-1", "web-2"],
        "zones/europe-west4-a": ["eu-1"],
        "zones/asia-southeast1-b": ["asia-1"],
    }


def test_aggregated_list_pages(compute, fleet):
    request = compute_v1.AggregatedListInstancesRequest(project=compute.project, max_results=3)
    names = sorted(i.name for _, scoped in compute.instances.aggregated_list(request=request)
                   for i in scoped.instances)
    assert names == sorted(name for name, _, _, _ in FLEET)
    empty_scope = dict(compute.instances.aggregated_list(request=request))["zones/us-east1-b"]
    assert empty_scope.warning.code == "NO_RESULTS_ON_PAGE"


def test_zones(compute):
    zone = compute.zones.get(project=compute.project, zone="europe-west4-b")
    assert zone.region.endswith("/regions/europe-west4") and zone.status == "UP"
    names = [z.name for z in compute.zones.list(project=compute.project)]
    assert {"us-central1-a", "us-central1-b", "us-central1-c", "europe-west4-a", "europe-west4-b",
            "asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c", "us-east1-b"} <= set(names)
    with pytest.raises(exceptions.NotFound):
        compute.zones.get(project=compute.project, zone="mars-north1-a")


def test_machine_types(compute):
    c3 = compute.machine_types.get(project=compute.project, zone=ZONE, machine_type="c3-standard-88")
    assert (c3.guest_cpus, c3.memory_mb, c3.zone) == (88, 360448, ZONE)
    request = compute_v1.ListMachineTypesRequest(project=compute.project, zone=ZONE, filter="name eq c3-.*")
    assert [m.name for m in compute.machine_types.list(request=request)] == [
        "c3-standard-176", "c3-standard-22", "c3-standard-4", "c3-standard-44", "c3-standard-8", "c3-standard-88"]
    with pytest.raises(exceptions.NotFound):
        compute.machine_types.get(project=compute.project, zone="us-central1-f", machine_type="a3-highgpu-1g")


def test_images(compute):
    newest = compute.images.get_from_family(project="ubuntu-os-cloud", family="ubuntu-2204-lts")
    assert newest.name == "ubuntu-2204-jammy-v20250112"
    assert "TDX_CAPABLE" in [f.type_ for f in newest.guest_os_features]
    old = compute.images.get(project="ubuntu-os-cloud", image="ubuntu-2204-jammy-v20230114")
    assert old.deprecated.state == "DEPRECATED"
    assert "TDX_CAPABLE" not in [f.type_ for f in old.guest_os_features]
    noble = compute.images.get_from_family(project="ubuntu-os-cloud", family="ubuntu-2404-lts-amd64")
    assert "TDX_CAPABLE" in [f.type_ for f in noble.guest_os_features]
    debian = compute.images.get_from_family(project="debian-cloud", family="debian-12")
    assert "TDX_CAPABLE" not in [f.type_ for f in debian.guest_os_features]
    with pytest.raises(exceptions.NotFound):
        compute.images.get_from_family(project="ubuntu-os-cloud", family="ubuntu-1604-lts")


def test_default_network_and_subnetworks(compute):
    network = compute.networks.get(project=compute.project, network="default")
    assert network.auto_create_subnetworks
    subnet = compute.subnetworks.get(project=compute.project, region="asia-southeast1", subnetwork="default")
    assert subnet.ip_cidr_range == "10.148.0.0/20"
    assert subnet.network == network.self_link
    with pytest.raises(exceptions.NotFound):
        compute.networks.get(project=compute.project, network="prod-vpc")
