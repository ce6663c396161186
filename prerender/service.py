"""Follow the store and render the page again whenever the state changes.

The store publishes every commit on its pub/sub channel (`qh:notify`). Pub/sub
loses what is published while the service is disconnected, so the service also
renders after every (re)connect and re-checks the state every `recheck_seconds`.
Renders are coalesced: at most one per `min_interval_seconds`, however many
changes arrive. A page that the target contains already is not written again, but a page that a
new build of the site replaced is written again.
"""

import logging
import random
import threading
import time

import redis

from prerender.page import ManifestError
from prerender.targets import TargetError
from store.errors import StoreError

logger = logging.getLogger(__name__)

# How often the loop wakes at the latest, to notice a stop request.
POLL_SECONDS = 0.5
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 15.0


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... up to 15 s."""
    ceiling = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


class Prerenderer:
    """Renders the store's state with the target's manifest into the target."""

    def __init__(self, store, renderer, target, clock=time.monotonic):
        self.store = store
        self.renderer = renderer
        self.target = target
        self.clock = clock
        self.last_render_at = None
        self.renders = 0
        self.writes = 0

    def render(self) -> bool:
        """Render the current state; write it if it changed. Return True if written.

        A missing manifest or a failed write is logged, and the next render tries
        again. Store errors propagate, because they end the subscription too.
        """
        self.last_render_at = self.clock()
        self.renders += 1
        state = self.store.read()
        try:
            html = self.renderer.render(self.target.read_manifest(), state)
            if self.target.is_current(html):
                return False
            self.target.write(html)
        except (ManifestError, TargetError) as exc:
            logger.error("page at version %s not written: %s", state["version"], exc)
            return False
        self.writes += 1
        logger.info("wrote %s at version %s", self.target.description, state["version"])
        return True


class Follower:
    """Runs a Prerenderer from pub/sub notifications and a periodic re-check."""

    def __init__(
        self, prerenderer, client, channel, min_interval, recheck, clock=time.monotonic
    ):
        self.prerenderer = prerenderer
        self.client = client
        self.channel = channel
        self.min_interval = min_interval
        self.recheck = recheck
        self.clock = clock
        self.failures = 0

    def run(self, stop: threading.Event) -> None:
        """Follow until `stop` is set, reconnecting to Redis with backoff."""
        while not stop.is_set():
            try:
                self._follow(stop)
            except (redis.RedisError, StoreError) as exc:
                self.failures += 1
                delay = retry_delay(self.failures)
                logger.warning(
                    "Redis unavailable (attempt %d): %s; reconnecting in %.1f s",
                    self.failures,
                    exc,
                    delay,
                )
                stop.wait(delay)

    def _follow(self, stop) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self.channel)
            # Anything committed while unsubscribed was not heard: render now.
            self.prerenderer.render()
            if self.failures:
                logger.info(
                    "reconnected to Redis after %d failed attempts", self.failures
                )
            self.failures = 0
            logger.info("following %s", self.channel)
            self._loop(pubsub, stop)
        finally:
            pubsub.close()

    def _loop(self, pubsub, stop) -> None:
        changed = False
        next_check = self.clock() + self.recheck
        while not stop.is_set():
            now = self.clock()
            allowed_at = self.prerenderer.last_render_at + self.min_interval
            if (changed and now >= allowed_at) or now >= next_check:
                self.prerenderer.render()
                changed = False
                next_check = self.clock() + self.recheck
                continue
            wake_at = min(next_check, allowed_at if changed else next_check)
            timeout = min(max(wake_at - now, 0.0), POLL_SECONDS)
            message = pubsub.get_message(timeout=timeout)
            if message is not None and message["type"] == "message":
                changed = True
