"""tools/pcs_standin over real HTTP, held to dcap-qvl's own collateral client and to Intel's formats.

dcap-qvl's ``get_collateral(pccs_url, quote)`` must fetch from the stand-in
a collateral that verifies (test PKI quotes, and real quotes with the
real Intel collateral they came with); the served issuer chains and
signatures must verify with ``cryptography``; the log and the faults must
say what happened. As a command (python -m pcs_standin):
tests/processes/test_pcs_standin_command.py.
"""

import asyncio
import datetime
import json
import os
import time
import urllib.error
import urllib.request
from urllib.parse import unquote

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

import tdx_pki
from pcs_standin import PcsStandin

from ...pcs_standin_client import FMSPC, NOW, get
from ...tdx_samples import SAMPLES_DIR

dcap_qvl = pytest.importorskip("dcap_qvl", reason="dcap-qvl's collateral client is the stand-in's judge")


@pytest.fixture(scope="module")
def case():
    return tdx_pki.build_case(now=NOW)


@pytest.fixture
def standin(case):
    with PcsStandin([case.collateral]) as server:
        yield server


def fetch_collateral(url, quote):
    async def run():
        return await dcap_qvl.get_collateral(url, quote)
    return asyncio.run(run())


def chain(header_value):
    return x509.load_pem_x509_certificates(unquote(header_value).encode())


def signed_member(body, name):
    # The member exactly as served, between '{"NAME":' and ',"signature":'.
    text = body.decode()
    prefix = '{"%s":' % name
    assert text.startswith(prefix)
    return text[len(prefix):text.rindex(',"signature":')].encode(), json.loads(text)["signature"]


def assert_signed_by(certificate, data, signature_hex):
    raw = bytes.fromhex(signature_hex)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    certificate.public_key().verify(der, data, ec.ECDSA(hashes.SHA256()))


# -- Intel's paths, headers and bytes -------------------------------------------------


def test_tcb_info_is_served_as_signed_with_a_verifying_issuer_chain(standin, case):
    status, headers, body = get(standin.url + "/tdx/certification/v4/tcb?fmspc=" + FMSPC)
    assert status == 200 and headers["Content-Type"] == "application/json"
    member, signature = signed_member(body, "tcbInfo")
    assert member == case.collateral.tcb_info.encode()
    signer, root = chain(headers["TCB-Info-Issuer-Chain"])
    assert "%0A" in headers["TCB-Info-Issuer-Chain"] and "-----BEGIN%20CERTIFICATE" in headers["TCB-Info-Issuer-Chain"]
    signer.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    assert root.public_bytes(Encoding.DER) == case.root_der
    assert_signed_by(signer, member, signature)
    with pytest.raises(InvalidSignature):
        assert_signed_by(signer, member.replace(b'"UpToDate"', b'"OutOfDate"', 1), signature)


def test_lower_case_fmspc_and_the_update_selector_are_accepted(standin):
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=" + FMSPC.lower())[0] == 200
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=%s&update=early" % FMSPC)[0] == 200
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=%s&update=later" % FMSPC)[0] == 400
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=%s&tcbEvaluationDataNumber=17" % FMSPC)[0] == 200
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=%s&tcbEvaluationDataNumber=3" % FMSPC)[0] == 404


def test_qe_identity_is_served_as_signed_with_a_verifying_issuer_chain(standin, case):
    status, headers, body = get(standin.url + "/tdx/certification/v4/qe/identity?update=standard")
    assert status == 200
    member, signature = signed_member(body, "enclaveIdentity")
    assert member == case.collateral.qe_identity.encode()
    signer, root = chain(headers["SGX-Enclave-Identity-Issuer-Chain"])
    signer.verify_directly_issued_by(root)
    assert_signed_by(signer, member, signature)


