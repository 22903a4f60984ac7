"""A local stand-in for Intel's PCS v4 (and a PCCS, which serves the same paths).

It serves collateral documents in dcap-qvl's QuoteCollateralV3 JSON form
(from tools/tdx_pki, or real Intel collateral from shared/tdx-samples) on
the paths and with the headers Intel's Provisioning Certification Service
v4 uses, the TCB info and QE identity bodies byte for byte as signed:

    GET /tdx/certification/v4/tcb?fmspc=F[&update=standard|early]   TCB-Info-Issuer-Chain
    GET /tdx/certification/v4/qe/identity[?update=...]              SGX-Enclave-Identity-Issuer-Chain
    GET /sgx/certification/v4/pckcrl?ca=platform|processor[&encoding=der]  SGX-PCK-CRL-Issuer-Chain
    GET /sgx/certification/v4/rootcacrl                   (PCCS only: the root CA CRL, hex-encoded DER)
    GET /IntelSGXRootCA.der                               (the root CRL distribution point: DER)
    GET /gce_tcb_integrity/ovmf_x64_csm/tdx/<MRTD hex>.binarypb   (Google's launch endorsement, as
                                                          Cloud Storage serves it; 404 NoSuchKey if none)

(``sgx`` in place of ``tdx`` for SGX TCB info and QE identity.) Issuer
chains are URL-encoded PEM, as Intel sends them. Unknown FMSPC: 404 with a
JSON error. Every request is logged (in-process: :meth:`PcsStandin.requests`;
over HTTP: ``GET /_standin/requests``); faults on demand: fail the next N
requests with a status, delay every answer.
"""

import json
import os
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

FMSPC = re.compile(r"^[0-9A-Fa-f]{12}$")
CONTROL_PREFIX = "/_standin/"
# Google's bucket path of a TDX firmware's endorsement (gce-tcb-verifier extract/extracttdx).
ENDORSEMENT_PATH = re.compile(r"^/gce_tcb_integrity/ovmf_x64_csm/tdx/([0-9a-f]{96})\.binarypb$")


def _document(source):
    """A QuoteCollateralV3 document as a dict, from a dict, JSON text, a path, or an object with to_dict()."""
    if hasattr(source, "to_dict"):
        return source.to_dict()
    if isinstance(source, dict):
        return source
    if isinstance(source, (str, os.PathLike)) and os.path.exists(source):
        with open(source) as handle:
            return json.load(handle)
    return json.loads(source)


def _pck_ca_kind(issuer_chain_pem):
    # The PCK CRL's issuer is the first certificate of its issuer chain; its
    # name says Platform or Processor, as Intel's do.
    first = x509.load_pem_x509_certificates(issuer_chain_pem.encode())[0]
    return "processor" if "Processor" in first.subject.rfc4514_string() else "platform"


def _tee(document_id):
    return "tdx" if document_id in ("TDX", "TD_QE") else "sgx"


