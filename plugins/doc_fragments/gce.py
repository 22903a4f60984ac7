# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options of plugins/module_utils/gce/credentials.py AUTH_ARGUMENT_SPEC.
    DOCUMENTATION = r"""
options:
  project:
    description:
      - The Google Cloud project that holds the instances.
      - When not set, the project of the credentials is used (the C(project_id)
        of a service-account key, or the application-default project).
      - Falls back to the E(GCP_PROJECT) environment variable.
    type: str
  auth_kind:
    description:
      - How to authenticate to Google Cloud.
      - V(application) uses Application Default Credentials (for example after
        C(gcloud auth application-default login)).
      - V(serviceaccount) uses the JSON key in O(service_account_file) or
        O(service_account_contents).
      - V(machineaccount) uses the service account of the Compute Engine VM
        running Ansible, through its metadata server.
      - V(accesstoken) uses the OAuth2 bearer token in O(access_token).
      - When not set, it is inferred as V(accesstoken) if O(access_token) is set,
        V(serviceaccount) if a service-account key is given, else V(application).
      - Falls back to the E(GCP_AUTH_KIND) environment variable.
    type: str
    choices: [application, serviceaccount, machineaccount, accesstoken]
  service_account_file:
    description:
      - Path to a service-account JSON key, used with O(auth_kind=serviceaccount).
      - The key's C(token_uri) is honoured.
      - Falls back to the E(GCP_SERVICE_ACCOUNT_FILE) environment variable.
      - Mutually exclusive with O(service_account_contents).
    type: path
  service_account_contents:
    description:
      - The contents of a service-account JSON key (a string or a dictionary),
        used with O(auth_kind=serviceaccount).
      - Falls back to the E(GCP_SERVICE_ACCOUNT_CONTENTS) environment variable.
      - Never logged nor returned. Prefer giving it as a string, for example
        from the P(ansible.builtin.file#lookup) lookup; given as a dictionary,
        Ansible masks each of its values wherever they appear in the output,
        the project ID included.
    type: jsonarg
  service_account_email:
    description:
      - The service account of the VM running Ansible to use with
        O(auth_kind=machineaccount). Defaults to the VM's default service account.
      - Falls back to the E(GCP_SERVICE_ACCOUNT_EMAIL) environment variable.
    type: str
  access_token:
    description:
      - An OAuth2 access token (for example from C(gcloud auth print-access-token)),
        used with O(auth_kind=accesstoken). It is not refreshed.
      - Falls back to the E(GCP_ACCESS_TOKEN) environment variable.
      - Never logged nor returned.
    type: str
  scopes:
    description:
      - OAuth2 scopes requested for O(auth_kind=serviceaccount),
        O(auth_kind=machineaccount) and O(auth_kind=application).
      - Defaults to V(https://www.googleapis.com/auth/cloud-platform).
      - Falls back to the E(GCP_SCOPES) environment variable (comma-separated).
    type: list
    elements: str
  api_endpoint:
    description:
      - Base URL of the Compute Engine API, for a Private Service Connect
        endpoint or an emulator, for example V(https://compute-myendpoint.p.googleapis.com).
      - Every call uses it, operation polling included.
      - Defaults to Google's public endpoint.
      - Falls back to the E(GCP_API_ENDPOINT) environment variable.
    type: str
requirements:
  - python >= 3.10
  - google-auth >= 2.20.0
  - google-cloud-compute >= 1.15.0
notes:
  - The cloud modules run on the controller, in a play on C(localhost) or with
    C(delegate_to=localhost).
  - Set the authentication options once for every cloud module of a play with
    C(module_defaults) and the action group C(group/confidential.tdx.gce).
  - Transient API failures (HTTP 429, 500, 502, 503, 504, 400
    C(resourceNotReady) and dropped connections) are retried with
    exponential backoff and jitter within the task's time budget; every
    write carries one C(requestId) across its retries, so a retry never acts
    twice.
  - A call refused by a per-minute rate limit (HTTP 403
    C(rateLimitExceeded)) is sent again just after the next full minute by
    the API's clock, when Compute Engine refills the quota, rather than
    asked again and again before then, and the task's other calls of that
    kind wait with it; when that minute ends after the task's time budget,
    the task fails at once, saying so.
"""
