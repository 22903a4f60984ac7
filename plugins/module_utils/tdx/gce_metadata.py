# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What Compute Engine's metadata server says about the instance a guest runs in (standard library only).

Two keys of ``instance/``: ``id`` (the instance's numeric ID: the same
across restarts, new when an instance of the same name is made again) and
``maintenance-event`` (``NONE``, or the host maintenance Compute Engine has
scheduled or is doing: ``MIGRATE_ON_HOST_MAINTENANCE``,
``TERMINATE_ON_HOST_MAINTENANCE``; a TDX VM is terminated, not migrated).
Sources: https://cloud.google.com/compute/docs/metadata/predefined-metadata-keys
and https://cloud.google.com/compute/docs/instances/live-migration-process
(getting live migration notices).

The server is reached directly, never through a proxy the environment
names, with ``Metadata-Flavor: Google``, and its answer must carry the same
header (as Google's does), so that some other server at the address is not
taken for it. Self-reported: anything root on the guest controls can answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

METADATA_URL = "http://169.254.169.254/computeMetadata/v1/instance/"
KEYS = (("instance_id", "id"), ("maintenance_event", "maintenance-event"))
# A guest on Compute Engine gets an answer in milliseconds; elsewhere the
# address does not answer at all, and the wait is all this costs.
TIMEOUT_SECONDS = 2.0
FLAVOR = "Google"


def read(base_url=METADATA_URL, timeout=TIMEOUT_SECONDS):
    """{available, instance_id, maintenance_event, error}: what the server said, or why it could not be asked."""
    # Imported here: urllib.request brings http.client, ssl and email, a sixth of guest_info's imports on every
    # host, and only a run with gce_metadata asks the server.
    from urllib.request import ProxyHandler, Request, build_opener  # pylint: disable=import-outside-toplevel
    from urllib.error import URLError  # pylint: disable=import-outside-toplevel

    opener = build_opener(ProxyHandler({}))
    found = {"available": False, "instance_id": None, "maintenance_event": None, "error": None}
    for name, key in KEYS:
        request = Request(base_url + key, headers={"Metadata-Flavor": FLAVOR})
        try:
            answer = opener.open(request, timeout=timeout)
            try:
                if answer.headers.get("Metadata-Flavor") != FLAVOR:
                    found["error"] = "%s%s answered without Metadata-Flavor: Google: not a metadata server" % (
                        base_url, key)
                    return found
                found[name] = answer.read(4096).decode("utf-8", "replace").strip() or None
            finally:
                answer.close()
        except (URLError, socket.timeout, OSError, ValueError) as error:
            found["error"] = "%s%s: %s" % (base_url, key, getattr(error, "reason", None) or error)
            return found
    found["available"] = True
    return found
