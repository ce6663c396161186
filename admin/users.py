"""Moderator and admin accounts in the Redis hash `<prefix>users` (name -> account JSON)."""

import json
import logging
import re
from dataclasses import dataclass

import redis

from admin.errors import NotFound
from admin.passwords import hash_password, needs_rehash, verify_password
from admin.sessions import sessions_key
from model.errors import ValidationError
from store.errors import StoreUnavailable

logger = logging.getLogger(__name__)

ADMIN = "admin"
MODERATOR = "moderator"
ROLES = (ADMIN, MODERATOR)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
NAME_RULE = "1 to 32 letters, digits, '_', '.' or '-', starting with a letter or digit"


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValidationError("name", name, NAME_RULE)
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError("role", role, " or ".join(ROLES))
    return role


class UserStore:
    """Accounts stored as JSON `{"role": ..., "password_hash": ...}` per user name."""

    def __init__(self, client: redis.Redis, prefix: str = "qh:"):
        self.client = client
        self.prefix = prefix
        self.key = f"{prefix}users"

    def add(self, name: str, role: str, password: str) -> User:
        """Create an account; raise ValidationError if the name is taken or invalid."""
        check_name(name)
        check_role(role)
        account = {"role": role, "password_hash": hash_password(password)}
        if not self._call(self.client.hsetnx, self.key, name, json.dumps(account)):
            raise ValidationError("name", name, "already used by another account")
        logger.info("user %s added with role %s", name, role)
        return User(name, role)

    def get(self, name: str) -> User | None:
        account = self._account(name)
        return None if account is None else User(name, account["role"])

    def list_users(self) -> list[User]:
        accounts = self._call(self.client.hgetall, self.key)
        users = [
            User(_text(name), json.loads(raw)["role"]) for name, raw in accounts.items()
        ]
        return sorted(users, key=lambda user: user.name.lower())

    def authenticate(self, name: str, password: str) -> User | None:
        """Return the user if `password` matches, upgrading an outdated hash on the way."""
        account = self._account(name)
        password_hash = None if account is None else account["password_hash"]
        if not verify_password(password_hash, password):
            return None
        if needs_rehash(password_hash):
            self._write(name, {**account, "password_hash": hash_password(password)})
        return User(name, account["role"])

    def set_role(self, name: str, role: str) -> User:
        check_role(role)
        account = self._existing(name)
        if account["role"] == ADMIN and role != ADMIN and self._is_last_admin(name):
            raise ValidationError(
                "role", role, "the last admin account must stay an admin"
            )
        self._write(name, {**account, "role": role})
        logger.info("user %s now has role %s", name, role)
        return User(name, role)

    def set_password(self, name: str, password: str) -> None:
        """Change the password and end every session of the account."""
        account = self._existing(name)
        account = {**account, "password_hash": hash_password(password)}
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, name, json.dumps(account))
            pipe.delete(sessions_key(self.prefix, name))
            self._call(pipe.execute)
        logger.info("password of user %s changed, sessions ended", name)

    def remove(self, name: str) -> None:
        account = self._existing(name)
        if account["role"] == ADMIN and self._is_last_admin(name):
            raise ValidationError(
                "name", name, "the last admin account cannot be removed"
            )
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hdel(self.key, name)
            pipe.delete(sessions_key(self.prefix, name))
            self._call(pipe.execute)
        logger.info("user %s removed, sessions ended", name)

    def _is_last_admin(self, name: str) -> bool:
        # NOTE: two admins demoting each other at the same moment can still leave
        # none; the CLI's `user add --role admin` recovers from that.
        return not any(u.is_admin and u.name != name for u in self.list_users())

    def _existing(self, name: str) -> dict:
        account = self._account(name)
        if account is None:
            raise NotFound(f"user {name!r} not found")
        return account

    def _account(self, name: str) -> dict | None:
        raw = self._call(self.client.hget, self.key, name)
        return None if raw is None else json.loads(raw)

    def _write(self, name: str, account: dict) -> None:
        self._call(self.client.hset, self.key, name, json.dumps(account))

    def _call(self, method, *args):
        try:
            return method(*args)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis request for accounts failed: {exc}") from exc


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
