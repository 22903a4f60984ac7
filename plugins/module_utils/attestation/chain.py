# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Say why a PCK chain failed: which root it ends in, which certificate or CRL expired, which is revoked.

dcap-qvl decides whether the chain verifies; when it refuses, its message
through the Python binding is only "Failed to verify certificate chain",
without the cause. These checks read the same certificates and CRLs with
``cryptography`` to name the cause (expired, not yet valid, revoked, a CRL past its next update) and the
certificate; they never accept what dcap-qvl refused. The root check before
dcap-qvl runs compares the chain's own root with the pinned one, byte for
byte, as go-tdx-guest does, so that a look-alike root with Intel's names is
named as such.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.confidential.tdx.plugins.module_utils.attestation import timestamps
from ansible_collections.confidential.tdx.plugins.module_utils.attestation.roots import (
    INTEL_SGX_ROOT_CA_SHA256,
    RootError,
    pem_certificates,
    sha256_hex,
)


def chain_of(parsed):
    """The DER certificates of the PCK chain a parsed dcap-qvl quote carries (leaf first), or []."""
    try:
        pem = parsed.cert_chain_pem_bytes()
    except ValueError:
        return []
    if not pem:
        return []
    try:
        return pem_certificates(pem.decode("ascii", "replace"))
    except RootError:
        return []


def root_problem(chain, root):
    """A problem when the chain's last certificate is not the root in use."""
    if not chain:
        return None
    if chain[-1] == root.der:
        return None
    seen = sha256_hex(chain[-1])
    which = "Intel's SGX Root CA" if root.is_intel else "the testing root"
    return ("certificate chain: the quote's PCK chain ends in a root with SHA-256 %s, not %s (%s)%s"
            % (seen, which, root.sha256,
               ": a look-alike root, whatever names it carries" if root.is_intel and seen != INTEL_SGX_ROOT_CA_SHA256
               else ""))


def _name(certificate):
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return names[0].value if names else certificate.subject.rfc4514_string()


def _crl(crl_hex):
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    try:
        return x509.load_der_x509_crl(bytes.fromhex(crl_hex))
    except (TypeError, ValueError):
        return None


def chain_causes(chain, document, at):
    """Why dcap-qvl refused the chain, one problem per cause found (empty when none is found)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel  # only on this failure path
    problems = []
    certificates = []
    for der in chain:
        try:
            certificates.append(x509.load_der_x509_certificate(der))
        except ValueError:
            return []
    for certificate in certificates:
        not_before = int(certificate.not_valid_before_utc.timestamp())
        not_after = int(certificate.not_valid_after_utc.timestamp())
        if at > not_after:
            problems.append("certificate expired: %r expired %s, before the time verified at %s"
                            % (_name(certificate), timestamps.iso(not_after), timestamps.iso(at)))
        elif at < not_before:
            problems.append("certificate not yet valid: %r is valid from %s, after the time verified at %s"
                            % (_name(certificate), timestamps.iso(not_before), timestamps.iso(at)))
    checks = []
    if certificates:
        checks.append((document.get("pck_crl"), certificates[0], "PCK CRL"))
    if len(certificates) > 1:
        checks.append((document.get("root_ca_crl"), certificates[1], "root CA CRL"))
    for crl_hex, certificate, crl_name in checks:
        crl = _crl(crl_hex) if crl_hex else None
        if crl is None:
            continue
        if crl.next_update_utc is not None and at > int(crl.next_update_utc.timestamp()):
            problems.append("collateral expired: the %s had its next update due %s, before the time verified at %s"
                            % (crl_name, timestamps.iso(crl.next_update_utc.timestamp()), timestamps.iso(at)))
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        if entry is not None:
            problems.append("pck revoked: %r (serial %x) is on the %s, revoked %s"
                            % (_name(certificate), certificate.serial_number, crl_name,
                               timestamps.iso(entry.revocation_date_utc.timestamp())))
    return problems
