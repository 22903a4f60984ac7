# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The root a quote's certificate chain must end in: Intel's SGX Root CA, pinned, or a test root.

Controller only. Intel's root is kept here as data: the certificate Intel
publishes at
https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem
(subject CN=Intel SGX Root CA, O=Intel Corporation, serial
22650CD65A9D3489F383B49552BF501B392706AC, valid 2018-05-21 to 2049-12-31),
the same certificate that ends the PCK chain of every genuine quote and
that google/go-tdx-guest embeds as verify/trusted_root.pem. Its SHA-256 is
checked whenever the root is used, so an edit of the text below cannot
quietly move the trust anchor.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import re

INTEL_SGX_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"

INTEL_SGX_ROOT_CA_PEM = """\
-----BEGIN CERTIFICATE-----
MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw
aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv
cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ
BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG
A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0
aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT
AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7
1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB
uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ
MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50
ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV
Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI
KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg
AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=
-----END CERTIFICATE-----
"""

_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


class RootError(ValueError):
    """A root certificate that cannot be used; the message is one line."""


def pem_certificates(text):
    """The DER bytes of every certificate in PEM ``text``, in order."""
    found = []
    for block in _PEM_CERTIFICATE.findall(text):
        try:
            found.append(base64.b64decode("".join(block.split()), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise RootError("a PEM certificate block is not valid base64: %s" % exc)
    return found


def sha256_hex(der):
    return hashlib.sha256(der).hexdigest()


class Root:
    """A trust anchor: its DER bytes, their SHA-256, and whether it is Intel's."""

    def __init__(self, der, source):
        self.der = der
        self.sha256 = sha256_hex(der)
        self.is_intel = self.sha256 == INTEL_SGX_ROOT_CA_SHA256
        self.source = source


def intel_root():
    """Intel's SGX Root CA, after checking the pinned text still hashes to the pinned SHA-256."""
    der = pem_certificates(INTEL_SGX_ROOT_CA_PEM)[0]
    if sha256_hex(der) != INTEL_SGX_ROOT_CA_SHA256:
        raise RootError("the embedded Intel SGX Root CA does not hash to %s: the collection's copy was altered"
                        % INTEL_SGX_ROOT_CA_SHA256)
    return Root(der, "Intel SGX Root CA (pinned)")


def load_root(path):
    """A root certificate from a PEM or DER file (the first certificate of a PEM file)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise RootError("cannot read %s: %s" % (path, exc.strerror or exc))
    if b"-----BEGIN CERTIFICATE-----" in data:
        certificates = pem_certificates(data.decode("ascii", "replace"))
        der = certificates[0]
    elif data[:1] == b"\x30":  # a DER SEQUENCE
        der = data
    else:
        raise RootError("%s is neither a PEM certificate nor DER (it does not start with a SEQUENCE)" % path)
    return Root(der, path)
