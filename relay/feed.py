"""Keep the hub in step with Redis through one pub/sub subscription per instance.

Redis pub/sub is at-most-once: whatever is published while the subscription is
down is lost. So after every connect and reconnect the relay reads a snapshot and
sends it to all clients. A notification that does not continue the hub's version
makes it read the missing deltas from the change feed, or a snapshot when the feed
no longer has them.
"""

import asyncio
import json
import logging
import random

import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from model.errors import ValidationError
from model.messages import check_message, delta_message
from model.replica import DUPLICATE, GAP
from relay.errors import FeedStalled
from store.errors import StoreError

logger = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 5.0


def backoff_seconds(attempt):
    """Exponential backoff with full jitter: random in [cap/2, cap]."""
    cap = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1))
    return random.uniform(cap / 2, cap)


def parse_notification(data):
    """Turn a qh:notify payload (a delta's JSON) into a checked delta message."""
    try:
        delta = json.loads(data)
    except (ValueError, RecursionError):
        raise ValidationError("notification", data, "a delta as JSON") from None
    if not isinstance(delta, dict):
        raise ValidationError("notification", data, "a JSON object with from, to, ops")
    return check_message(dict(delta, type="delta"))


def connect_pubsub(url, health_seconds):
    """Return an asyncio Redis client for the subscription.

    redis-py's default retries reconnect and resubscribe silently; the relay turns
    them off because it must know about every gap to resync its clients.
    """
    return redis.asyncio.Redis.from_url(
        url,
        retry=Retry(NoBackoff(), 0),
        socket_connect_timeout=2 * health_seconds,
        socket_timeout=2 * health_seconds,
        socket_keepalive=True,
    )


class Feed:
    def __init__(self, hub, store, metrics, redis_url, health_seconds):
        self.hub = hub
        self.store = store
        self.metrics = metrics
        self.redis_url = redis_url
        self.health_seconds = health_seconds
        self.channel = store.keys.notify
        self.connected = False
        self._failures = 0
        self._lost_before = False

    async def run(self):
        """Follow Redis forever, reconnecting with backoff after each failure."""
        while True:
            try:
                await self._follow()
            except (redis.RedisError, OSError, StoreError, FeedStalled) as exc:
                self._set_connected(False)
                self._failures += 1
                self._lost_before = True
                delay = backoff_seconds(self._failures)
                logger.warning(
                    "Redis subscription failed (%s: %s); reconnecting in %.1f s, attempt %d",
                    type(exc).__name__,
                    exc,
                    delay,
                    self._failures,
                )
                await asyncio.sleep(delay)

    async def _follow(self):
        client = connect_pubsub(self.redis_url, self.health_seconds)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            logger.info("subscribed to %s", self.channel)
            await self._resync("subscribed" if not self._lost_before else "reconnected")
            self._set_connected(True)
            if self._lost_before:
                self.metrics.redis_reconnects.inc()
            self._failures = 0
            await self._listen(pubsub)
        finally:
            await pubsub.aclose()
            await client.aclose()

    async def _listen(self, pubsub):
        loop = asyncio.get_running_loop()
        last_heard = last_ping = loop.time()
        while True:
            message = await pubsub.get_message(timeout=self.health_seconds)
            now = loop.time()
            if message is not None:
                last_heard = now
                if message["type"] == "message":
                    await self._on_notification(message["data"])
            if now - last_heard > 2 * self.health_seconds:
                raise FeedStalled(
                    f"no reply from Redis on {self.channel} for {now - last_heard:.1f} s"
                )
            if now - last_ping >= self.health_seconds:
                await pubsub.ping()
                last_ping = now

    async def _on_notification(self, data):
        try:
            message = parse_notification(data)
        except ValidationError as exc:
            logger.warning(
                "invalid notification on %s: %s; reading the change feed",
                self.channel,
                exc,
            )
            await self._catch_up()
            return
        result = self.hub.apply(message)
        if result == GAP:
            logger.info(
                "delta %d->%d skips versions after %d; reading the change feed",
                message["from"],
                message["to"],
                self.hub.version,
            )
            await self._catch_up()
        elif result == DUPLICATE:
            logger.debug(
                "ignored duplicate delta %d->%d", message["from"], message["to"]
            )

    async def _catch_up(self):
        version = self.hub.version
        deltas = await asyncio.to_thread(self.store.changes_since, version)
        if deltas is None:
            logger.info("the change feed no longer covers version %d", version)
            await self._resync("gap")
            return
        try:
            messages = [check_message(delta_message(delta)) for delta in deltas]
        except (KeyError, TypeError, ValidationError) as exc:
            logger.warning(
                "invalid entry in the change feed after version %d: %s", version, exc
            )
            await self._resync("invalid change feed")
            return
        for message in messages:
            self.hub.apply(message)
        logger.info(
            "caught up from version %d to %d with %d deltas",
            version,
            self.hub.version,
            len(deltas),
        )

    async def _resync(self, reason):
        message = await asyncio.to_thread(self.store.snapshot_message)
        self.hub.resync(message)
        logger.info(
            "resynced %d clients at version %d (%s)",
            len(self.hub.clients),
            message["version"],
            reason,
        )

    def _set_connected(self, connected):
        self.connected = connected
        self.metrics.redis_connected.set(1 if connected else 0)
