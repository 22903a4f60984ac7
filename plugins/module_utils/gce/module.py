# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GceModule: what every cloud module needs around its own logic.

It adds the auth/project/endpoint options to the module's argument spec,
fails with ``missing_required_lib`` when the Google libraries are absent,
checks the credential options before anything else, builds the API door
lazily (so a task that fails validation makes no call and skips the costly
import), and turns any failure into a one-line ``fail_json``.
"""

import copy
import threading
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import (
    REQUIRED_LIBRARIES,
    ComputeApi,
    has_google_libraries,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.credentials import (
    AUTH_ARGUMENT_SPEC,
    AUTH_MUTUALLY_EXCLUSIVE,
    build_credentials,
    check_auth_options,
    credential_option,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError, describe
from ansible_collections.confidential.tdx.plugins.module_utils.gce.input_checks import check_lengths
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import InstanceCalls
from ansible_collections.confidential.tdx.plugins.module_utils.retries import Deadline

# Budget for modules without a wait_timeout option (reads only).
DEFAULT_TIMEOUT = 300


class GceModule:
    def __init__(self, argument_spec, timeout_option=None, mutually_exclusive=None, **kwargs):
        spec = copy.deepcopy(AUTH_ARGUMENT_SPEC)
        spec.update(argument_spec)
        self.module = AnsibleModule(
            argument_spec=spec,
            mutually_exclusive=list(AUTH_MUTUALLY_EXCLUSIVE) + list(mutually_exclusive or ()),
            **kwargs)
        self.params = self.module.params
        if self.params.get("service_account_contents"):
            # Given as a dictionary, the key is masked leaf by leaf before
            # jsonarg turns it into text, where the private key's newlines are
            # escaped and no longer match: mask the text as a whole too.
            self.module.no_log_values.add(self.params["service_account_contents"])
        if not has_google_libraries():
            self.module.fail_json(msg=missing_required_lib(REQUIRED_LIBRARIES))
        problems = check_lengths(self.params)
        if problems:
            self.fail("; ".join(problems))
        problem = check_auth_options(self.params)
        if problem:
            self.fail(problem)
        seconds = self.params.get(timeout_option) if timeout_option else None
        self.deadline = Deadline(seconds if seconds is not None else DEFAULT_TIMEOUT)
        self._api = None
        self._instances = None
        self._warned = set()
        self._warned_lock = threading.Lock()

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff  # pylint: disable=protected-access

    @property
    def api(self):
        """The ComputeApi, built on first use (credentials are loaded then, not earlier)."""
        if self._api is None:
            try:
                credentials, project = build_credentials(self.params)
            except Exception as error:  # pylint: disable=broad-except
                self.fail_from(error, "load credentials")
            if not project:
                self.fail("project: not set and not found in the credentials; set project or GCP_PROJECT")
            self._api = ComputeApi(credentials, project, api_endpoint=self.params.get("api_endpoint"),
                                   deadline=self.deadline, credential_option=credential_option(self.params))
        return self._api

    @property
    def instances(self):
        """Instance and image calls (InstanceCalls) over the same API door."""
        if self._instances is None:
            self._instances = InstanceCalls(self.api)
        return self._instances

    def warn_once(self, message):
        """Warn, once per task however many fleet members (threads) find the same thing."""
        with self._warned_lock:
            if message in self._warned:
                return
            self._warned.add(message)
        self.module.warn(message)

    def fail(self, message, **result):
        self.module.fail_json(msg=message, **result)

    def fail_from(self, error, action, **result):
        """Fail with the one-line description of any exception raised while doing ``action``."""
        described = describe(error, action)
        if not isinstance(error, GceError):
            # Only unexpected errors carry a traceback, and only at -vvv.
            result.setdefault("exception", traceback.format_exc())
        details = dict((key, value) for key, value in described.details.items() if value is not None)
        if details:
            result.setdefault("error", details)
        self.fail(described.message, **result)

    def exit(self, **result):
        self.module.exit_json(**result)
