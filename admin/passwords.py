"""Password hashing with argon2id (argon2-cffi's default parameters)."""

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from model.errors import ValidationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Return a hash verified when the user name is unknown.

    A wrong name then costs as much time as a wrong password, so response times do
    not reveal which names exist. It is made on first use because argon2 is slow on
    purpose, and every `qualifiers` command would otherwise pay for it at import.
    """
    return _hasher.hash("not a password of any account")


def check_password(password: str) -> str:
    """Return `password` if its length is acceptable; raise ValidationError otherwise."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationError(
            "password",
            f"{len(password)} characters",
            f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether `password` matches; an unknown user passes None."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
