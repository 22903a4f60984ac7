# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by every cloud module (auth, project, endpoint) and the credentials they make.

The option names are those google.cloud users already know. Secrets
(service_account_contents, access_token) are no_log; this file never puts a
key, a token or a key file's contents into a message.
"""

import json
import os
import re

from ansible.module_utils.basic import env_fallback

try:
    import google.auth
    import google.auth.compute_engine
    import google.oauth2.credentials
    import google.oauth2.service_account
except ImportError:  # the module wrapper reports the missing libraries
    pass

from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import (
    check_access_token,
    check_project,
    excerpt,
    check_scopes,
    check_service_account,
)

AUTH_KINDS = ("application", "serviceaccount", "machineaccount", "accesstoken")
DEFAULT_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]

# Kept in step with plugins/doc_fragments/gce.py (validate-modules compares them).
AUTH_ARGUMENT_SPEC = dict(
    project=dict(type="str", fallback=(env_fallback, ["GCP_PROJECT"])),
    auth_kind=dict(type="str", choices=list(AUTH_KINDS), fallback=(env_fallback, ["GCP_AUTH_KIND"])),
    service_account_file=dict(type="path", fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_FILE"])),
    service_account_contents=dict(type="jsonarg", no_log=True,
                                  fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_CONTENTS"])),
    service_account_email=dict(type="str", fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_EMAIL"])),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["GCP_ACCESS_TOKEN"])),
    scopes=dict(type="list", elements="str", fallback=(env_fallback, ["GCP_SCOPES"])),
    api_endpoint=dict(type="str", fallback=(env_fallback, ["GCP_API_ENDPOINT"])),
)

AUTH_MUTUALLY_EXCLUSIVE = [("service_account_file", "service_account_contents")]


def _static_token_credentials(token):
    """Credentials for a bare access token, whose refresh explains instead of failing obscurely.

    google-auth refreshes on HTTP 401; a bare token cannot be refreshed, and
    the library's own message ("do not contain the necessary fields") hides
    that the token was rejected.
    """

    class StaticTokenCredentials(google.oauth2.credentials.Credentials):
        def refresh(self, request):
            raise GceError("access_token: rejected by the API (HTTP 401), it has expired or is not valid; get "
                           "a fresh one, for example with gcloud auth print-access-token", http_status=401)

    return StaticTokenCredentials(token)


def effective_auth_kind(params):
    """auth_kind as given, or inferred from which credential option is set."""
    if params.get("auth_kind"):
        return params["auth_kind"]
    if params.get("access_token"):
        return "accesstoken"
    if params.get("service_account_file") or params.get("service_account_contents"):
        return "serviceaccount"
    return "application"


def credential_option(params):
    """The option that holds the credentials a task uses, to name when the API rejects them (HTTP 401)."""
    kind = effective_auth_kind(params)
    if kind == "serviceaccount":
        return "service_account_contents" if params.get("service_account_contents") else "service_account_file"
    return {"accesstoken": "access_token", "machineaccount": "service_account_email"}.get(kind, "auth_kind")


def check_auth_options(params):
    """A one-line message for a missing or contradictory credential option, else None."""
    kind = effective_auth_kind(params)
    if kind == "serviceaccount" and not (params.get("service_account_file") or params.get("service_account_contents")):
        return ("service_account_file: required when auth_kind is serviceaccount "
                "(or set service_account_contents, or GCP_SERVICE_ACCOUNT_FILE)")
    if kind == "accesstoken" and not params.get("access_token"):
        return "access_token: required when auth_kind is accesstoken (or set GCP_ACCESS_TOKEN)"
    endpoint = params.get("api_endpoint")
    if endpoint and not re.match(r"https?://[^/\s]+", endpoint):
        return "api_endpoint: %s must be a URL such as https://compute.googleapis.com" % excerpt(endpoint)
    problems = [
        check_project(params.get("project")),
        check_access_token(params.get("access_token")),
        check_service_account(params.get("service_account_email"), "service_account_email"),
        check_scopes(params.get("scopes"), "scopes"),
    ]
    return next((problem for problem in problems if problem), None)


def _service_account_info(params):
    if params.get("service_account_contents"):
        option, text = "service_account_contents", params["service_account_contents"]
    else:
        option, path = "service_account_file", params["service_account_file"]
        if not os.path.isfile(path):
            raise GceError("service_account_file: %s does not exist or is not a file; point it at a "
                           "service-account JSON key" % path)
        try:
            with open(path) as handle:
                text = handle.read()
        except (IOError, OSError) as error:
            raise GceError("service_account_file: cannot read %s (%s)" % (path, error.strerror))
    try:
        info = json.loads(text)
    except ValueError:
        raise GceError("%s: not valid JSON; give a service-account key as downloaded from IAM" % option)
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise GceError('%s: not a service-account key (its "type" must be "service_account")' % option)
    return option, info


def build_credentials(params):
    """(credentials, project or None) for the module's auth options.

    The project comes from the options, else from the credentials (a key's
    project_id, the application-default project).
    """
    kind = effective_auth_kind(params)
    scopes = params.get("scopes") or DEFAULT_SCOPES
    project = params.get("project")
    if kind == "accesstoken":
        return _static_token_credentials(params["access_token"]), project
    if kind == "serviceaccount":
        option, info = _service_account_info(params)
        missing = [field for field in ("client_email", "private_key", "token_uri") if not info.get(field)]
        if missing:
            raise GceError("%s: the key lacks %s" % (option, ", ".join(missing)))
        try:
            # token_uri is read from the key, so a key made for another token
            # endpoint (a private one, the test emulator) is honoured.
            credentials = google.oauth2.service_account.Credentials.from_service_account_info(info, scopes=scopes)
        except ValueError:
            raise GceError("%s: the private key could not be loaded; download a new JSON key" % option)
        return credentials, project or info.get("project_id")
    if kind == "machineaccount":
        email = params.get("service_account_email") or "default"
        return google.auth.compute_engine.Credentials(service_account_email=email, scopes=scopes), project
    credentials, default_project = google.auth.default(scopes=scopes)
    return credentials, project or default_project
