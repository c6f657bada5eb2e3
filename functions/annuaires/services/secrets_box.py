"""Write-only secrets at rest (the mailers' SMTP passwords): AES-256-GCM under a key from the environment."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SecretBox:
    """Encrypts and decrypts with one key; the associated data binds a ciphertext to its owner."""

    def __init__(self, key_b64: str) -> None:
        key = base64.urlsafe_b64decode(key_b64.encode() + b"=" * (-len(key_b64) % 4))
        if len(key) != 32:
            raise ValueError("the secrets key must be 32 bytes, base64url-encoded")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, owner: str) -> bytes:
        """Encrypt a secret for one owner (a mailer's letter)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), owner.encode())

    def open(self, sealed: bytes, owner: str) -> str:
        """Decrypt a secret of one owner (only the mailing sender does this)."""
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], owner.encode()).decode()


def new_key() -> str:
    """A fresh key, as the environment variable holds it."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
