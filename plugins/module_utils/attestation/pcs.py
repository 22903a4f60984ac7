# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fetch TDX collateral for one FMSPC and PCK CA from Intel's PCS (v4 API) or a PCCS.

Why not ``dcap_qvl.get_collateral``: it is keyed by a quote, not by FMSPC,
so a fleet would pay one fetch per host instead of one per platform type;
it attaches that host's PCK chain to the result (the cache holds what all
hosts of a platform share); and its HTTP timeouts and retries are its own
(180 s per call), while a play needs bounded ones. The paths, headers and
the raw-member rule below are Intel's PCS v4 API as dcap-qvl's own
collateral client uses it (src/collateral.rs): TCB info and QE identity are
kept as the exact bytes of their signed JSON members, since re-serialising
them breaks Intel's signatures.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from urllib.parse import unquote

from ansible_collections.confidential.tdx.plugins.module_utils.retries import (
    Deadline,
    ExponentialBackoff,
    GaveUp,
    RetryPolicy,
)

INTEL_PCS_URL = "https://api.trustedservices.intel.com"
# Intel's SGX Root CA names its CRL here (the root certificate's CRL
# distribution point); Intel's PCS has no path for it, a PCCS has one.
INTEL_ROOT_CA_CRL_URL = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"
RETRY_STATUSES = (429, 500, 502, 503, 504)
# Pauses between attempts: 1, 2, 4, then 8 s. No jitter: one controller makes
# these calls, once per platform type, not a fleet of clients in step.
RETRY_PAUSE_FIRST = 1.0
RETRY_PAUSE_MAX = 8.0


class PcsError(Exception):
    """A fetch that failed; the message is one line naming the URL and what came back."""


def _raw_member(text, name):
    """The exact source text of the top-level member ``name`` of the JSON object ``text``.

    Hand-written because the json module gives values, not their source
    spans, and the signature is over the source bytes.
    """
    decoder = json.JSONDecoder()
    index = len(text) - len(text.lstrip())
    if text[index:index + 1] != "{":
        raise ValueError("not a JSON object")
    index += 1
    while True:
        while text[index:index + 1].isspace():
            index += 1
        if text[index:index + 1] == "}":
            raise ValueError("it has no %r member" % name)
        key, index = decoder.raw_decode(text, index)
        while text[index:index + 1].isspace():
            index += 1
        if text[index:index + 1] != ":":
            raise ValueError("expected ':' after key %r" % key)
        index += 1
        while text[index:index + 1].isspace():
            index += 1
        start = index
        dummy, index = decoder.raw_decode(text, index)
        if key == name:
            return text[start:index]
        while text[index:index + 1].isspace():
            index += 1
        if text[index:index + 1] == ",":
            index += 1


def _error_text(response):
    """What the server said went wrong: Intel's Error-Message header, a JSON error, or the body's start."""
    text = response.headers.get("Error-Message") or response.headers.get("Error-Code")
    if not text:
        try:
            text = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            text = response.text[:200]
    text = " ".join(str(text).split())
    return ": %s" % text if text else ""


class _Refused(Exception):
    """An answer other than 200, raised inside an attempt so that the retry policy can judge it."""

    def __init__(self, response):
        super(_Refused, self).__init__("HTTP %d" % response.status_code)
        self.response = response


def _is_transient(error):
    """What is worth another attempt: no answer at all (connection, timeout), HTTP 429 or a 5xx of RETRY_STATUSES."""
    import requests  # pylint: disable=import-outside-toplevel  # loaded by the session already
    if isinstance(error, _Refused):
        return error.response.status_code in RETRY_STATUSES
    return isinstance(error, requests.RequestException)


