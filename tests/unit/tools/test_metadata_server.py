"""The metadata server over real HTTP on loopback: paths, header rules, recursive JSON, long polls.

The shapes are held to what the real clients read: google-guest-agent
20211116 (google_guest_agent/metadata.go: ``/computeMetadata/v1//?recursive=true
&alt=json&wait_for_change=true&timeout_sec=60&last_etag=...``, the ETag
header) and google-compute-engine-oslogin 20210907 (oslogin_utils.cc).
"""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from metadata_server import MetadataService
from metadata_server import service as service_module

KEY = ("tdx-project", "us-central1-a", "vm-1")
FACTS = {
    "id": 1234567890123, "name": "vm-1", "zone": "us-central1-a", "machine_type": "c3-standard-4",
    "project_id": "tdx-project", "numeric_project_id": "987654321", "ip": "169.254.7.2",
    "external_ip": "169.254.7.2", "cpu_platform": "Intel Sapphire Rapids",
    "attributes": {"ssh-keys": "alice:ssh-ed25519 AAAAC3Nza alice", "startup-script": "echo hi"},
}


@pytest.fixture
def served():
    state = {"facts": json.loads(json.dumps(FACTS))}
    metadata = MetadataService(lambda key: state["facts"] if key == KEY else None)
    host, port = metadata.serve(KEY)
    state.update(metadata=metadata, base="http://%s:%d" % (host, port))
    yield state
    metadata.close()


def get(state, path, flavor="Google", headers=None, method="GET", data=None, timeout=10):
    request = urllib.request.Request(state["base"] + path, method=method, data=data)
    if flavor:
        request.add_header("Metadata-Flavor", flavor)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_a_request_without_the_flavor_header_is_refused_and_every_answer_carries_it(served):
    status, headers, body = get(served, "/computeMetadata/v1/instance/id", flavor=None)
    assert status == 403 and "Metadata-Flavor" in body and headers["Metadata-Flavor"] == "Google"
    assert get(served, "/computeMetadata/v1/instance/id", flavor="google")[0] == 403
    status, headers, body = get(served, "/computeMetadata/v1/instance/id")
    assert (status, body, headers["Metadata-Flavor"]) == (200, "1234567890123", "Google")


def test_a_request_through_a_proxy_is_refused(served):
    assert get(served, "/computeMetadata/v1/instance/id", headers={"X-Forwarded-For": "10.0.0.1"})[0] == 403


def test_instance_and_project_paths_answer_as_text(served):
    served["metadata"].set_project_attributes("tdx-project", {"ssh-keys": "bob:ssh-ed25519 AAAAB bob"})
    expected = {
        "instance/name": "vm-1",
        "instance/zone": "projects/987654321/zones/us-central1-a",
        "instance/machine-type": "projects/987654321/machineTypes/c3-standard-4",
        "instance/hostname": "vm-1.us-central1-a.c.tdx-project.internal",
        "instance/network-interfaces/0/ip": "169.254.7.2",
        "instance/network-interfaces/0/access-configs/0/external-ip": "169.254.7.2",
        "instance/attributes/ssh-keys": "alice:ssh-ed25519 AAAAC3Nza alice",
        "instance/attributes/startup-script": "echo hi",
        "project/project-id": "tdx-project",
        "project/numeric-project-id": "987654321",
        "project/attributes/ssh-keys": "bob:ssh-ed25519 AAAAB bob",
    }
    for path, value in expected.items():
        status, _, body = get(served, "/computeMetadata/v1/" + path)
        assert (status, body) == (200, value), path
    status, _, listing = get(served, "/computeMetadata/v1/instance/attributes/")
    assert status == 200 and listing.split() == ["ssh-keys", "startup-script"]
    assert "network-interfaces/" in get(served, "/computeMetadata/v1/instance/")[2].split()
    assert get(served, "/computeMetadata/v1/instance/nothing-here")[0] == 404


