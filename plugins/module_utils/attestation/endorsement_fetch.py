# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Google's launch endorsements for the collateral cache: which are due, fetching them.

Google publishes the endorsement of the firmware whose TDX measurement is
MRTD in its public bucket ``gce_tcb_integrity`` as the object
``ovmf_x64_csm/tdx/<MRTD in lower-case hex>.binarypb``
(github.com/google/gce-tcb-verifier: extract/extracttdx, verify.GCETcbURL),
read over HTTPS from https://storage.googleapis.com. The cache keeps the
object's bytes as served (endorsement_cache.py), so that quote_verify reads
them offline. An endorsement describes one firmware build and does not
expire: a cached one costs no call.

No endorsement for an MRTD (HTTP 404, or 403, which Cloud Storage answers
for a missing object to a reader that may not list the bucket) means the
firmware is not one Google signed: reported, not an error of the task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import collateral as cache
from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.endorsement_cache import (
    CACHE_FOLDER,
    endorsement_path,
)
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.pcs import Pcs, PcsError, _Refused
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.verifier import parse_step, quote_bytes

GOOGLE_STORAGE_URL = "https://storage.googleapis.com"
OBJECT_PATH = "/gce_tcb_integrity/ovmf_x64_csm/tdx/%s.binarypb"
NOT_PUBLISHED_STATUSES = (403, 404)

FETCHED = "fetched"
CACHED = "cached"
MISSING = "missing"  # not in the cache and not fetched (offline, check mode)
NOT_PUBLISHED = "not_published"  # Google has none for this MRTD


def mrtds_of_quotes(quotes):
    """The MRTDs (lower-case hex) of ``quotes`` (base64), each once, in first-seen order; unreadable quotes skipped.

    Unreadable quotes are the FMSPC step's to refuse by name; here they add nothing.
    """
    mrtds = []
    for text in quotes or []:
        raw, problem = quote_bytes(text)
        if problem:
            continue
        decoded, own, dummy = parse_step(raw)
        if decoded is not None and decoded["mrtd"].lower() not in mrtds:
            mrtds.append(decoded["mrtd"].lower())
    return mrtds


def endorsement_state(cache_dir, mrtd_hex):
    """The cache entry of one MRTD's endorsement: cached or missing."""
    path = endorsement_path(cache_dir, mrtd_hex)
    entry = {"mrtd": mrtd_hex, "path": path}
    if os.path.isfile(path):
        entry.update(status=CACHED, reason="in the cache (an endorsement does not expire)")
    else:
        entry.update(status=MISSING, reason="not in the cache")
    return entry


class EndorsementSource(Pcs):
    """Google's bucket (or a stand-in at ``base_url``), with Pcs's timeouts, retries and call count."""

    def __init__(self, base_url=None, **kwargs):
        super(EndorsementSource, self).__init__(base_url or GOOGLE_STORAGE_URL, **kwargs)

    def url_of(self, mrtd_hex):
        return self.base_url + OBJECT_PATH % mrtd_hex.lower()

    def fetch(self, mrtd_hex):  # pylint: disable=arguments-differ  # keyed by MRTD, not FMSPC
        """The endorsement's bytes, or None when Google publishes none for this MRTD."""
        url = self.url_of(mrtd_hex)
        try:
            body = self._get(url).content
        except PcsError as exc:
            # Pcs._get raises PcsError from the _Refused of the answer; 403 and 404 are not retried.
            cause = exc.__context__
            if isinstance(cause, _Refused) and cause.response.status_code in NOT_PUBLISHED_STATUSES:
                return None
            raise
        outer, dummy, problem = endorsement.parse(body)
        if problem:
            raise PcsError("GET %s answered a body that is not a launch endorsement: %s"
                           % (url, problem[len("endorsement: "):]))
        return body


def fetch_endorsement(source, entry, cache_dir):
    """Fetch one MRTD's endorsement into the cache; the entry says fetched or not_published."""
    body = source.fetch(entry["mrtd"])
    if body is None:
        entry.update(status=NOT_PUBLISHED, reason="%s has no endorsement for this MRTD: not a firmware Google signed"
                                                  % source.url_of(entry["mrtd"]))
        return
    folder = os.path.join(cache_dir, CACHE_FOLDER)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    cache.write_atomically(entry["path"], body)
    entry.update(status=FETCHED, reason="fetched from %s" % source.url_of(entry["mrtd"]))


def endorsement_entries(cache_dir, quotes, source, fetch):
    """Each quote's MRTD's endorsement entry; with ``fetch``, the missing ones fetched (PcsError: a call failed)."""
    entries = [endorsement_state(cache_dir, mrtd) for mrtd in mrtds_of_quotes(quotes)]
    for entry in entries:
        if fetch and entry["status"] == MISSING:
            fetch_endorsement(source, entry, cache_dir)
    return entries
