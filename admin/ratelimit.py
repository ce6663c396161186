"""Login rate limit: failed logins counted per client address and per user name in Redis.

Each counter lives in its own key and expires `window` seconds after its first failure
(a fixed window), so a locked-out user can try again once that key is gone.
"""

import logging

import redis

from admin.errors import LoginRateLimited
from store.errors import StoreUnavailable

logger = logging.getLogger(__name__)


class LoginRateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "qh:",
        max_per_user: int = 5,
        max_per_ip: int = 20,
        window: int = 15 * 60,
    ):
        self.client = client
        self.prefix = prefix
        self.limits = {"user": max_per_user, "ip": max_per_ip}
        self.window = window

    def check(self, ip: str, name: str) -> None:
        """Raise LoginRateLimited while either counter has reached its limit."""
        keys = self._keys(ip, name)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key in keys.values():
                    pipe.get(key)
                    pipe.ttl(key)
                replies = pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailable(
                f"Redis request for the login limit failed: {exc}"
            ) from exc

        for index, kind in enumerate(keys):
            failures, ttl = replies[2 * index], replies[2 * index + 1]
            if failures is not None and int(failures) >= self.limits[kind]:
                logger.warning(
                    "login for %r from %s rejected: %s limit", name, ip, kind
                )
                raise LoginRateLimited(retry_after=ttl if ttl > 0 else self.window)

    def record_failure(self, ip: str, name: str) -> None:
        try:
            with self.client.pipeline(transaction=True) as pipe:
                for key in self._keys(ip, name).values():
                    pipe.incr(key)
                    pipe.expire(key, self.window, nx=True)
                pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailable(
                f"Redis request for the login limit failed: {exc}"
            ) from exc

    def reset_user(self, name: str) -> None:
        """Forget a user's failures after a successful login; the address keeps its count."""
        try:
            self.client.delete(self._keys("", name)["user"])
        except redis.RedisError as exc:
            raise StoreUnavailable(
                f"Redis request for the login limit failed: {exc}"
            ) from exc

    def _keys(self, ip: str, name: str) -> dict[str, str]:
        # Lower case, so 'Alice' and 'alice' share one budget.
        return {
            "user": f"{self.prefix}login-failures:user:{name.lower()}",
            "ip": f"{self.prefix}login-failures:ip:{ip}",
        }
