"""Server-side session records, so that logging out really ends a session.

A signed cookie alone cannot be revoked: a copy keeps working until it expires. So each
login stores a random session id in a Redis sorted set per user (`<prefix>sessions:
<name>`, member: the id, score: its expiry in Unix seconds) and the cookie carries the
id. A request counts as logged in only while its id is in the set and unexpired.
Logout removes the id; a password change or account removal deletes the whole set.
"""

import logging
import secrets
import time

import redis

from store.errors import StoreUnavailable

logger = logging.getLogger(__name__)


def sessions_key(prefix: str, name: str) -> str:
    return f"{prefix}sessions:{name}"


class SessionRegistry:
    def __init__(self, client: redis.Redis, prefix: str = "qh:", max_age: int = 43200):
        self.client = client
        self.prefix = prefix
        self.max_age = max_age

    def create(self, name: str) -> str:
        """Record a new session of `name`; return its id for the cookie."""
        session_id = secrets.token_urlsafe(32)
        key = sessions_key(self.prefix, name)
        now = time.time()
        with self.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {session_id: now + self.max_age})
            # The newest session expires last, so the set may go when it does.
            pipe.expire(key, self.max_age)
            self._call(pipe.execute)
        return session_id

    def is_active(self, name: str, session_id: str) -> bool:
        expiry = self._call(
            self.client.zscore, sessions_key(self.prefix, name), session_id
        )
        return expiry is not None and expiry > time.time()

    def revoke(self, name: str, session_id: str) -> None:
        self._call(self.client.zrem, sessions_key(self.prefix, name), session_id)

    def revoke_all(self, name: str) -> None:
        self._call(self.client.delete, sessions_key(self.prefix, name))
        logger.info("ended every session of user %s", name)

    @staticmethod
    def _call(method, *args):
        try:
            return method(*args)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"Redis request for sessions failed: {exc}") from exc
