# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Verify Google's launch endorsement of the firmware a TDX quote's MRTD measures.

On Google Cloud, MRTD measures Google's virtual firmware, the same for
every customer: no customer can know its value in advance, but Google
signs one ``VMLaunchEndorsement`` per firmware build (facts from
github.com/google/gce-tcb-verifier: proto/endorsement.proto,
verify/verify.go, sign/ops/verify.go, extract/extracttdx):

- ``serialized_uefi_golden`` is a serialised ``VMGoldenMeasurement``; its
  ``cert`` is the DER of the signing key's certificate, issued by Google's
  root ``GCE-cc-tcb-root`` (published at
  https://pki.goog/cloud_integrity/GCE-cc-tcb-root_1.crt); its ``tdx``
  lists the MRTD of each launch configuration (RAM size, early accept);
- ``signature`` is RSASSA-PSS with SHA-256 (MGF1 SHA-256, salt as long as
  the hash) by that key over the serialised bytes as they are, so they are
  verified before they are parsed and never re-serialised.

Google's root is pinned by the SHA-256 of its DER, the value four public
verifiers of Google's endorsements pin too (tamnys/ZECret-Service's
tools/gcp-endorsement, SeismicSystems/attested-tls, etclab/gvisor's SEV-SNP
evidence, one more Rust verifier). Unlike Intel's in roots.py, the
certificate itself is not embedded: gce-tcb-verifier does not hold it (its
testing/devkeys/root.crt is a development root with the same name),
pki.goog was out of reach where this was written, and Google's
endorsements carry their root in ``ca_bundle``. So the root is taken from
there, and only when its DER hashes to the pin; being in the bundle earns a
certificate nothing else. An endorsement whose bundle holds no such
certificate cannot be judged: ``unverifiable``, not refused, and the MRTD
must then be pinned in the policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import warnings

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import endorsement_schema, roots, timestamps

GOOGLE_ROOT_NAME = "GCE-cc-tcb-root"
GOOGLE_ROOT_URL = "https://pki.goog/cloud_integrity/GCE-cc-tcb-root_1.crt"
# SHA-256 of the DER of GCE-cc-tcb-root_1.crt (C=USA, O=Google, CN=GCE-cc-tcb-root, serialNumber=1, valid from
# 2023-10-16 to 2048-10-15): see the module docstring for who else pins it.
GOOGLE_ROOT_SHA256 = "e876bc6978bf4f3da445f98a0a82363c8c0bae5a1fc033c6df65846a6cb0f18c"

PROVENANCE_SINCE = 1722556800  # 2024-08-02T00:00:00Z
# Outcomes of verify(); only INVALID refuses a quote.
VERIFIED = "verified"
INVALID = "invalid"
UNVERIFIABLE = "unverifiable"
MISSING = "missing"


class EndorsementRoot:
    """The root endorsements must chain to: DER, SHA-256, whether it is Google's pinned root."""

    def __init__(self, der, source):
        self.der = der
        self.sha256 = hashlib.sha256(der).hexdigest()
        self.is_google = self.sha256 == GOOGLE_ROOT_SHA256
        self.source = source


def google_root_in(bundle):
    """Google's root from an endorsement's ca_bundle (cryptography certificates): the one hashing to the pin, or None."""
    for cert in bundle:
        der = cert.public_bytes(_der())
        if hashlib.sha256(der).hexdigest() == GOOGLE_ROOT_SHA256:
            return EndorsementRoot(der, "%s (pinned by SHA-256, carried in the endorsement's ca_bundle)"
                                   % GOOGLE_ROOT_NAME)
    return None


def load_root(path):
    """A testing endorsement root from a PEM or DER file."""
    root = roots.load_root(path)
    return EndorsementRoot(root.der, path)


def _result(status, problems, root, firmware=None):
    return {"status": status, "verified": status == VERIFIED, "problems": problems, "firmware": firmware,
            "root_sha256": root.sha256 if root else None, "root_is_google": bool(root and root.is_google)}


