"""The task endpoints in production: only Google's OIDC token for the configured audience and service account."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.auth import crypt, jwt

from annuaires.config import Config
from annuaires.web.oidc import task_caller_allowed

AUDIENCE = "https://annuaires.example.org"
ACCOUNT = "annuaires-tasks@project.iam.gserviceaccount.com"
PRODUCTION = Config.from_env({"GOOGLE_CLOUD_PROJECT": "p", "ANNUAIRES_TASKS_AUDIENCE": AUDIENCE,
                              "ANNUAIRES_TASKS_SERVICE_ACCOUNT": ACCOUNT})


@pytest.fixture(scope="module")
def signing():
    """A test key pair standing in for Google's: a signer, and the certificates Google would publish."""
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return crypt.ES256Signer.from_string(private_pem, key_id="k1"), {"k1": public_pem.decode()}


def token(signer, **overrides) -> str:
    at = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": ACCOUNT, "email_verified": True,
              "sub": "1", "iat": at, "exp": at + 600, **overrides}
    return "Bearer " + jwt.encode(signer, claims).decode()


def test_google_s_oidc_token_for_our_audience_and_account_is_accepted(signing):
    signer, certs = signing
    assert task_caller_allowed(PRODUCTION, token(signer), lambda: certs)


@pytest.mark.parametrize("overrides", [{"aud": "https://other.example"}, {"email": "someone@example.org"},
                                       {"email_verified": False}, {"iss": "https://evil.example"},
                                       {"exp": int(time.time()) - 3600}])
def test_any_other_token_is_refused(signing, overrides):
    signer, certs = signing
    assert not task_caller_allowed(PRODUCTION, token(signer, **overrides), lambda: certs)


def test_a_token_signed_by_another_key_or_the_local_token_is_refused_in_production(signing):
    _, certs = signing
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert not task_caller_allowed(PRODUCTION, token(crypt.ES256Signer.from_string(pem, key_id="k1")), lambda: certs)
    assert not task_caller_allowed(PRODUCTION, f"Bearer {PRODUCTION.tasks_token}", lambda: certs)
    unconfigured = Config.from_env({"GOOGLE_CLOUD_PROJECT": "p"})
    assert not task_caller_allowed(unconfigured, token(signing[0]), lambda: certs)


def test_the_dispatch_route_takes_google_s_token_in_production(signing, emulator, api_of):
    import dataclasses
    import uuid

    from annuaires import bootstrap
    from annuaires.store.base import make_client

    signer, certs = signing
    config = dataclasses.replace(PRODUCTION, project=emulator.project, namespace=f"t{uuid.uuid4().hex}")
    client = make_client(config)  # DATASTORE_EMULATOR_HOST is set in this process: the emulator still serves
    app = bootstrap.app(config, lambda: client, oidc_certs=lambda: certs)
    answer = api_of(app).post("/tasks/mailing/dispatch", headers={"Authorization": token(signer)}, expect=200)
    assert answer.get_json()["made"] == 0
    api_of(app).post("/tasks/mailing/dispatch", headers={"Authorization": token(signer, email="x@example.org")}, expect=403)
