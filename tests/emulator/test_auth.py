"""Authentication: bearer tokens on every API call, and the JWT-bearer token endpoint."""

import json
import time

import pytest
import requests
from google.api_core import exceptions
from google.auth import crypt, jwt
from google.auth import credentials as auth_credentials
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.cloud import compute_v1
from google.oauth2 import _client as oauth2_client
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from gce_emulator.service_account import ServiceAccountKey

from .helpers import CLOUD_PLATFORM, ZONE, Compute, reasons

GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


def _instances_url(emulator):
    return "%s/compute/v1/projects/%s/zones/%s/instances" % (emulator.base_url, emulator.project, ZONE)


def _assertion(service_account_file, signing_key_pem=None, **claim_overrides):
    now = int(time.time())
    claims = {"iss": service_account_file.email, "aud": GOOGLE_TOKEN_AUDIENCE, "scope": CLOUD_PLATFORM,
              "iat": now, "exp": now + 3600}
    claims.update(claim_overrides)
    signer = crypt.RSASigner.from_string(signing_key_pem or service_account_file.private_key_pem,
                                         key_id=service_account_file.key_id)
    return jwt.encode(signer, claims).decode("ascii")


def _grant(gce_emulator, assertion):
    return oauth2_client.jwt_grant(Request(), gce_emulator.base_url + "/token", assertion)


def test_an_api_call_without_a_token_gets_401_in_googles_format(gce_emulator):
    response = requests.get(_instances_url(gce_emulator), timeout=10)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401
    assert error["status"] == "UNAUTHENTICATED"
    assert error["errors"][0]["reason"] == "required"
    assert error["errors"][0]["location"] == "Authorization"


class _SendsNoAuthorization(auth_credentials.Credentials):
    """google-auth's AnonymousCredentials refuse to be used with a client that must refresh."""

    def refresh(self, request):
        pass

    def before_request(self, request, method, url, headers):
        pass


def test_the_client_without_credentials_gets_unauthorized(gce_emulator):
    client = compute_v1.InstancesClient(credentials=_SendsNoAuthorization(),
                                        client_options={"api_endpoint": gce_emulator.base_url})
    with pytest.raises(exceptions.Unauthorized) as refusal:
        client.get(project=gce_emulator.project, zone=ZONE, instance="anything")
    assert reasons(refusal) == ["required"]


def test_an_unknown_token_gets_401_auth_error(gce_emulator):
    response = requests.get(_instances_url(gce_emulator), headers={"Authorization": "Bearer ya29.made-up"}, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["errors"][0]["reason"] == "authError"


def test_a_key_the_emulator_does_not_know_is_refused(gce_emulator, tmp_path):
    stranger = ServiceAccountKey("stranger@tdx-test-project.iam.gserviceaccount.com", gce_emulator.project)
    path = tmp_path / "stranger.json"
    path.write_text(json.dumps(stranger.key_file_json(gce_emulator.base_url)))
    credentials = service_account.Credentials.from_service_account_file(str(path), scopes=[CLOUD_PLATFORM])
    with pytest.raises(exceptions.Unauthorized) as refusal:
        Compute(gce_emulator, credentials).list_names()
    assert reasons(refusal) == ["authError"]


def test_a_minted_access_token_works_as_a_credential(gce_emulator, access_token):
    compute = Compute(gce_emulator, user_credentials.Credentials(token=access_token))
    assert compute.list_names() == []


def test_the_token_endpoint_grants_a_token_for_a_good_assertion(gce_emulator, service_account_file):
    token, _, extra = _grant(gce_emulator, _assertion(service_account_file))
    assert extra["token_type"] == "Bearer"
    response = requests.get(_instances_url(gce_emulator), headers={"Authorization": "Bearer " + token}, timeout=10)
    assert response.status_code == 200


def test_the_token_endpoint_also_accepts_its_own_url_as_audience(gce_emulator, service_account_file):
    token, _, _ = _grant(gce_emulator, _assertion(service_account_file, aud=gce_emulator.base_url + "/token"))
    assert token


def test_the_token_endpoint_rejects_a_bad_signature(gce_emulator, service_account_file):
    other_key = ServiceAccountKey(service_account_file.email, gce_emulator.project).private_key_pem
    with pytest.raises(RefreshError, match="invalid_grant: Invalid JWT Signature"):
        _grant(gce_emulator, _assertion(service_account_file, signing_key_pem=other_key))


def test_the_token_endpoint_rejects_a_wrong_audience(gce_emulator, service_account_file):
    with pytest.raises(RefreshError, match="invalid_grant: Invalid JWT: Failed audience check"):
        _grant(gce_emulator, _assertion(service_account_file, aud="https://sts.example.invalid/token"))


def test_the_token_endpoint_rejects_an_expired_assertion(gce_emulator, service_account_file):
    now = int(time.time())
    with pytest.raises(RefreshError, match="invalid_grant: Invalid JWT: Token must be a short-lived token"):
        _grant(gce_emulator, _assertion(service_account_file, iat=now - 7200, exp=now - 3600))


def test_the_token_endpoint_rejects_an_assertion_that_lives_too_long(gce_emulator, service_account_file):
    now = int(time.time())
    with pytest.raises(RefreshError, match="short-lived token"):
        _grant(gce_emulator, _assertion(service_account_file, iat=now, exp=now + 7200))


def test_the_token_endpoint_rejects_an_unknown_account(gce_emulator, service_account_file):
    with pytest.raises(RefreshError, match="invalid_grant: Invalid grant: account not found"):
        _grant(gce_emulator, _assertion(service_account_file, iss="nobody@tdx-test-project.iam.gserviceaccount.com"))


def test_the_token_endpoint_wants_the_jwt_bearer_grant(gce_emulator):
    response = requests.post(gce_emulator.base_url + "/token", data={"grant_type": "client_credentials"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_no_secret_reaches_the_request_log(gce_emulator, service_account_file, sa_credentials):
    assertion = _assertion(service_account_file)
    token, _, _ = _grant(gce_emulator, assertion)
    requests.get(_instances_url(gce_emulator), headers={"Authorization": "Bearer " + token}, timeout=10)
    compute = Compute(gce_emulator, sa_credentials)
    compute.list_names()  # a self-signed JWT this time
    self_signed_jwt = compute.instances._transport._credentials.token

    log = json.dumps(gce_emulator.admin.requests())
    assert len(gce_emulator.admin.requests()) == 3
    assert self_signed_jwt.count(".") == 2
    for secret in (assertion, token, self_signed_jwt, service_account_file.private_key_pem):
        assert secret not in log
    assert '"authorization"' not in log.lower()
