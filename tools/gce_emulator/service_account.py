"""Service-account key files for the emulator, made fresh each time.

No key is ever committed: tests and the demo call this to make an RSA key
pair, register its public half with the emulator, and write the JSON key file
google-auth reads, with ``token_uri`` pointing at the emulator.
"""

import json
import os
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class ServiceAccountKey:
    def __init__(self, client_email, project_id):
        self.client_email = client_email
        self.project_id = project_id
        self.key_id = uuid.uuid4().hex
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def private_key_pem(self):
        return self._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    @property
    def public_key_pem(self):
        return self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def key_file_json(self, base_url):
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.key_id,
            "private_key": self.private_key_pem,
            "client_email": self.client_email,
            "client_id": str(uuid.UUID(self.key_id).int % 10 ** 21),
            "token_uri": base_url.rstrip("/") + "/token",
        }


def make_service_account(admin, project_id, name="tdx-automation"):
    """A fresh key registered with the emulator behind ``admin`` (an AdminClient)."""
    key = ServiceAccountKey("%s@%s.iam.gserviceaccount.com" % (name, project_id), project_id)
    admin.register_service_account(key.client_email, key.public_key_pem, key.key_id)
    return key


def write_service_account_file(admin, base_url, path, project_id, name="tdx-automation"):
    """Write a key file (mode 0600) for a freshly registered account; return the key."""
    key = make_service_account(admin, project_id, name)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(key.key_file_json(base_url), handle, indent=2)
    return key
