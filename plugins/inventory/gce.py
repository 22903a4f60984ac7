# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: gce
short_description: Intel TDX Confidential VMs on Compute Engine as Ansible hosts
version_added: 0.1.0
description:
  - Lists the Compute Engine instances of one or more projects and makes each
    a host, by default only those created as Intel TDX trust domains
    (O(tdx_only)).
  - Reads a configuration file whose name ends with C(gce.yml) or
    C(gce.yaml), for example C(fleet.gce.yml).
  - Every zone of a project is listed with one C(aggregatedList) call per page
    of 500 instances; with O(zones), one C(list) call per zone and page. No
    call is made per instance, and none at all when the cache is enabled and
    still fresh.
  - Each host gets a single host variable, C(gce), holding the instance as
    M(confidential.tdx.gce_instance_info) returns it (C(name), C(project),
    C(zone), C(status), C(machine_type), C(confidential_instance_type),
    C(internal_ip), C(external_ip), C(labels), C(metadata), C(network_tags),
    C(tdx), C(tdx_problems), ...). Use it in O(compose), O(groups) and
    O(keyed_groups), for example C(gce.labels.role).
  - Each host joins automatic groups named after its project, zone, status
    and confidential type, lowercase with every character other than a
    letter, digit or underscore turned into C(_), for example
    C(gce_project_my_project), C(gce_zone_us_central1_a),
    C(gce_status_running), C(gce_status_stopping), C(gce_confidential_tdx),
    C(gce_confidential_sev) and C(gce_confidential_none) (not a Confidential
    VM).
  - A member of a managed instance group (see
    M(confidential.tdx.gce_instance_group)) also joins C(gce_group_NAME),
    NAME being its group (the C(created-by) metadata Compute Engine gives
    each member), for example C(gce_group_web).
  - Instances in transitional states (C(PROVISIONING), C(STAGING),
    C(STOPPING), C(SUSPENDING)) and stopped ones (C(TERMINATED)) are listed
    like the others; one that has none of the names in O(hostnames) (for
    example no IP address yet) is left out with a warning.
author:
  - confidential.tdx maintainers (@confidential-tdx)
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
  - confidential.tdx.gce_plugin
options:
  plugin:
    description:
      - Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [confidential.tdx.gce]
  projects:
    description:
      - The Google Cloud projects whose instances are listed.
      - When not set, the project of the credentials is used (the C(project_id)
        of a service-account key, or the application-default project).
      - In the environment variable, separate projects with commas.
    type: list
    elements: str
    env:
      - name: GCP_PROJECT
  zones:
    description:
      - Only instances in these zones, listed with one C(list) call per zone.
      - When empty, every zone is listed through C(aggregatedList).
    type: list
    elements: str
    default: []
  filters:
    description:
      - Compute Engine API filter expressions, applied by the API; an instance
        must match all of them.
      - For example V(labels.fleet = "payments") or V(status = "RUNNING").
    type: list
    elements: str
    default: []
  tdx_only:
    description:
      - Only instances whose C(confidentialInstanceConfig) asks for an Intel
        TDX trust domain.
      - Whether such an instance is also a sound trust domain (maintenance
        policy, machine type, image, zone) is in C(gce.tdx) and
        C(gce.tdx_problems).
      - Set to V(false) to list every instance, Confidential or not.
    type: bool
    default: true
  hostnames:
    description:
      - How each host is named, in order of preference; the first the instance
        has is used.
      - V(public_ip) is the external IP address of the first network
        interface, V(private_ip) its internal IP address, V(name) the
        instance name.
      - An instance with none of them (for example a stopped instance when only
        IP addresses are asked for) is left out with a warning; so is one whose
        name another instance already took (two projects listing the same
        internal IP address, or the same instance name in two zones).
      - The name does not say how to connect; set C(ansible_host) through
        O(compose), as the examples do.
    type: list
    elements: str
    choices: [public_ip, private_ip, name]
    default: [public_ip, private_ip, name]
  wait_timeout:
    description:
      - Seconds the listing may take, retries of transient API failures
        (HTTP 429, 5xx, dropped connections) included.
    type: int
    default: 120
