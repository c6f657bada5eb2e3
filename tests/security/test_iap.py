"""The general admin in production: Identity-Aware Proxy's signed header, verified with google-auth."""

from __future__ import annotations

import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.auth import crypt, jwt

from annuaires import bootstrap
from annuaires.config import Config
from annuaires.store.base import make_client
from annuaires.web.iap import IAP_ISSUER, verified_email

AUDIENCE = "/projects/123/global/backendServices/456"


@pytest.fixture(scope="module")
def signing():
    """A test key pair standing in for Google's: a signer, and the public keys IAP would publish."""
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signer = crypt.ES256Signer.from_string(private_pem, key_id="test-key")
    return signer, {"test-key": public_pem.decode()}


def assertion(signer, **overrides) -> str:
    at = int(time.time())
    claims = {"iss": IAP_ISSUER, "aud": AUDIENCE, "email": "admin@example.org", "sub": "accounts.google.com:1",
              "iat": at, "exp": at + 600, **overrides}
    return jwt.encode(signer, claims).decode()


def test_valid_assertion_gives_the_email(signing):
    signer, keys = signing
    assert verified_email(assertion(signer), AUDIENCE, lambda: keys) == "admin@example.org"


@pytest.mark.parametrize("overrides", [{"aud": "/other"}, {"iss": "https://evil.example"}, {"exp": int(time.time()) - 3600}])
def test_wrong_assertions_are_refused(signing, overrides):
    signer, keys = signing
    assert verified_email(assertion(signer, **overrides), AUDIENCE, lambda: keys) is None


def test_assertion_signed_by_another_key_is_refused(signing):
    _, keys = signing
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    forged = assertion(crypt.ES256Signer.from_string(pem, key_id="test-key"))
    assert verified_email(forged, AUDIENCE, lambda: keys) is None
    assert verified_email("not.a.jwt", AUDIENCE, lambda: keys) is None


def test_production_sign_in_uses_iap_not_the_local_form(emulator, signing, api_of):
    signer, keys = signing
    production = Config.from_env({"GOOGLE_CLOUD_PROJECT": emulator.project, "ANNUAIRES_NAMESPACE": f"t{uuid.uuid4().hex}",
                                  "ANNUAIRES_IAP_AUDIENCE": AUDIENCE, "ANNUAIRES_GENERAL_ADMINS": "admin@example.org"})
    assert production.emulator is False and production.secure_cookies is True
    client = make_client(production)  # DATASTORE_EMULATOR_HOST is set in this process: the emulator still serves
    app = bootstrap.app(production, lambda: client, iap_keys=lambda: keys)
    api = api_of(app)
    api.sign_in(role="general", email="admin@example.org", expect=401)
    header = {"X-Goog-IAP-JWT-Assertion": assertion(signer)}
    response = api.post("/api/session", {"role": "general"}, headers=header, expect=200)
    assert "Secure" in response.headers["Set-Cookie"]
    outsider = {"X-Goog-IAP-JWT-Assertion": assertion(signer, email="someone@example.org")}
    api_of(app).post("/api/session", {"role": "general"}, headers=outsider, expect=401)
