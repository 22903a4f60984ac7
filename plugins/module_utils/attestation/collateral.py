# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collateral cache on the controller: one file per FMSPC and PCK CA, in dcap-qvl's QuoteCollateralV3 JSON.

Shared by tdx_collateral (which fills the cache) and quote_verify (which
reads it), so both agree on file names and on when an entry is stale.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import tempfile

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps

CAS = ("platform", "processor")
FMSPC_PATTERN = re.compile(r"^[0-9A-Fa-f]{12}$")
# The members of a QuoteCollateralV3 document (dcap-qvl's to_json / from_json).
MEMBERS = ("pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain", "tcb_info",
           "tcb_info_signature", "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature")


class CollateralError(ValueError):
    """A collateral file that cannot be used; one line."""


def entry_id(fmspc, ca):
    return "%s-%s" % (fmspc.upper(), ca.lower())


def entry_path(cache_dir, fmspc, ca):
    return os.path.join(cache_dir, entry_id(fmspc, ca) + ".json")


def read_document(path):
    """(text, document) of a collateral file; CollateralError with the reason."""
    try:
        with open(path) as handle:
            text = handle.read()
    except (IOError, OSError) as exc:
        raise CollateralError("cannot read %s: %s" % (path, exc.strerror or exc))
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CollateralError("%s is not JSON: %s" % (path, exc))
    if not isinstance(document, dict):
        raise CollateralError("%s is not a QuoteCollateralV3 document (a JSON object)" % path)
    missing = [member for member in MEMBERS if member not in document]
    if missing:
        raise CollateralError("%s is not a QuoteCollateralV3 document: it has no %s" % (path, ", ".join(missing)))
    return text, document


def _signed_item(document, member, key):
    try:
        item = json.loads(document[member])
        return item, timestamps.parse_iso(item["issueDate"], key), timestamps.parse_iso(item["nextUpdate"], key)
    except (TypeError, ValueError, KeyError) as exc:
        raise CollateralError("its %s has no readable issueDate and nextUpdate (%s)" % (member, exc))


def signed_dates(document):
    """Issue and next-update dates of the TCB info and QE identity, and the TCB info's FMSPC."""
    tcb_info, tcb_issued, tcb_next = _signed_item(document, "tcb_info", "tcbInfo")
    dummy, qe_issued, qe_next = _signed_item(document, "qe_identity", "enclaveIdentity")
    return {
        "fmspc": str(tcb_info.get("fmspc", "")).upper(),
        "tcb_info_issue_date": tcb_issued, "tcb_info_next_update": tcb_next,
        "qe_identity_issue_date": qe_issued, "qe_identity_next_update": qe_next,
    }


def crl_next_updates(document):
    """nextUpdate of the PCK CRL and the root CA CRL (Unix seconds), read with cryptography."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel  # only tdx_collateral needs it
    updates = {}
    for member in ("pck_crl", "root_ca_crl"):
        try:
            crl = x509.load_der_x509_crl(bytes.fromhex(document[member]))
            moment = crl.next_update_utc
        except (TypeError, ValueError) as exc:
            raise CollateralError("its %s is not a DER CRL in hex (%s)" % (member, exc))
        updates[member + "_next_update"] = int(moment.timestamp()) if moment else None
    return updates


def next_update(document):
    """The earliest next update of every dated item: the entry is stale from then on."""
    dates = signed_dates(document)
    moments = [dates["tcb_info_next_update"], dates["qe_identity_next_update"]]
    moments.extend(value for value in crl_next_updates(document).values() if value is not None)
    return min(moments)


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder, so readers see old or new, whole."""
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(prefix=".tdx_collateral-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb" if isinstance(text, bytes) else "w") as stream:  # bytes: endorsements
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
