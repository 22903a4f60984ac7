"""The endorsement code held to Google's own material, read at test time from a mirror of gce-tcb-verifier.

Nothing of Google's is committed here: the tests read the mirror
(GCE_TCB_VERIFIER_MIRROR, a bare clone of github.com/google/gce-tcb-verifier)
with ``git show`` and skip, naming what is missing, when it is absent.

- our descriptor against Google's endorsement.proto: every field we read
  has Google's name, number and type;
- Google's development certificates (testing/devkeys: a root and a
  signing certificate made by Go's crypto/x509 with RSA-PSS): our chain
  check accepts the pair and refuses them swapped;

A real endorsement Google published (the mirror holds none; public data
that is not committed here, read from the folder
CONFIDENTIAL_TDX_GCE_ENDORSEMENTS names) is held to the pinned hash: the
root its ca_bundle carries hashes to it and signs its signer, the signature
holds, and altered, for another MRTD, before its signer's validity or under
another root it is refused.
"""

import calendar
import os
import re
import subprocess

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement, endorsement_schema
from tests.unit.plugins.module_utils.attestation.eventlog_evidence import read_public_data

MIRROR = os.environ.get("GCE_TCB_VERIFIER_MIRROR", "/work/.mirror/google+gce-tcb-verifier/repo")
AT = calendar.timegm((2026, 3, 1, 0, 0, 0))