class Pcs:
    """Intel's PCS or a PCCS at ``base_url``, with bounded timeouts and retries; counts its calls.

    ``retries`` further attempts of a call follow a transient failure
    (module_utils/retries.py decides, with ``sleep`` and ``clock``
    replaceable so that tests do not wait).
    """

    def __init__(self, base_url=None, timeout=30.0, retries=2, session=None, sleep=time.sleep,
                 clock=time.monotonic):
        self.base_url = (base_url or INTEL_PCS_URL).rstrip("/")
        self.is_intel = base_url is None or self.base_url == INTEL_PCS_URL
        self.timeout = timeout
        self.retries = retries
        self.calls = 0
        self._session = session
        self._sleep = sleep
        self._clock = clock

    @property
    def session(self):
        if self._session is None:
            import requests  # pylint: disable=import-outside-toplevel  # costly; only when a fetch is due
            self._session = requests.Session()
        return self._session

    def _retry_policy(self):
        # Bounded by the number of attempts, not by time: each attempt is
        # bounded by ``timeout`` already, and the module has no wait_timeout.
        return RetryPolicy(_is_transient, Deadline(None, clock=self._clock),
                           backoff=ExponentialBackoff(base=RETRY_PAUSE_FIRST, cap=RETRY_PAUSE_MAX),
                           sleep=self._sleep, max_attempts=self.retries + 1)

    def _get(self, url):
        attempts = 0

        def attempt():
            nonlocal attempts
            attempts += 1
            self.calls += 1
            response = self.session.get(url, timeout=self.timeout)
            if response.status_code != 200:
                raise _Refused(response)
            return response

        try:
            return self._retry_policy().call(attempt)
        except GaveUp as exc:
            if isinstance(exc.last_error, _Refused):
                raise self._refused_error(url, exc.last_error.response, exc.attempts)
            raise PcsError("GET %s failed after %d attempts: %s" % (
                url, exc.attempts, " ".join(str(exc.last_error).split())))
        except _Refused as exc:
            raise self._refused_error(url, exc.response, attempts)  # not worth retrying, maybe after failures that were

    @staticmethod
    def _refused_error(url, response, attempts):
        return PcsError("GET %s answered HTTP %d%s%s" % (
            url, response.status_code, _error_text(response),
            " after %d attempts" % attempts if attempts > 1 else ""))

    @staticmethod
    def _header(response, url, *names):
        for name in names:
            value = response.headers.get(name)
            if value:
                return unquote(value)
        raise PcsError("GET %s answered without the %s header" % (url, names[0]))

    def _signed(self, path, member, chain_headers):
        url = self.base_url + path
        response = self._get(url)
        chain = self._header(response, url, *chain_headers)
        text = response.content.decode("utf-8", "replace")
        try:
            raw = _raw_member(text, member)
            signature = json.loads(text)["signature"]
            bytes.fromhex(signature)
        except (ValueError, KeyError, TypeError) as exc:
            raise PcsError("GET %s answered a body that is not a signed %s document: %s" % (url, member, exc))
        return chain, raw, signature

    def fetch(self, fmspc, ca):
        """The QuoteCollateralV3 document (a dict) for ``fmspc`` and PCK ``ca`` (platform or processor)."""
        pck_crl_url = "%s/sgx/certification/v4/pckcrl?ca=%s&encoding=der" % (self.base_url, ca)
        response = self._get(pck_crl_url)
        pck_crl_chain = self._header(response, pck_crl_url, "SGX-PCK-CRL-Issuer-Chain")
        pck_crl = response.content
        tcb_chain, tcb_info, tcb_signature = self._signed(
            "/tdx/certification/v4/tcb?fmspc=%s" % fmspc.upper(), "tcbInfo",
            ("TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"))
        qe_chain, qe_identity, qe_signature = self._signed(
            "/tdx/certification/v4/qe/identity?update=standard", "enclaveIdentity",
            ("SGX-Enclave-Identity-Issuer-Chain",))
        return {
            "pck_crl_issuer_chain": pck_crl_chain,
            "root_ca_crl": self._root_ca_crl().hex(),
            "pck_crl": pck_crl.hex(),
            "tcb_info_issuer_chain": tcb_chain,
            "tcb_info": tcb_info,
            "tcb_info_signature": tcb_signature,
            "qe_identity_issuer_chain": qe_chain,
            "qe_identity": qe_identity,
            "qe_identity_signature": qe_signature,
        }

    def _root_ca_crl(self):
        """The root CA CRL as DER: from Intel's CRL distribution point, or a PCCS's rootcacrl (hex or DER)."""
        if self.is_intel:
            return self._get(INTEL_ROOT_CA_CRL_URL).content
        url = self.base_url + "/sgx/certification/v4/rootcacrl"
        body = self._get(url).content
        if body[:1] == b"\x30":
            return body
        try:
            return bytes.fromhex(body.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            raise PcsError("GET %s answered neither a DER CRL nor one in hex" % url)
