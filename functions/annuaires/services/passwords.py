"""Password hashing (argon2id only) and the password policy (A2, A3)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

INITIAL_PASSWORD = "0000"
MIN_LENGTH = 8
MAX_LENGTH = 128

# argon2id with RFC 9106's low-memory parameters (t=3, 64 MiB, p=4): about a quarter-second here.
STANDARD = PasswordHasher()
# argon2id still, but cheap: for tests on the emulator only (config refuses it elsewhere).
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
HASHERS = {"standard": STANDARD, "fast": FAST}

_hasher: PasswordHasher = STANDARD


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when an account does not exist, so that both cases cost the same."""
    return hasher.hash("not a password of anyone")


def use(profile: str) -> None:
    """Choose the hashing cost of new hashes (existing hashes carry their own parameters)."""
    global _hasher
    _hasher = HASHERS[profile]


def hash_password(password: str) -> str:
    """An argon2id hash of the password, salted."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; a missing hash costs the same and fails."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(_hasher), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def policy_error(new: str) -> str | None:
    """The message key of what is wrong with a new password, or None."""
    if len(new) < MIN_LENGTH:
        return "password_too_short"
    if len(new) > MAX_LENGTH:
        return "too_long"
    if new.strip() == INITIAL_PASSWORD or len(set(new)) < 3:
        return "password_too_weak"
    return None