def missing(mrtd_hex, where, root=None):
    """The result for an MRTD Google endorses nowhere we looked (a firmware that is not Google's, or not cached)."""
    return _result(MISSING, ["endorsement: none for MRTD %s (%s); the MRTD must then be pinned in the policy"
                             % (mrtd_hex, where)], root)


def _certificate(der, what):
    from cryptography import x509  # pylint: disable=import-outside-toplevel  # only when an endorsement is read
    try:
        return x509.load_der_x509_certificate(der), None
    except ValueError as exc:
        return None, "endorsement: the %s is not a DER certificate (%s)" % (what, " ".join(str(exc).split()))


def _bundle(pem_bytes):
    """The certificates of ca_bundle (PEM, root first); Google's carry the root alone."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    if not pem_bytes:
        return [], None
    try:
        return x509.load_pem_x509_certificates(bytes(pem_bytes)), None
    except ValueError as exc:
        return [], "endorsement: its ca_bundle is not PEM certificates (%s)" % " ".join(str(exc).split())


def _signed_by(child, issuer):
    """None when ``issuer`` signed ``child`` (RSA-PSS, PKCS#1 or ECDSA as the certificate says), else why not."""
    try:
        child.verify_directly_issued_by(issuer)
        return None
    except (ValueError, TypeError) as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    except Exception as exc:  # cryptography's InvalidSignature carries no text  # pylint: disable=broad-except
        return type(exc).__name__


def _name(cert):
    # Google's certificates say C=USA (sign/ops/certificates.go), which cryptography warns is not 2 letters.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return cert.subject.rfc4514_string()


def _chain_problems(leaf, bundle, root_cert, at):
    """Problems of the path root -> ca_bundle intermediates -> signing certificate, at ``at``."""
    problems = []
    intermediates = [cert for cert in bundle if cert.public_bytes(_der()) != root_cert.public_bytes(_der())]
    path = [root_cert] + intermediates + [leaf]
    for issuer, child in zip(path, path[1:]):
        if issuer is not root_cert and not _is_ca(issuer):
            problems.append("endorsement: the certificate %s in its ca_bundle is not a CA: it cannot issue %s"
                            % (_name(issuer), _name(child)))
            break
        why = _signed_by(child, issuer)
        if why:
            problems.append("endorsement: the certificate %s is not signed by %s, the pinned root or its "
                            "intermediate (%s): a wrong root or a forged signer" % (_name(child), _name(issuer), why))
            break
    for cert in path:
        start, end = cert.not_valid_before_utc.timestamp(), cert.not_valid_after_utc.timestamp()
        if not start <= at <= end:
            problems.append("endorsement: the certificate %s is valid from %s to %s, not at %s"
                            % (_name(cert), timestamps.iso(int(start)), timestamps.iso(int(end)),
                               timestamps.iso(at)))
    return problems


def _is_ca(cert):
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _der():
    from cryptography.hazmat.primitives.serialization import Encoding  # pylint: disable=import-outside-toplevel
    return Encoding.DER


def _signature_problem(leaf, signed, signature):
    # pylint: disable=import-outside-toplevel
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return "endorsement: the signing certificate %s holds a %s key, not the RSA key Google signs with" % (
            _name(leaf), type(key).__name__)
    try:
        key.verify(bytes(signature), bytes(signed),
                   padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size),
                   hashes.SHA256())
    except InvalidSignature:
        return "endorsement: its signature does not verify (RSA-PSS SHA-256) with the key of %s over the golden " \
               "measurement: the endorsement was altered or signed by another key" % _name(leaf)
    return None


def firmware_of(golden, mrtd):
    """What the endorsement says of the firmware, and the launch configurations whose MRTD is ``mrtd``."""
    tdx = golden.tdx if golden.HasField("tdx") else None
    seconds = golden.timestamp.seconds if golden.HasField("timestamp") else None
    return {
        "timestamp": timestamps.iso(seconds) if seconds else None,
        "cl_spec": golden.cl_spec or None,
        "commit": bytes(golden.commit).hex() or None,
        "digest": bytes(golden.digest).hex() or None,
        "tdx_svn": tdx.svn if tdx is not None else None,
        "tdx_configurations": len(tdx.measurements) if tdx is not None else 0,
        "matching_configurations": [
            {"ram_gib": item.ram_gib, "early_accept": item.early_accept}
            for item in (tdx.measurements if tdx is not None else []) if mrtd is not None and bytes(item.mrtd) == mrtd],
    }