def test_pck_crl_in_der_and_pem_with_its_issuer_chain(standin, case):
    status, headers, body = get(standin.url + "/sgx/certification/v4/pckcrl?ca=platform&encoding=der")
    assert status == 200 and headers["Content-Type"] == "application/pkix-crl"
    assert body == case.collateral.pck_crl
    platform_ca, root = chain(headers["SGX-PCK-CRL-Issuer-Chain"])
    platform_ca.verify_directly_issued_by(root)
    crl = x509.load_der_x509_crl(body)
    assert crl.issuer == platform_ca.subject and crl.is_signature_valid(platform_ca.public_key())
    status, _, pem = get(standin.url + "/sgx/certification/v4/pckcrl?ca=platform")
    assert status == 200 and x509.load_pem_x509_crl(pem).public_bytes(Encoding.DER) == body
    assert get(standin.url + "/sgx/certification/v4/pckcrl?ca=processor&encoding=der")[0] == 404
    assert get(standin.url + "/sgx/certification/v4/pckcrl?ca=nobody")[0] == 400


def test_root_ca_crl_as_a_pccs_and_as_the_distribution_point_serve_it(standin, case):
    root = x509.load_der_x509_certificate(case.root_der)
    status, _, body = get(standin.url + "/sgx/certification/v4/rootcacrl")
    assert status == 200 and bytes.fromhex(body.decode()) == case.collateral.root_ca_crl
    assert x509.load_der_x509_crl(bytes.fromhex(body.decode())).is_signature_valid(root.public_key())
    status, _, body = get(standin.url + "/IntelSGXRootCA.der")
    assert status == 200 and body == case.collateral.root_ca_crl


def test_unknown_fmspc_is_a_404_with_a_json_error(standin):
    status, headers, body = get(standin.url + "/tdx/certification/v4/tcb?fmspc=00906ED50000")
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert "00906ED50000" in json.loads(body)["error"]["message"]
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=nothex")[0] == 400
    assert get(standin.url + "/tdx/certification/v4/nothing")[0] == 404


def test_documents_can_be_added_and_removed_while_serving(standin):
    other = tdx_pki.build_collateral(platform=tdx_pki.Platform(fmspc="00906ED50000"), now=NOW)
    assert standin.add(other) == "00906ED50000"
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=00906ED50000")[0] == 200
    assert standin.store.fmspcs() == ["00906ED50000", FMSPC]
    standin.remove("00906ED50000")
    assert get(standin.url + "/tdx/certification/v4/tcb?fmspc=00906ED50000")[0] == 404


# -- the request log and the faults ---------------------------------------------------


def test_requests_are_logged_in_process_and_over_http(standin):
    before = time.time()
    get(standin.url + "/tdx/certification/v4/tcb?fmspc=" + FMSPC)
    get(standin.url + "/tdx/certification/v4/tcb?fmspc=00906ED50000")
    log = standin.requests()
    assert [(entry["method"], entry["path"], entry["query"], entry["status"]) for entry in log] == [
        ("GET", "/tdx/certification/v4/tcb", "fmspc=" + FMSPC, 200),
        ("GET", "/tdx/certification/v4/tcb", "fmspc=00906ED50000", 404),
    ]
    assert before <= log[0]["time"] <= log[1]["time"] <= time.time()
    assert standin.count("/tdx/certification/v4/tcb", fmspc=FMSPC) == 1
    status, _, body = get(standin.url + "/_standin/requests")
    assert status == 200 and json.loads(body) == log  # the control endpoint itself is not logged
    standin.clear_requests()
    assert standin.requests() == [] and standin.count() == 0


def test_fail_next_requests_then_serve_again(standin):
    standin.fail_next(2, status=503)
    url = standin.url + "/tdx/certification/v4/tcb?fmspc=" + FMSPC
    assert [get(url)[0] for _ in range(3)] == [503, 503, 200]
    assert [entry["status"] for entry in standin.requests()] == [503, 503, 200]
    standin.fail_next(1, status=500, path_prefix="/sgx/")
    assert get(url)[0] == 200
    assert get(standin.url + "/sgx/certification/v4/rootcacrl")[0] == 500


