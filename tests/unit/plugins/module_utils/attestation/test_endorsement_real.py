"""The endorsement code held to Google's own material, read at test time from a mirror of gce-tcb-verifier.

Nothing of Google's is committed here: the tests read the mirror
(GCE_TCB_VERIFIER_MIRROR, a bare clone of github.com/google/gce-tcb-verifier)
with ``git show`` and skip, naming what is missing, when it is absent.

- our descriptor against Google's endorsement.proto: every field we read
  has Google's name, number and type;
- Google's development certificates (testing/devkeys: a root and a
  signing certificate made by Go's crypto/x509 with RSA-PSS): our chain
  check accepts the pair and refuses them swapped;
- a real endorsement: the mirror holds none (no ``*.binarypb`` in its
  tree) and the collection does not pin Google's root yet, so that test
  skips saying so until both exist.
"""

import calendar
import os
import re
import subprocess

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement, endorsement_schema

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


def test_a_real_endorsement_verifies_under_googles_pinned_root():
    real = [name for name in git("ls-tree", "-r", "--name-only", "HEAD").decode().split("\n")
            if name.endswith(".binarypb")]
    if not real:
        pytest.skip("no real endorsement: the gce-tcb-verifier mirror at %s has no *.binarypb file" % MIRROR)
    root = endorsement.google_root()
    if root is None:
        pytest.skip("Google's root GCE-cc-tcb-root is not pinned in endorsement.py (GOOGLE_ROOT_PEM is empty)")
    blob = git("show", "HEAD:" + real[0])
    mrtd = bytes.fromhex(os.path.basename(real[0]).split(".")[0])
    result = endorsement.verify(blob, mrtd, AT, root)
    assert result["verified"] and result["root_is_google"], result["problems"]