class CollateralStore:
    """What the stand-in serves, indexed as PCS paths need it.

    TCB info per (tee, FMSPC); QE identity per tee; PCK CRL per CA kind; one
    root CA CRL. A later document replaces an earlier one's shared items.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.tcb = {}
        self.qe_identity = {}
        self.pck_crl = {}
        self.root_ca_crl = None
        self.endorsements = {}

    def add_endorsement(self, mrtd, blob):
        """Serve ``blob`` (a serialised VMLaunchEndorsement) as the endorsement of ``mrtd`` (bytes or hex)."""
        key = mrtd.hex() if isinstance(mrtd, (bytes, bytearray)) else mrtd.lower()
        with self._lock:
            self.endorsements[key] = bytes(blob)

    def add(self, source):
        doc = _document(source)
        tcb_info = json.loads(doc["tcb_info"])
        qe_identity = json.loads(doc["qe_identity"])
        with self._lock:
            self.tcb[(_tee(tcb_info["id"]), tcb_info["fmspc"].upper())] = {
                "raw": doc["tcb_info"], "signature": doc["tcb_info_signature"],
                "chain": doc["tcb_info_issuer_chain"],
                "evaluation": tcb_info.get("tcbEvaluationDataNumber"),
            }
            self.qe_identity[_tee(qe_identity["id"])] = {
                "raw": doc["qe_identity"], "signature": doc["qe_identity_signature"],
                "chain": doc["qe_identity_issuer_chain"],
                "evaluation": qe_identity.get("tcbEvaluationDataNumber"),
            }
            self.pck_crl[_pck_ca_kind(doc["pck_crl_issuer_chain"])] = {
                "der": bytes.fromhex(doc["pck_crl"]), "chain": doc["pck_crl_issuer_chain"],
            }
            self.root_ca_crl = bytes.fromhex(doc["root_ca_crl"])
        return tcb_info["fmspc"].upper()

    def remove(self, fmspc, tee="tdx"):
        with self._lock:
            self.tcb.pop((tee, fmspc.upper()), None)

    def fmspcs(self, tee="tdx"):
        with self._lock:
            return sorted(fmspc for (kind, fmspc) in self.tcb if kind == tee)


class _Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.fail_remaining = 0
        self.fail_status = 503
        self.fail_prefix = ""
        self.delay = 0.0

    def take_failure(self, path):
        with self.lock:
            if self.fail_remaining > 0 and path.startswith(self.fail_prefix):
                self.fail_remaining -= 1
                return self.fail_status
        return None

    def describe(self):
        with self.lock:
            return {"fail_next": self.fail_remaining, "status": self.fail_status, "path_prefix": self.fail_prefix,
                    "delay": self.delay}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pcs-standin/1"

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's name
        return  # the request log below is the record; stderr stays quiet in tests

    @property
    def standin(self):
        return self.server.standin

    def _send(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-ID", uuid.uuid4().hex)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        if url.path.startswith(CONTROL_PREFIX):
            return self._send(*self._control_get(url.path))
        entry = {"method": "GET", "path": url.path, "query": url.query, "time": time.time()}
        delay = self.standin.faults.delay
        if delay:
            time.sleep(delay)
        status = self.standin.faults.take_failure(url.path)
        if status is not None:
            answer = _error(status, "fault injected by the stand-in")
        else:
            answer = _serve(self.standin.store, url.path, parse_qs(url.query, keep_blank_values=True))
        entry["status"] = answer[0]
        # Logged before answering, so a client that has its answer finds it in the log.
        self.standin._log(entry)
        self._send(*answer)

    def do_POST(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == CONTROL_PREFIX + "faults":
            try:
                settings = json.loads(body or b"{}")
                self.standin.set_faults(**settings)
            except (ValueError, TypeError) as error:
                return self._send(*_error(400, "faults: %s" % error))
            return self._send(200, json.dumps(self.standin.faults.describe()).encode())
        if url.path == CONTROL_PREFIX + "requests/clear":
            self.standin.clear_requests()
            return self._send(200, b"{}")
        return self._send(*_error(404, "no such control endpoint: %s" % url.path))

    def _control_get(self, path):
        if path == CONTROL_PREFIX + "requests":
            return 200, json.dumps(self.standin.requests()).encode()
        if path == CONTROL_PREFIX + "faults":
            return 200, json.dumps(self.standin.faults.describe()).encode()
        return _error(404, "no such control endpoint: %s" % path)


def _error(status, message):
    return status, json.dumps({"error": {"code": status, "message": message}}).encode()


def _chain_header(name, pem):
    # Intel sends issuer chains as URL-encoded PEM.
    return [(name, quote(pem, safe=""))]


def _serve(store, path, query):
    """(status, body, content type, headers) for a PCS request."""
    endorsement = ENDORSEMENT_PATH.match(path)
    if endorsement:
        blob = store.endorsements.get(endorsement.group(1))
        if blob is None:
            # Cloud Storage's XML error for a missing object.
            return (404, b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code>"
                         b"<Message>The specified key does not exist.</Message></Error>", "application/xml")
        return 200, blob, "application/octet-stream"
    if path == "/IntelSGXRootCA.der":
        if store.root_ca_crl is None:
            return _error(404, "no root CA CRL loaded")
        return 200, store.root_ca_crl, "application/pkix-crl"
    match = re.fullmatch(r"/(sgx|tdx)/certification/v4/(tcb|qe/identity|pckcrl|rootcacrl)", path)
    if not match:
        return _error(404, "unknown path %s" % path)
    tee, what = match.groups()
    update = query.get("update", ["standard"])[0]
    if update not in ("standard", "early"):
        return _error(400, "update must be standard or early, got %r" % update)
    evaluation = query.get("tcbEvaluationDataNumber", [None])[0]
    if what == "tcb":
        fmspc = query.get("fmspc", [""])[0]
        if not FMSPC.match(fmspc):
            return _error(400, "fmspc must be 12 hex digits, got %r" % fmspc)
        item = store.tcb.get((tee, fmspc.upper()))
        if item is None or (evaluation is not None and str(item["evaluation"]) != evaluation):
            return _error(404, "no TCB info for FMSPC %s" % fmspc.upper())
        body = '{"tcbInfo":%s,"signature":"%s"}' % (item["raw"], item["signature"])
        return 200, body.encode(), "application/json", _chain_header("TCB-Info-Issuer-Chain", item["chain"])
    if what == "qe/identity":
        item = store.qe_identity.get(tee)
        if item is None or (evaluation is not None and str(item["evaluation"]) != evaluation):
            return _error(404, "no QE identity loaded for %s" % tee)
        body = '{"enclaveIdentity":%s,"signature":"%s"}' % (item["raw"], item["signature"])
        return 200, body.encode(), "application/json", _chain_header("SGX-Enclave-Identity-Issuer-Chain",
                                                                     item["chain"])
    if tee != "sgx":
        return _error(404, "unknown path %s" % path)
    if what == "pckcrl":
        ca = query.get("ca", [""])[0].lower()
        if ca not in ("platform", "processor"):
            return _error(400, "ca must be platform or processor, got %r" % ca)
        item = store.pck_crl.get(ca)
        if item is None:
            return _error(404, "no PCK CRL loaded for the %s CA" % ca)
        headers = _chain_header("SGX-PCK-CRL-Issuer-Chain", item["chain"])
        if query.get("encoding", ["pem"])[0].lower() == "der":
            return 200, item["der"], "application/pkix-crl", headers
        pem = x509.load_der_x509_crl(item["der"]).public_bytes(Encoding.PEM)
        return 200, pem, "application/x-pem-file", headers
    # rootcacrl: a PCCS answers with the DER as hex text (dcap-qvl decodes it so).
    if store.root_ca_crl is None:
        return _error(404, "no root CA CRL loaded")
    return 200, store.root_ca_crl.hex().encode(), "application/x-pem-file"


class PcsStandin:
    """The stand-in server. ``with PcsStandin(documents) as standin: standin.url``."""

    def __init__(self, documents=(), host="127.0.0.1", port=0, endorsements=None):
        self.store = CollateralStore()
        for document in documents:
            self.store.add(document)
        for mrtd, blob in (endorsements or {}).items():
            self.store.add_endorsement(mrtd, blob)
        self.faults = _Faults()
        self._log_lock = threading.Lock()
        self._requests = []
        self._host, self._port = host, port
        self._server = None
        self._thread = None

    @classmethod
    def from_directory(cls, directory, **kwargs):
        """Every ``*.json`` collateral document in ``directory`` (sorted by name)."""
        paths = sorted(os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".json"))
        return cls(paths, **kwargs)

    # -- life cycle ------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self._host, self._port), _Handler)
        self._server.daemon_threads = True
        self._server.standin = self
        # Looking for a shutdown every 50 ms (serve_forever's default is 0.5 s): stop() returns at once.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="pcs-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        """The base URL, e.g. http://127.0.0.1:PORT (what a PCCS URL option takes)."""
        return "http://%s:%d" % (self._host, self.port)

    # -- content ---------------------------------------------------------------

    def add(self, document):
        """Serve another collateral document (returns its FMSPC)."""
        return self.store.add(document)

    def remove(self, fmspc, tee="tdx"):
        self.store.remove(fmspc, tee)

    def add_endorsement(self, mrtd, blob):
        """Serve a launch endorsement for ``mrtd`` on Google's bucket path (``endorsement_url`` is ``url``)."""
        self.store.add_endorsement(mrtd, blob)

    # -- request log -----------------------------------------------------------

    def _log(self, entry):
        with self._log_lock:
            self._requests.append(entry)

    def requests(self):
        """Each request served: method, path, query (raw string), time (epoch), status."""
        with self._log_lock:
            return [dict(entry) for entry in self._requests]

    def clear_requests(self):
        with self._log_lock:
            self._requests.clear()

    def count(self, path=None, **query):
        """How many requests went to ``path`` (all paths if None) with these query values."""
        total = 0
        for entry in self.requests():
            if path is not None and entry["path"] != path:
                continue
            values = parse_qs(entry["query"])
            if all(values.get(key, [None])[0] == str(value) for key, value in query.items()):
                total += 1
        return total

    # -- faults ----------------------------------------------------------------

    def set_faults(self, fail_next=0, status=503, path_prefix="", delay=0.0):
        """Fail the next ``fail_next`` requests (under ``path_prefix``) with ``status``; delay each answer."""
        if int(fail_next) < 0 or float(delay) < 0:
            raise ValueError("fail_next and delay must not be negative")
        if not 400 <= int(status) <= 599:
            raise ValueError("status must be an HTTP error (400..599), got %r" % (status,))
        with self.faults.lock:
            self.faults.fail_remaining = int(fail_next)
            self.faults.fail_status = int(status)
            self.faults.fail_prefix = str(path_prefix)
            self.faults.delay = float(delay)

    def fail_next(self, count, status=503, path_prefix=""):
        self.set_faults(fail_next=count, status=status, path_prefix=path_prefix, delay=self.faults.delay)

    def delay(self, seconds):
        with self.faults.lock:
            self.faults.delay = float(seconds)
