# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The authentication and endpoint options of the cloud modules
    # (plugins/doc_fragments/gce.py), as a plugin declares them: a plugin reads
    # its environment fallbacks from the ``env`` entries below, where a module
    # reads them from its argument spec. Same names, same meaning.
    DOCUMENTATION = r"""
options:
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
    type: str
    choices: [application, serviceaccount, machineaccount, accesstoken]
    env:
      - name: GCP_AUTH_KIND
  service_account_file:
    description:
      - Path to a service-account JSON key, used with O(auth_kind=serviceaccount).
      - The key's C(token_uri) is honoured.
      - Mutually exclusive with O(service_account_contents).
    type: path
    env:
      - name: GCP_SERVICE_ACCOUNT_FILE
  service_account_contents:
    description:
      - The contents of a service-account JSON key, as a string or a dictionary,
        used with O(auth_kind=serviceaccount).
      - Never shown in output or error messages.
      - Mutually exclusive with O(service_account_file).
    type: raw
    env:
      - name: GCP_SERVICE_ACCOUNT_CONTENTS
  service_account_email:
    description:
      - The service account of the VM running Ansible to use with
        O(auth_kind=machineaccount). Defaults to the VM's default service account.
    type: str
    env:
      - name: GCP_SERVICE_ACCOUNT_EMAIL
  access_token:
    description:
      - An OAuth2 access token (for example from C(gcloud auth print-access-token)),
        used with O(auth_kind=accesstoken). It is not refreshed.
      - Never shown in output or error messages.
    type: str
    env:
      - name: GCP_ACCESS_TOKEN
  scopes:
    description:
      - OAuth2 scopes requested for O(auth_kind=serviceaccount),
        O(auth_kind=machineaccount) and O(auth_kind=application).
      - Defaults to V(https://www.googleapis.com/auth/cloud-platform).
      - In the environment variable, separate scopes with commas.
    type: list
    elements: str
    env:
      - name: GCP_SCOPES
  api_endpoint:
    description:
      - Base URL of the Compute Engine API, for a Private Service Connect
        endpoint or an emulator, for example V(https://compute-myendpoint.p.googleapis.com).
      - Defaults to Google's public endpoint.
    type: str
    env:
      - name: GCP_API_ENDPOINT
requirements:
  - python >= 3.10
  - google-auth >= 2.20.0
  - google-cloud-compute >= 1.15.0
"""
