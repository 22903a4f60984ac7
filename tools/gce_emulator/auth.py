"""Authentication as Google does it for a service account.

Two ways a caller gets in, both checked against public keys registered with
the emulator (tests make their own key pairs; no key is committed):

* the OAuth 2.0 JWT-bearer grant at the token endpoint: google-auth posts an
  RS256 assertion signed with the account's private key (``aud`` is Google's
  token URL, whatever ``token_uri`` says) and gets an opaque access token;
* a self-signed JWT sent directly as the bearer token (AIP-4111). This is
  what google-cloud-compute does by default with service-account
  credentials: its transport switches them to self-signed JWTs, so no token
  endpoint call is made at all.
"""

import base64
import binascii
import json
import secrets
import threading
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import errors

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# The audiences Google's token endpoint answers to; google-auth always puts
# the first one in its assertion.
TOKEN_AUDIENCES = (
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
)
# A self-signed JWT names the API either by audience or by scope.
API_AUDIENCES = ("https://compute.googleapis.com/", "https://compute.googleapis.com")
API_SCOPES = (
    "https://www.googleapis.com/auth/compute",
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/compute.readonly",
)
MAX_ASSERTION_LIFETIME = 3600
ACCEPTED_CLOCK_SKEW = 300
ACCESS_TOKEN_LIFETIME = 3600

_EXPIRED_MESSAGE = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)


class OAuthError(Exception):
    """A token endpoint refusal: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self):
        return {"error": self.error, "error_description": self.description}


class _JwtProblem(Exception):
    pass


def _b64decode(segment):
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise _JwtProblem("malformed JWT segment")


def _split_jwt(token):
    parts = token.split(".")
    if len(parts) != 3:
        raise _JwtProblem("not a JWT")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
    except ValueError:
        raise _JwtProblem("malformed JWT JSON")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _JwtProblem("malformed JWT JSON")
    return header, claims, (parts[0] + "." + parts[1]).encode("ascii"), _b64decode(parts[2])


def _load_public_key(pem):
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if b"BEGIN CERTIFICATE" in data:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("only RSA keys are supported (RS256)")
    return key


class Authenticator:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = {}  # email -> {key_id: public key}
        self._tokens = {}  # access token -> (email, expiry epoch)

    # -- registration and minting --------------------------------------------
    def register_key(self, client_email, public_key_pem, key_id):
        key = _load_public_key(public_key_pem)
        with self._lock:
            self._keys.setdefault(client_email, {})[key_id] = key

    def mint(self, client_email, lifetime=ACCESS_TOKEN_LIFETIME):
        token = "ya29.emulator-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (client_email, self._clock() + lifetime)
        return token, lifetime

    # -- JWT checks -------------------------------------------------------------
    def _verify_signed(self, token):
        header, claims, signing_input, signature = _split_jwt(token)
        if header.get("alg") != "RS256":
            raise _JwtProblem("unsupported algorithm %r" % header.get("alg"))
        issuer = claims.get("iss")
        with self._lock:
            keys = dict(self._keys.get(issuer, {}))
        if not keys:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        key_id = header.get("kid")
        candidates = [keys[key_id]] if key_id in keys else ([] if key_id else list(keys.values()))
        for key in candidates:
            try:
                key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
                return claims
            except InvalidSignature:
                continue
        raise OAuthError("invalid_grant", "Invalid JWT Signature.")

    def _check_lifetime(self, claims):
        now = self._clock()
        try:
            issued, expires = float(claims["iat"]), float(claims["exp"])
        except (KeyError, TypeError, ValueError):
            raise OAuthError("invalid_grant", _EXPIRED_MESSAGE)
        if expires <= now or issued > now + ACCEPTED_CLOCK_SKEW or expires - issued > MAX_ASSERTION_LIFETIME:
            raise OAuthError("invalid_grant", _EXPIRED_MESSAGE)

    # -- token endpoint -----------------------------------------------------------
    def exchange(self, form, own_token_url):
        """The token endpoint's answer to a form post, or raise OAuthError."""
        grant_type = form.get("grant_type")
        if grant_type != JWT_BEARER_GRANT:
            raise OAuthError("unsupported_grant_type", "Invalid grant_type: %s" % (grant_type or ""))
        assertion = form.get("assertion")
        if not assertion:
            raise OAuthError("invalid_request", "Missing required parameter: assertion")
        try:
            claims = self._verify_signed(assertion)
        except _JwtProblem as problem:
            raise OAuthError("invalid_grant", "Invalid JWT: %s" % problem)
        if claims.get("aud") not in TOKEN_AUDIENCES + (own_token_url,):
            raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check.")
        self._check_lifetime(claims)
        token, lifetime = self.mint(claims["iss"])
        return {"access_token": token, "expires_in": lifetime - 1, "token_type": "Bearer"}

    # -- API calls ------------------------------------------------------------------
    def authenticate(self, authorization_header, own_base_url):
        """The caller's email for an ``Authorization`` header, or raise 401."""
        if not authorization_header:
            raise errors.login_required()
        scheme, _, credential = authorization_header.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise errors.login_required()
        with self._lock:
            minted = self._tokens.get(credential)
        if minted is not None:
            email, expiry = minted
            if expiry <= self._clock():
                raise errors.invalid_credentials("access token expired")
            return email
        if credential.count(".") != 2:
            raise errors.invalid_credentials("unknown access token")
        return self._self_signed_principal(credential, own_base_url)

    def _self_signed_principal(self, token, own_base_url):
        try:
            claims = self._verify_signed(token)
            self._check_lifetime(claims)
        except _JwtProblem as problem:
            raise errors.invalid_credentials("self-signed JWT: %s" % problem)
        except OAuthError as problem:
            raise errors.invalid_credentials("self-signed JWT: %s" % problem.description)
        if claims.get("sub", claims.get("iss")) != claims.get("iss"):
            raise errors.invalid_credentials("self-signed JWT: sub must equal iss")
        audience = claims.get("aud")
        scopes = str(claims.get("scope", "")).split()
        audiences = API_AUDIENCES + (own_base_url, own_base_url + "/")
        if audience in audiences or (audience is None and any(s in API_SCOPES for s in scopes)):
            return claims["iss"]
        raise errors.invalid_credentials("self-signed JWT names neither this API's audience nor a compute scope")
