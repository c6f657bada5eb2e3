"""Password hashing (argon2id only) and the password policy (A2, A3)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

INITIAL_PASSWORD = "0000"
MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified against when an account does not exist, so that both cases cost the same.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """An argon2id hash of the password, salted."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; a missing hash costs the same and fails."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
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