def test_faults_over_http_and_delay(standin):
    request = urllib.request.Request(standin.url + "/_standin/faults", method="POST",
                                     data=json.dumps({"fail_next": 1, "status": 429, "delay": 0.3}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["fail_next"] == 1
    started = time.monotonic()
    assert get(standin.url + "/tdx/certification/v4/qe/identity")[0] == 429
    assert time.monotonic() - started >= 0.3
    standin.delay(0)
    bad = urllib.request.Request(standin.url + "/_standin/faults", method="POST", data=b'{"status": 200}')
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(bad, timeout=10)
    assert raised.value.code == 400


# -- dcap-qvl's own collateral client -------------------------------------------------


def test_dcap_qvl_fetches_over_plain_http_a_collateral_that_verifies(standin, case):
    collateral = fetch_collateral(standin.url, case.quote)
    report = dcap_qvl.verify_with_root_ca(case.quote, collateral, case.root_der, case.now)
    assert report.status == "UpToDate"
    fetched = json.loads(collateral.to_json())
    assert fetched["tcb_info"] == case.collateral.tcb_info and fetched["qe_identity"] == case.collateral.qe_identity
    # The exact requests dcap-qvl 0.7.0 makes against a PCCS URL, in its order.
    assert [(entry["path"], entry["query"]) for entry in standin.requests()] == [
        ("/sgx/certification/v4/pckcrl", "ca=platform&encoding=der"),
        ("/tdx/certification/v4/tcb", "fmspc=%s&update=standard" % FMSPC),
        ("/tdx/certification/v4/qe/identity", "update=standard"),
        ("/sgx/certification/v4/rootcacrl", ""),
    ]


def test_dcap_qvl_asks_for_the_processor_crl_and_sees_each_status(case):
    processor = tdx_pki.build_case("SWHardeningNeeded", platform=tdx_pki.Platform(ca="processor"), now=NOW)
    with PcsStandin([processor.collateral]) as server:
        collateral = fetch_collateral(server.url + "/", processor.quote)  # a trailing slash is trimmed
        assert server.count("/sgx/certification/v4/pckcrl", ca="processor", encoding="der") == 1
    report = dcap_qvl.verify_with_root_ca(processor.quote, collateral, processor.root_der, processor.now)
    assert (report.status, report.advisory_ids) == ("SWHardeningNeeded", ["INTEL-SA-09001"])


def test_dcap_qvl_fails_on_an_unknown_fmspc_and_on_a_fault_without_retrying(standin):
    other = tdx_pki.build_case(platform=tdx_pki.Platform(fmspc="00906ED50000"), now=NOW)
    with pytest.raises(ValueError, match="HTTP 404"):
        fetch_collateral(standin.url, other.quote)
    standin.clear_requests()
    standin.fail_next(1, status=503, path_prefix="/tdx/certification/v4/tcb")
    with pytest.raises(ValueError, match="HTTP 503"):
        fetch_collateral(standin.url, other.quote)
    assert standin.count("/tdx/certification/v4/tcb") == 1  # dcap-qvl itself does not retry


def _real_cases():
    path = os.path.join(SAMPLES_DIR, "cases.json")
    if not os.path.isfile(path):
        return [pytest.param(None, marks=pytest.mark.skip(reason="real TDX samples absent: %s" % path))]
    with open(path) as handle:
        return [pytest.param(item, id=item["case"]) for item in json.load(handle)]


@pytest.mark.parametrize("real", _real_cases())
def test_real_intel_collateral_served_by_the_standin_verifies_as_intel_served_it(real):
    with open(os.path.join(SAMPLES_DIR, real["quote"]), "rb") as handle:
        quote = handle.read()
    at = int(datetime.datetime.fromisoformat(real["verify_at"].replace("Z", "+00:00")).timestamp())
    with PcsStandin([os.path.join(SAMPLES_DIR, real["collateral"])]) as server:
        collateral = fetch_collateral(server.url, quote)
    if "error" in real["expect"]:
        with pytest.raises(ValueError, match=real["expect"]["error"]):
            dcap_qvl.verify(quote, collateral, at)
        return
    report = dcap_qvl.verify(quote, collateral, at)
    assert (report.status, report.advisory_ids) == (real["expect"]["status"], real["expect"]["advisory_ids"])
