"""Password hashing (argon2id only) (A2, A3); what a new password must be is password_policy's (R3)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

INITIAL_PASSWORD = "0000"

# argon2id with RFC 9106's low-memory parameters (t=3, 64 MiB, p=4): about a quarter-second here.
STANDARD = PasswordHasher()
# argon2id still, but cheap: for tests on the emulator only (config refuses it elsewhere).
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
HASHERS = {"standard": STANDARD, "fast": FAST}


class Passwords:
    """Hashes new passwords at one cost and verifies any argon2 hash (each carries its own parameters)."""

    def __init__(self, profile: str = "standard") -> None:
        self._hasher = HASHERS[profile]

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """Verified against when an account does not exist, so that both cases cost the same."""
        return self._hasher.hash("not a password of anyone")

    def hash(self, password: str) -> str:
        """An argon2id hash of the password, salted."""
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether the password matches the stored hash; a missing hash costs the same and fails."""
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False
