"""The choice of message for each slot the rate limit allows: a delta or the snapshot.

- Changes waiting: one delta from the published version to the current one.
- A retained snapshot older than the published version: refresh it once the feed has
  been quiet for a slot. While changes keep coming, publish it in place of a delta
  after it has lagged for `snapshot_max_age` seconds, which bounds how far behind a new
  subscriber starts.
- A resync: a snapshot, which replaces the state of every subscriber.

A snapshot also moves subscribers to the current version, so it takes a delta's place
instead of adding a publish.
"""

import logging

from bridge.broker import Broker
from bridge.chain import Chain
from bridge.config import BridgeConfig
from bridge.errors import PayloadTooLarge
from bridge.health import Health
from bridge.payload import delta_payload, snapshot_payload
from bridge.ratelimit import RateLimiter

logger = logging.getLogger(__name__)


class Publisher:
    def __init__(
        self,
        config: BridgeConfig,
        broker: Broker,
        chain: Chain,
        health: Health,
        limiter: RateLimiter,
    ):
        self.config = config
        self.broker = broker
        self.chain = chain
        self.health = health
        self.limiter = limiter
        self.snapshot_forced = False
        # Version of the retained snapshot; None when it is unknown or may be lost.
        self.snapshot_version: int | None = None
        self.snapshot_at: float | None = None
        # Time of the first delta published after the last snapshot.
        self.snapshot_lag_since: float | None = None
        # Latest version whose snapshot was over the payload limit.
        self.oversized_version: int | None = None

    def force_snapshot(self) -> None:
        self.snapshot_forced = True

    def forget_snapshot(self) -> None:
        """Treat the retained snapshot as lost, as after the broker restarted."""
        self.snapshot_version = None

    def has_work(self, now: float) -> bool:
        return self.snapshot_forced or self.chain.pending or self._snapshot_due(now)

    def _snapshot_due(self, now: float) -> bool:
        version = self.chain.published_version
        if version is None or version == self.oversized_version:
            return False
        if self.snapshot_version != version:
            return True
        refresh = self.config.snapshot_refresh
        return (
            refresh > 0
            and self.snapshot_at is not None
            and now - self.snapshot_at >= refresh
        )

    def _snapshot_overdue(self, now: float) -> bool:
        lag_since = self.snapshot_lag_since
        return lag_since is not None and now - lag_since >= self.config.snapshot_max_age

    def publish_next(self, now: float) -> bool:
        """Publish what is due now; return True when the chain moved forward."""
        if self.snapshot_forced or (self.chain.pending and self._snapshot_overdue(now)):
            return self._publish_snapshot(now)
        if self.chain.pending:
            return self._publish_delta(now)
        if self._snapshot_due(now):
            return self._publish_snapshot(now)
        return False

    def _publish_delta(self, now: float) -> bool:
        delta = self.chain.delta()
        try:
            payload = delta_payload(delta, self.config.max_payload_bytes)
        except PayloadTooLarge as exc:
            logger.error("%s; publishing a snapshot instead", exc)
            self.health.count("rejected_payloads")
            return self._publish_snapshot(now)
        self.limiter.record()
        logger.debug(
            "publishing delta %d->%d, %d ops, %d bytes",
            delta["from"],
            delta["to"],
            len(delta["ops"]),
            len(payload),
        )
        if not self.broker.publish(self.config.updates_topic, payload):
            return False
        self.chain.mark_published()
        if self.snapshot_lag_since is None:
            self.snapshot_lag_since = now
        self.health.published(delta["to"], snapshot=False)
        return True

    def _publish_snapshot(self, now: float) -> bool:
        state = self.chain.current
        try:
            payload = snapshot_payload(state, self.config.max_payload_bytes)
        except PayloadTooLarge as exc:
            return self._skip_oversized(exc)
        self.limiter.record()
        logger.log(
            logging.INFO if self.snapshot_forced else logging.DEBUG,
            "publishing snapshot at version %d, %d bytes",
            state["version"],
            len(payload),
        )
        if not self.broker.publish(self.config.snapshot_topic, payload, retain=True):
            return False
        self.snapshot_forced = False
        self.snapshot_version = state["version"]
        self.snapshot_at = now
        self.snapshot_lag_since = None
        self.chain.mark_published()
        self.health.published(state["version"], snapshot=True)
        return True

    def _skip_oversized(self, exc: PayloadTooLarge) -> bool:
        """Move past a version no message can carry, so that later changes still flow.

        Subscribers see a gap at the next delta and fetch the state some other way
        (the bootstrap endpoint or the relay) until a later snapshot fits again.
        """
        logger.error("%s; not published, subscribers will see a gap", exc)
        self.health.count("rejected_payloads")
        self.snapshot_forced = False
        self.oversized_version = exc.version
        self.snapshot_lag_since = None
        self.chain.mark_published()
        self.health.update(published_version=exc.version)
        return True