def git(*args):
    if not os.path.isdir(MIRROR):
        pytest.skip("no mirror of google/gce-tcb-verifier at %s (set GCE_TCB_VERIFIER_MIRROR)" % MIRROR)
    try:
        return subprocess.run(["git", "--git-dir", MIRROR] + list(args), check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip("git cannot read the mirror at %s: %s" % (MIRROR, exc))


def show(path):
    if path not in git("ls-tree", "-r", "--name-only", "HEAD").decode().split("\n"):
        pytest.skip("the gce-tcb-verifier mirror at %s has no %s" % (MIRROR, path))
    return git("show", "HEAD:" + path)


def proto_fields(text):
    """{message path: {field name: (number, type)}} of a .proto's messages, nested ones as Outer.Inner."""
    text = re.sub(r"//[^\n]*", "", text)
    fields, stack = {}, []
    for token in re.finditer(r"message\s+(\w+)\s*\{|\}|((?:repeated\s+)?[\w.<>, ]+?)\s+(\w+)\s*=\s*(\d+)\s*;", text):
        if token.group(1):
            stack.append(token.group(1))
        elif token.group(0) == "}":
            stack.pop()
        elif stack:
            fields.setdefault(".".join(stack), {})[token.group(3)] = (int(token.group(4)), token.group(2).strip())
    return fields


def test_our_descriptor_has_googles_names_numbers_and_types():
    google = proto_fields(show("proto/endorsement.proto").decode())
    ours = endorsement_schema.file_descriptor_proto()
    proto_types = {13: "uint32", 4: "uint64", 12: "bytes", 8: "bool"}
    checked = 0

    def compare(path, message):
        nonlocal checked
        for field in message.field:
            number, kind = google[path][field.name]
            assert number == field.number, (path, field.name)
            kind = kind.replace("repeated ", "")
            expected = proto_types.get(field.type) or field.type_name.rsplit(".", 1)[-1]
            assert kind.rsplit(".", 1)[-1] == expected, (path, field.name, kind)
            assert (field.label == 3) == google[path][field.name][1].startswith("repeated"), (path, field.name)
            checked += 1
        for nested in message.nested_type:
            compare(path + "." + nested.name, nested)

    for message in ours.message_type:
        compare(message.name, message)
    assert ours.package == "cloud_vmm_proto" and checked >= 15


def test_googles_development_certificates_chain_as_our_check_expects():
    from cryptography import x509

    root = x509.load_pem_x509_certificate(show("testing/devkeys/root.crt"))
    signer_bytes = show("testing/devkeys/primarySigningKey.crt")
    signer = (x509.load_pem_x509_certificate(signer_bytes) if signer_bytes.startswith(b"-----")
              else x509.load_der_x509_certificate(signer_bytes))
    at = max(root.not_valid_before_utc, signer.not_valid_before_utc).timestamp() + 60
    assert endorsement._chain_problems(signer, [], root, at) == []
    swapped = endorsement._chain_problems(root, [], signer, at)
    assert swapped and "is not signed by" in swapped[0]


REAL_VARIABLE = "CONFIDENTIAL_TDX_GCE_ENDORSEMENTS"
REAL_MRTD = bytes.fromhex("c1ee9c16e3afc506cfe042c5b846a368528f3b37618eafb27469bc114cf914e9"
                          "222c91618470e7f2b28ac360968270a5")
# 2026-10-01, when a c3-standard-4 TD booted this firmware: inside the signer's validity (2026-05-05 to 2031-05-05).
REAL_AT = 1790873673


def real_endorsement():
    """Google's endorsement of REAL_MRTD, from the folder REAL_VARIABLE names (public data, not committed here)."""
    name = REAL_MRTD.hex() + ".binarypb"
    return read_public_data(REAL_VARIABLE, name, "a folder of Google's TDX endorsements as served at "
                            "https://storage.googleapis.com/gce_tcb_integrity/ovmf_x64_csm/tdx/ (%s)" % name)


def test_a_real_endorsement_verifies_under_googles_root_found_by_its_pinned_hash():
    result = endorsement.verify(real_endorsement(), REAL_MRTD, REAL_AT, None)
    assert result["verified"] and result["root_is_google"], result["problems"]
    assert result["root_sha256"] == "e876bc6978bf4f3da445f98a0a82363c8c0bae5a1fc033c6df65846a6cb0f18c"
    firmware = result["firmware"]
    assert firmware["digest"].startswith("53c558fe06714203") and firmware["tdx_svn"] == 2
    assert firmware["timestamp"].startswith("2026-05-21") and len(firmware["matching_configurations"]) == 1


def test_the_root_a_real_endorsement_carries_is_self_signed():
    dummy, golden, problem = endorsement.parse(real_endorsement())
    bundle, bundle_problem = endorsement._bundle(golden.ca_bundle)
    assert problem is None and bundle_problem is None and len(bundle) == 1
    assert "CN=GCE-cc-tcb-root" in endorsement._name(bundle[0])
    assert endorsement._signed_by(bundle[0], bundle[0]) is None


@pytest.mark.parametrize("change, reason", [
    (lambda blob, mrtd, at: (blob, bytes(48), at), "is not among the 1 MRTDs"),
    (lambda blob, mrtd, at: (blob[:-1] + bytes([blob[-1] ^ 1]), mrtd, at), "signature does not verify"),
    (lambda blob, mrtd, at: (blob, mrtd, calendar.timegm((2026, 5, 1, 0, 0, 0))), "is valid from 2026-05-05"),
])
def test_a_real_endorsement_altered_or_out_of_its_time_is_refused(change, reason):
    blob, mrtd, at = change(real_endorsement(), REAL_MRTD, REAL_AT)
    result = endorsement.verify(blob, mrtd, at, None)
    assert result["status"] == endorsement.INVALID and any(reason in p for p in result["problems"]), result


def test_a_real_endorsement_under_another_root_is_refused():
    from tests.playbooks.attestation.materials import tdx_pki  # noqa: F401  pylint: disable=unused-import
    from tdx_pki import gce_endorsement as ge  # pylint: disable=import-error

    other = endorsement.EndorsementRoot(ge.default_pki().root_der, "test root")
    result = endorsement.verify(real_endorsement(), REAL_MRTD, REAL_AT, other)
    assert result["status"] == endorsement.INVALID and not result["root_is_google"]
    assert any("is not signed by" in p for p in result["problems"]), result["problems"]