seealso:
  - module: confidential.tdx.gce_instance_info
  - module: confidential.tdx.gce_instance
  - name: Filter syntax of instances.aggregatedList
    description: The expressions O(filters) accepts.
    link: https://cloud.google.com/compute/docs/reference/rest/v1/instances/aggregatedList
notes:
  - The cache key is made from the configuration file's path and from
    O(projects), O(zones), O(filters) and O(api_endpoint), so changing what is
    asked of the API never reads an older answer; O(tdx_only), O(hostnames)
    and the constructed options apply to cached answers as well.
  - Credentials (O(access_token), O(service_account_contents)) never appear
    in output or error messages; errors name the option to change.
"""

EXAMPLES = r"""
---
# fleet.gce.yml: the TDX instances of one project, reached on their external
# address when they have one, else the internal one.
plugin: confidential.tdx.gce
projects:
  - my-project
auth_kind: application
compose:
  ansible_host: gce.external_ip or gce.internal_ip

---
# payments.gce.yml: two zones, only the payments fleet, named by internal IP,
# grouped by the role label, cached for ten minutes between runs.
plugin: confidential.tdx.gce
projects:
  - my-project
auth_kind: serviceaccount
service_account_file: ~/.config/gcloud/inventory-reader.json
zones:
  - us-central1-a
  - us-central1-b
filters:
  - labels.fleet = "payments"
  - status = "RUNNING"
hostnames:
  - private_ip
  - name
compose:
  ansible_host: gce.internal_ip
keyed_groups:
  - key: gce.labels.role | default("none")
    prefix: role
groups:
  tdx_with_problems: not gce.tdx
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible/gce-inventory
cache_timeout: 600

---
# emulator.gce.yml: the local Compute Engine emulator (tools/gce_emulator in
# the collection's repository), with the key file it wrote.
plugin: confidential.tdx.gce
projects:
  - tdx-test-project
api_endpoint: http://127.0.0.1:43121
service_account_file: /tmp/sa.json
hostnames:
  - name
compose:
  ansible_host: gce.external_ip or gce.internal_ip

---
# every.gce.yml: every instance, Confidential or not, of the projects named in
# GCP_PROJECT (comma-separated), grouped by machine type.
plugin: confidential.tdx.gce
tdx_only: false
keyed_groups:
  - key: gce.machine_type
    prefix: machine