def parse(blob):
    from google.protobuf.message import DecodeError  # pylint: disable=import-outside-toplevel

    classes = endorsement_schema.message_classes()
    outer = classes["VMLaunchEndorsement"]()
    try:
        outer.ParseFromString(bytes(blob))
    except DecodeError as exc:
        return None, None, "endorsement: not a VMLaunchEndorsement protobuf (%s)" % exc
    if not outer.serialized_uefi_golden or not outer.signature:
        return None, None, "endorsement: not a VMLaunchEndorsement: it has no %s" % (
            "signed golden measurement" if not outer.serialized_uefi_golden else "signature")
    golden = classes["VMGoldenMeasurement"]()
    try:
        golden.ParseFromString(outer.serialized_uefi_golden)
    except DecodeError as exc:
        return None, None, "endorsement: its signed bytes are not a VMGoldenMeasurement protobuf (%s)" % exc
    if not golden.cert:
        return None, None, "endorsement: its golden measurement carries no signing certificate"
    return outer, golden, None


def verify(blob, mrtd, at, root):
    """Google's endorsement ``blob`` judged for a quote whose MRTD is ``mrtd`` (48 bytes), at ``at`` (Unix seconds).

    ``root`` is a testing EndorsementRoot, or None for Google's: the
    certificate of the endorsement's ca_bundle whose DER hashes to
    GOOGLE_ROOT_SHA256; without one the result says the endorsement is
    unverifiable. Every check that can run runs, so an invalid endorsement
    lists all its reasons. The dict has ``status`` (verified, invalid,
    unverifiable), ``verified``, ``problems`` (each starting
    "endorsement: "), ``firmware``, ``root_sha256``, ``root_is_google``.
    """
    outer, golden, problem = parse(blob)
    if problem:
        return _result(INVALID, [problem], root)
    firmware = firmware_of(golden, mrtd)
    problems = []
    leaf, problem = _certificate(golden.cert, "signing certificate")
    bundle, bundle_problem = _bundle(golden.ca_bundle)
    problems.extend(p for p in (problem, bundle_problem) if p)
    if leaf is not None:
        problem = _signature_problem(leaf, outer.serialized_uefi_golden, outer.signature)
        if problem:
            problems.append(problem)
    # Google's own verifier (verify/verify.go) refuses an endorsement signed after its release process began
    # recording provenance (2024-08-02) that names neither a changelist nor a commit; so does this one.
    if golden.timestamp.seconds > PROVENANCE_SINCE and not golden.cl_spec and not golden.commit:
        problems.append("endorsement: signed %s but names neither the changelist nor the commit its firmware was "
                        "built from (Google records them since 2024-08-02)" % firmware["timestamp"])
    if not firmware["matching_configurations"]:
        problems.append("endorsement: the quote's MRTD %s is not among the %d MRTDs it endorses for TDX: the TD "
                        "launched firmware or a configuration this endorsement does not cover"
                        % ((mrtd or b"").hex(), firmware["tdx_configurations"]))
    if root is None:
        root = google_root_in(bundle)
    if root is None:
        return _result(INVALID if problems else UNVERIFIABLE, problems + [
            "endorsement: cannot judge its signer: its ca_bundle holds no certificate whose DER hashes to Google's "
            "root %s as pinned (SHA-256 %s, published at %s)" % (GOOGLE_ROOT_NAME, GOOGLE_ROOT_SHA256,
                                                                 GOOGLE_ROOT_URL)], root, firmware)
    root_cert, problem = _certificate(root.der, "endorsement root")
    if problem:
        problems.append(problem)
    elif leaf is not None:
        problems.extend(_chain_problems(leaf, bundle, root_cert, at))
    return _result(INVALID if problems else VERIFIED, problems, root, firmware)
