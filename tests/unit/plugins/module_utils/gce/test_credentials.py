"""Credential options: inference, validation, key files; messages never carry the key."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import (
    build_credentials,
    check_auth_options,
    credential_option,
    effective_auth_kind,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError


@pytest.fixture(scope="module")
def private_key_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def key_info(private_key_pem):
    return {
        "type": "service_account", "project_id": "key-project", "private_key_id": "abc",
        "private_key": private_key_pem, "client_email": "robot@key-project.iam.gserviceaccount.com",
        "token_uri": "http://127.0.0.1:5/token",
    }


@pytest.mark.parametrize("params, kind", [
    ({}, "application"),
    ({"access_token": "ya29.x"}, "accesstoken"),
    ({"service_account_file": "/k.json"}, "serviceaccount"),
    ({"service_account_contents": "{}"}, "serviceaccount"),
    ({"auth_kind": "machineaccount", "access_token": "ya29.x"}, "machineaccount"),
])
def test_auth_kind_is_inferred_when_not_given(params, kind):
    assert effective_auth_kind(params) == kind


@pytest.mark.parametrize("params, expected", [
    ({"auth_kind": "serviceaccount"}, "service_account_file: required when auth_kind is serviceaccount"),
    ({"auth_kind": "accesstoken"}, "access_token: required when auth_kind is accesstoken"),
    ({"access_token": "t", "api_endpoint": "127.0.0.1:8080"}, "api_endpoint: 127.0.0.1:8080 must be a URL"),
])
def test_missing_or_wrong_options(params, expected):
    assert check_auth_options(params).startswith(expected)


@pytest.mark.parametrize("params, option", [
    ({"access_token": "ya29.x"}, "access_token"),
    ({"service_account_file": "/k.json"}, "service_account_file"),
    ({"service_account_contents": "{}"}, "service_account_contents"),
    ({"auth_kind": "machineaccount"}, "service_account_email"),
    ({}, "auth_kind"),
])
def test_the_option_holding_the_credentials_is_the_one_a_rejection_names(params, option):
    assert credential_option(params) == option


def test_complete_options_pass():
    assert check_auth_options({"access_token": "t", "api_endpoint": "http://127.0.0.1:1"}) is None


def test_key_file_honours_token_uri_and_gives_the_project(tmp_path, key_info):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key_info))
    credentials, project = build_credentials({"service_account_file": str(path), "scopes": None, "project": None})
    assert project == "key-project"
    assert credentials.service_account_email == key_info["client_email"]
    assert credentials._token_uri == "http://127.0.0.1:5/token"  # no public getter in google-auth
    _, explicit = build_credentials({"service_account_file": str(path), "project": "other"})
    assert explicit == "other"


def test_key_contents_as_text(key_info):
    credentials, project = build_credentials({"service_account_contents": json.dumps(key_info)})
    assert project == "key-project" and credentials.service_account_email == key_info["client_email"]


@pytest.mark.parametrize("mangle, expected", [
    (lambda info: "not json at all " + info["private_key"], "service_account_contents: not valid JSON"),
    (lambda info: json.dumps(dict(info, type="authorized_user")), "service_account_contents: not a service-account key"),
    (lambda info: json.dumps(dict(info, private_key="")), "service_account_contents: the key lacks private_key"),
    (lambda info: json.dumps(dict(info, private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")),
     "service_account_contents: the private key could not be loaded"),
])
def test_bad_key_contents_never_echo_the_key(key_info, mangle, expected):
    with pytest.raises(GceError) as raised:
        build_credentials({"service_account_contents": mangle(key_info)})
    assert raised.value.message.startswith(expected)
    body = "".join(line for line in key_info["private_key"].splitlines() if "-----" not in line)
    assert body[100:140] not in raised.value.message and "AAAA" not in raised.value.message


def test_missing_key_file(tmp_path):
    with pytest.raises(GceError) as raised:
        build_credentials({"service_account_file": str(tmp_path / "absent.json")})
    assert raised.value.message.startswith("service_account_file: %s does not exist" % (tmp_path / "absent.json"))


def test_a_bare_access_token_explains_a_401_instead_of_refreshing():
    credentials, project = build_credentials({"access_token": "ya29.token", "project": "p"})
    assert project == "p" and credentials.token == "ya29.token"
    with pytest.raises(GceError) as raised:
        credentials.refresh(None)
    assert raised.value.message.startswith("access_token: rejected by the API (HTTP 401)")
    assert "ya29.token" not in raised.value.message
