"""tools/tdx_pki/gce_endorsement held to a judge that is neither it nor the collection: the openssl command line.

Google documents checking an endorsement with openssl (gce-tcb-verifier
gcetcbendorsement README, ``verify --show``): ``openssl verify`` of the
signing certificate under the root, and ``openssl dgst -sha256`` with
RSA-PSS over the signed bytes. The same two commands must accept what the
test double signs, and refuse a signature by another key. The stand-in
must serve it on Google's bucket path, byte for byte, over real HTTP.
"""

import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from cryptography.hazmat.primitives import serialization

from pcs_standin import PcsStandin
from tdx_pki import gce_endorsement as ge

MRTD = bytes(range(100, 148))
openssl = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(openssl is None, reason="no openssl command on PATH (the judge of these tests)")


def split(blob):
    launch, golden = ge.messages()
    outer = launch()
    outer.ParseFromString(blob)
    inner = golden()
    inner.ParseFromString(outer.serialized_uefi_golden)
    return outer.serialized_uefi_golden, outer.signature, inner.cert


def openssl_accepts(tmp_path, blob, pki):
    payload, signature, cert_der = split(blob)
    (tmp_path / "payload").write_bytes(payload)
    (tmp_path / "signature").write_bytes(signature)
    (tmp_path / "signer.der").write_bytes(cert_der)
    (tmp_path / "root.pem").write_bytes(pki.root.pem)
    subprocess.run([openssl, "x509", "-inform", "DER", "-in", str(tmp_path / "signer.der"), "-out",
                    str(tmp_path / "signer.pem")], check=True)
    public = pki.signer.cert.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "signer.pub").write_bytes(public)
    chain = subprocess.run([openssl, "verify", "-CAfile", str(tmp_path / "root.pem"), str(tmp_path / "signer.pem")],
                           capture_output=True, text=True)
    digest = subprocess.run([openssl, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                             "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256", "-verify",
                             str(tmp_path / "signer.pub"), "-signature", str(tmp_path / "signature"),
                             str(tmp_path / "payload")], capture_output=True, text=True)
    return chain.returncode == 0, digest.returncode == 0


@needs_openssl
def test_openssl_accepts_the_chain_and_the_pss_signature(tmp_path):
    assert openssl_accepts(tmp_path, ge.build_endorsement([(4, MRTD)]), ge.default_pki()) == (True, True)


@needs_openssl
def test_openssl_refuses_a_signature_by_another_key(tmp_path):
    forged = ge.build_endorsement([(4, MRTD)], signing_key=ge.look_alike_pki().signer.key)
    assert openssl_accepts(tmp_path, forged, ge.default_pki()) == (True, False)


def test_the_standin_serves_an_endorsement_on_googles_path_and_nosuchkey_otherwise():
    blob = ge.build_endorsement([(4, MRTD)])
    with PcsStandin(endorsements={MRTD: blob}) as standin:
        with urllib.request.urlopen(standin.url + ge.object_path(MRTD)) as answer:
            assert answer.read() == blob
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(standin.url + ge.object_path(bytes(48)))
        assert refused.value.code == 404 and b"NoSuchKey" in refused.value.read()
    assert ge.object_path(MRTD) == "/gce_tcb_integrity/ovmf_x64_csm/tdx/%s.binarypb" % MRTD.hex()
