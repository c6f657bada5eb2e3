"""Write-only secrets at rest (the mailers' SMTP passwords): AES-256-GCM under a key from the environment.

The environment may hold several keys, the newest first (`NEW,OLD`): secrets are sealed with the newest and open
with any, so that a rotated key keeps opening what was sealed before (each secret saved again is sealed anew).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def keys_of(setting: str) -> list[str]:
    """The keys a setting holds, the newest first."""
    return [key.strip() for key in setting.split(",") if key.strip()]


def _key_bytes(key_b64: str) -> bytes:
    key = base64.urlsafe_b64decode(key_b64.encode() + b"=" * (-len(key_b64) % 4))
    if len(key) != 32:
        raise ValueError("the secrets key must be 32 bytes, base64url-encoded")
    return key


class SecretBox:
    """Encrypts with the newest key and decrypts with any; the associated data binds a ciphertext to its owner."""

    def __init__(self, setting: str) -> None:
        self._aeads = [AESGCM(_key_bytes(key)) for key in keys_of(setting)]
        if not self._aeads:
            raise ValueError("no secrets key")

    def seal(self, plaintext: str, owner: str) -> bytes:
        """Encrypt a secret for one owner (a mailer's letter)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aeads[0].encrypt(nonce, plaintext.encode(), owner.encode())

    def open(self, sealed: bytes, owner: str) -> str:
        """Decrypt a secret of one owner (only the mailing sender does this), with whichever key sealed it."""
        for aead in self._aeads:
            try:
                return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], owner.encode()).decode()
            except InvalidTag:
                continue
        raise InvalidTag("sealed with none of the secrets keys")


def new_key() -> str:
    """A fresh key, as the environment variable holds it."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