def test_a_directory_without_its_slash_redirects(served):
    request = urllib.request.Request(served["base"] + "/computeMetadata/v1/instance/attributes",
                                     headers={"Metadata-Flavor": "Google"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    assert answer.value.code == 301
    assert answer.value.headers["Location"] == "/computeMetadata/v1/instance/attributes/"


def test_recursive_json_is_camel_case_except_attribute_keys_as_the_agent_reads_it(served):
    # The agent's own URL, double slash included (metadataURL + metadataRecursive).
    status, headers, body = get(served, "/computeMetadata/v1//?recursive=true&alt=json&last_etag=NONE")
    assert status == 200 and headers["Content-Type"] == "application/json" and headers["ETag"]
    document = json.loads(body)
    instance, project = document["instance"], document["project"]
    assert instance["id"] == 1234567890123
    assert instance["machineType"] == "projects/987654321/machineTypes/c3-standard-4"
    assert instance["networkInterfaces"][0]["ip"] == "169.254.7.2"
    assert instance["networkInterfaces"][0]["forwardedIps"] == []
    assert instance["attributes"]["ssh-keys"].startswith("alice:")
    assert project["numericProjectId"] == 987654321 and project["projectId"] == "tdx-project"
    assert json.loads(get(served, "/computeMetadata/v1/instance/attributes/?recursive=true")[2]) == \
        FACTS["attributes"]


def test_alt_text_and_alt_json(served):
    assert get(served, "/computeMetadata/v1/instance/id?alt=json")[2] == "1234567890123"
    assert get(served, "/computeMetadata/v1/instance/name?alt=json")[2] == '"vm-1"'
    lines = get(served, "/computeMetadata/v1/instance/attributes/?recursive=true&alt=text")[2].splitlines()
    assert "startup-script echo hi" in lines
    assert get(served, "/computeMetadata/v1/instance/id?alt=xml")[0] == 400


def test_wait_for_change_answers_at_once_for_an_old_etag_and_times_out_with_the_same_etag(served):
    path = "/computeMetadata/v1/instance/attributes/?recursive=true&wait_for_change=true"
    status, headers, _ = get(served, path + "&last_etag=NONE")
    assert status == 200
    etag = headers["ETag"]
    started = time.monotonic()
    status, headers, _ = get(served, path + "&timeout_sec=1&last_etag=" + etag)
    assert status == 200 and headers["ETag"] == etag and time.monotonic() - started >= 0.9
    assert get(served, path + "&timeout_sec=soon")[0] == 400


def test_wait_for_change_wakes_up_when_the_instance_metadata_changes(served, monkeypatch):
    monkeypatch.setattr(service_module, "POLL_SECONDS", 0.1)
    path = "/computeMetadata/v1//?recursive=true&alt=json&wait_for_change=true&timeout_sec=30"
    etag = get(served, path + "&last_etag=NONE")[1]["ETag"]
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(get(served, path + "&last_etag=" + etag, timeout=40)))
    waiter.start()
    time.sleep(0.5)
    assert waiter.is_alive(), "the long poll answered before anything changed"
    served["facts"] = dict(served["facts"], attributes={"ssh-keys": "carol:ssh-ed25519 AAAAC carol"})
    waiter.join(timeout=10)
    assert answers, "the long poll did not wake up on a change"
    status, headers, body = answers[0]
    assert status == 200 and headers["ETag"] != etag
    assert json.loads(body)["instance"]["attributes"]["ssh-keys"].startswith("carol:")


def test_guest_attributes_need_enabling_and_then_hold_what_the_guest_puts(served):
    path = "/computeMetadata/v1/instance/guest-attributes/hostkeys/ssh-ed25519"
    assert get(served, path, method="PUT", data=b"AAAAC3")[0] == 403
    served["facts"] = dict(served["facts"], attributes={"enable-guest-attributes": "TRUE"})
    assert get(served, path, method="PUT", data=b"AAAAC3")[0] == 200
    assert get(served, path)[2] == "AAAAC3"
    assert served["metadata"].guest_attributes(KEY) == {"hostkeys/ssh-ed25519": "AAAAC3"}


def _oslogin(served, enabled=True):
    served["facts"] = dict(served["facts"], attributes={"enable-oslogin": "TRUE" if enabled else "FALSE"})
    directory = served["metadata"].oslogin
    directory.add_user("tdx-project", "dana@example.com", "dana_example_com", 1001001, admin=True,
                       ssh_keys=["ssh-ed25519 AAAAD dana"])
    directory.add_user("tdx-project", "eve@example.com", "eve_example_com", 1001002, login=False)
    directory.add_group("tdx-project", "tdx-admins", 2001, members=["dana_example_com"])
    return directory


def test_oslogin_answers_404_while_it_is_off(served):
    _oslogin(served, enabled=False)
    assert get(served, "/computeMetadata/v1/oslogin/users?username=dana_example_com")[0] == 404


def test_oslogin_users_by_name_and_uid_carry_the_posix_account_and_keys(served):
    _oslogin(served)
    status, _, body = get(served, "/computeMetadata/v1/oslogin/users?username=dana_example_com")
    profile = json.loads(body)["loginProfiles"][0]
    assert status == 200 and profile["name"] == "dana@example.com"
    account = profile["posixAccounts"][0]
    assert (account["username"], account["uid"], account["gid"], account["homeDirectory"], account["shell"]) == \
        ("dana_example_com", 1001001, 1001001, "/home/dana_example_com", "/bin/bash")
    assert [entry["key"] for entry in profile["sshPublicKeys"].values()] == ["ssh-ed25519 AAAAD dana"]
    assert json.loads(get(served, "/computeMetadata/v1/oslogin/users?uid=1001001")[2]) == json.loads(body)
    assert get(served, "/computeMetadata/v1/oslogin/users?username=nobody")[0] == 404


def test_oslogin_user_pages_end_with_a_page_of_their_own(served):
    _oslogin(served)
    first = json.loads(get(served, "/computeMetadata/v1/oslogin/users?pagesize=1")[2])
    assert len(first["loginProfiles"]) == 1 and first["nextPageToken"] == "1"
    second = json.loads(get(served, "/computeMetadata/v1/oslogin/users?pagesize=1&pagetoken=1")[2])
    assert second["loginProfiles"][0]["posixAccounts"][0]["username"] == "eve_example_com"
    last = json.loads(get(served, "/computeMetadata/v1/oslogin/users?pagesize=1&pagetoken=" +
                          second["nextPageToken"])[2])
    assert last == {"nextPageToken": "0"}


def test_oslogin_groups_and_authorization(served):
    _oslogin(served)
    assert json.loads(get(served, "/computeMetadata/v1/oslogin/groups?pagesize=10")[2]) == \
        {"posixGroups": [{"name": "tdx-admins", "gid": 2001}], "nextPageToken": "0"}
    assert json.loads(get(served, "/computeMetadata/v1/oslogin/groups?email=dana@example.com")[2])["posixGroups"] \
        == [{"name": "tdx-admins", "gid": 2001}]
    assert json.loads(get(served, "/computeMetadata/v1/oslogin/groups?gid=2001")[2])["posixGroups"][0]["name"] \
        == "tdx-admins"
    assert json.loads(get(served, "/computeMetadata/v1/oslogin/users?groupname=tdx-admins")[2])["usernames"] == \
        ["dana_example_com"]
    decisions = {}
    for email in ("dana@example.com", "eve@example.com", "mallory@example.com"):
        for policy in ("login", "adminLogin"):
            answer = get(served, "/computeMetadata/v1/oslogin/authorize?email=%s&policy=%s" % (email, policy))
            decisions[(email.split("@")[0], policy)] = json.loads(answer[2])["success"]
    assert decisions == {("dana", "login"): True, ("dana", "adminLogin"): True,
                         ("eve", "login"): False, ("eve", "adminLogin"): False,
                         ("mallory", "login"): False, ("mallory", "adminLogin"): False}
    assert get(served, "/computeMetadata/v1/oslogin/authorize?email=dana@example.com&policy=root")[0] == 400


def test_an_oslogin_uid_below_1000_is_refused():
    from metadata_server import OsLoginDirectory
    with pytest.raises(ValueError, match="below 1000"):
        OsLoginDirectory().add_user("p", "a@example.com", "a", 999)