"""

import json

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import (
    REQUIRED_LIBRARIES,
    ComputeApi,
    compute_v1,
    has_google_libraries,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import (
    build_credentials,
    check_auth_options,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError, describe
from ansible_collections.confidential.tdx.plugins.module_utils.gce.filters import combined_filter
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import check_wait_timeout
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instance_view import summarize_with_tdx
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import InstanceCalls
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline
from ansible_collections.confidential.tdx.plugins.plugin_utils.gce_inventory import (
    HOST_VAR,
    PAGE_SIZE,
    PLUGIN_LABEL,
    automatic_groups,
    check_hostnames,
    credential_option,
    explain_listing_error,
    is_tdx,
    listing_action,
    place,
    query_fingerprint,
)

CONFIG_SUFFIXES = ("gce.yml", "gce.yaml")

# Options the shared credentials layer reads, as the modules name them.
AUTH_OPTIONS = ("auth_kind", "service_account_file", "service_account_contents", "service_account_email",
                "access_token", "scopes", "api_endpoint")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "confidential.tdx.gce"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        auth = self._auth_params()
        self._check_options(auth)
        summaries = self._summaries(path, cache, auth)
        self._populate(summaries)

    # Options

    def _auth_params(self):
        """The auth options in the shape the shared credentials layer reads (module parameters)."""
        params = dict((name, self.get_option(name)) for name in AUTH_OPTIONS)
        contents = params["service_account_contents"]
        if isinstance(contents, dict):
            params["service_account_contents"] = json.dumps(dict(contents))
        elif contents is not None and not isinstance(contents, str):
            raise AnsibleParserError("%s: service_account_contents: give the key's JSON text or a dictionary"
                                     % PLUGIN_LABEL)
        for name in ("auth_kind", "service_account_file", "service_account_email", "access_token", "api_endpoint"):
            if params[name] is not None:
                params[name] = str(params[name])
        return params

    def _check_options(self, auth):
        problems = []
        if auth["service_account_file"] and auth["service_account_contents"]:
            problems.append("service_account_file: cannot be combined with service_account_contents; give one")
        problems.append(check_auth_options(auth))
        problems.append(check_hostnames(self.get_option("hostnames")))
        problems.append(check_wait_timeout(self.get_option("wait_timeout")))
        problems = [problem for problem in problems if problem]
        if problems:
            raise AnsibleParserError("%s: %s" % (PLUGIN_LABEL, "; ".join(problems)))

    # Listing (or the cache)

    def _summaries(self, path, cache, auth):
        """Instance summaries of every project asked for, from the cache when it may be used and is fresh."""
        key = "%s_%s" % (self.get_cache_key(path), query_fingerprint(
            self.get_option("projects"), self.get_option("zones"), self.get_option("filters"),
            auth["api_endpoint"]))
        caching = self.get_option("cache")
        if caching and cache:
            try:
                return self._cache[key]
            except KeyError:
                pass  # not cached yet, or expired
        summaries = self._list_instances(auth)
        if caching:
            self._cache[key] = summaries
        return summaries

    def _list_instances(self, auth):
        if not has_google_libraries():
            raise AnsibleError("%s: needs the Python libraries %s on the controller; install them with "
                               "pip install google-cloud-compute google-auth (the collection's requirements.txt)"
                               % (PLUGIN_LABEL, REQUIRED_LIBRARIES))
        try:
            credentials, credentials_project = build_credentials(auth)
        except Exception as error:  # pylint: disable=broad-except
            raise AnsibleError("%s: %s" % (PLUGIN_LABEL, describe(error, "load credentials").message)) from None
        projects = self.get_option("projects") or ([credentials_project] if credentials_project else [])
        if not projects:
            raise AnsibleError("%s: projects: not set and not found in the credentials; set projects or GCP_PROJECT"
                               % PLUGIN_LABEL)
        compute_v1()  # the slow library import does not count against wait_timeout
        deadline = Deadline(self.get_option("wait_timeout"))
        expression = combined_filter(self.get_option("filters"))
        zones = self.get_option("zones")
        summaries = []
        for project in projects:
            calls = InstanceCalls(ComputeApi(credentials, project, api_endpoint=auth["api_endpoint"],
                                             deadline=deadline))
            for zone in zones or [None]:
                try:
                    if zone:
                        found = calls.in_zone(zone, expression, listing_action(project, zone), max_results=PAGE_SIZE)
                    else:
                        found = calls.aggregated(expression, listing_action(project), max_results=PAGE_SIZE)
                except GceError as error:
                    raise AnsibleError(explain_listing_error(error, project, zone, credential_option(auth))) from None
                summaries.extend(dict(summarize_with_tdx(instance), project=project) for instance in found)
        return summaries

    # Hosts and groups

    def _populate(self, summaries):
        wanted = [summary for summary in summaries if is_tdx(summary) or not self.get_option("tdx_only")]
        hosts, skipped = place(wanted, self.get_option("hostnames"))
        for reason in skipped:
            self.display.warning("%s: %s" % (PLUGIN_LABEL, reason))
        strict = self.get_option("strict")
        for hostname, summary in hosts:
            self.inventory.add_host(hostname)
            # API data (labels, metadata) is never a template to render.
            self.inventory.set_variable(hostname, HOST_VAR, wrap_var(summary))
            for group in automatic_groups(summary):
                self.inventory.add_group(group)
                self.inventory.add_child(group, hostname)
            hostvars = self.inventory.get_host(hostname).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, hostname, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, hostname, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, hostname, strict=strict)
