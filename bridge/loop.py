"""The bridge's main loop: read the change feed, coalesce, publish, acknowledge.

One thread runs it. Each pass reads whatever the feed delivers until the next publish
slot, then publishes at most one message. Redis outages are retried here with backoff;
MQTT outages are retried by awscrt while a publish waits for its PUBACK.
"""

import logging
import threading
import time

from bridge.broker import Broker, backoff_delay
from bridge.chain import Chain
from bridge.config import BridgeConfig
from bridge.errors import BrokerUnavailable, FeedReset, FeedUnavailable
from bridge.feed import READ_COUNT, ChangeFeed
from bridge.health import Health
from bridge.publisher import Publisher
from bridge.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

IDLE_WAIT_MS = 500
DRAIN_INTERVAL_SECS = 0.02
BROKER_RETRY_SECS = 1.0
OUTAGE_LOG_SECS = 10.0


class Bridge:
    def __init__(
        self,
        config: BridgeConfig,
        feed: ChangeFeed,
        broker: Broker,
        stop: threading.Event,
        health: Health | None = None,
        clock=time.monotonic,
    ):
        self.config = config
        self.feed = feed
        self.broker = broker
        self.stop = stop
        self.health = health or Health()
        self.health.probe("broker_connected", broker.connected.is_set)
        self.clock = clock
        self.chain = Chain()
        self.outage_logged = 0.0  # outage length at the last "unreachable" log line
        self.publisher = Publisher(
            config,
            broker,
            self.chain,
            self.health,
            RateLimiter(config.max_publish_rate, clock),
        )

    def run(self) -> None:
        """Publish changes until stop is set; retry Redis and MQTT failures meanwhile."""
        logger.info(
            "bridge starting: %s -> %s %s, topics %s and %s, at most %.1f publishes/s",
            self.feed.keys.changes,
            self.config.transport,
            self.broker.address,
            self.config.snapshot_topic,
            self.config.updates_topic,
            self.config.max_publish_rate,
        )
        if self.broker.connect():
            self._serve()
        self.broker.disconnect()
        logger.info(
            "bridge stopped at published version %s", self.chain.published_version
        )

    def _serve(self) -> None:
        failures = 0
        while not self.stop.is_set():
            try:
                self._sync()
                failures = 0
                while not self.stop.is_set():
                    self._step()
            except FeedReset as exc:
                logger.warning("%s; recreating it and publishing a snapshot", exc)
            except FeedUnavailable as exc:
                failures += 1
                self.health.update(redis_connected=False)
                delay = backoff_delay(failures)
                logger.warning(
                    "Redis failed (attempt %d) at published version %s, "
                    "retrying in %.1f s: %s",
                    failures,
                    self.chain.published_version,
                    delay,
                    exc,
                )
                self.stop.wait(delay)
            except BrokerUnavailable as exc:
                logger.warning("%s; retrying in %.0f s", exc, BROKER_RETRY_SECS)
                self.stop.wait(BROKER_RETRY_SECS)

    def _sync(self) -> None:
        """Prepare the group, the published state and pending entries after connecting."""
        created = self.feed.ensure_group()
        if self.chain.published is None:
            self.chain.restore(self.feed.published_state())
        self._acknowledge()
        self.health.update(redis_connected=True)
        if created or self.chain.published is None:
            self._resync(
                "the consumer group is new" if created else "nothing was published yet"
            )
        else:
            self._read_pending()
        logger.info(
            "change feed ready at version %s, published version %s",
            self.chain.version,
            self.chain.published_version,
        )

    def _read_pending(self) -> None:
        after = "0"
        while changes := self.feed.read_pending(after):
            self._absorb(changes)
            after = changes[-1].entry_id

    def _resync(self, reason: str) -> None:
        state = self.feed.current_state()
        known = self.chain.version
        if known is not None and state["version"] < known:
            # NOTE: viewers already past this version drop the snapshot as stale until
            # the version passes theirs again; only Redis losing writes causes this.
            logger.error(
                "stored version %d is older than version %d already read; Redis lost writes",
                state["version"],
                known,
            )
        logger.info(
            "resyncing at version %d (%s), from version %s",
            state["version"],
            reason,
            known,
        )
        self.chain.reset(state)
        self.publisher.force_snapshot()
        self.health.count("resyncs")

    def _absorb(self, changes) -> None:
        if not changes:
            return
        rest = self.chain.add(changes)
        if not rest:
            return
        first = rest[0]
        self._resync(
            f"the feed jumps from version {self.chain.version} to entry {first.entry_id}"
        )
        rest = self.chain.add(rest)
        if rest:
            logger.error(
                "skipping %d feed entries from %s that the stored state (version %d) lacks",
                len(rest),
                rest[0].entry_id,
                self.chain.version,
            )
            self.chain.entry_ids.extend(change.entry_id for change in rest)

    def _step(self) -> None:
        self._log_outage()
        if self.broker.resumed.is_set():
            self.broker.resumed.clear()
            self.publisher.forget_snapshot()
            logger.info(
                "broker connection resumed at published version %s; "
                "republishing the retained snapshot once the feed is quiet",
                self.chain.published_version,
            )

        if self.publisher.has_work(self.clock()):
            # Something waits for the next slot. Read what came meanwhile every few
            # milliseconds in one go: cheaper than a read per entry, and little is
            # left to read and apply when the slot opens.
            self.stop.wait(min(self.publisher.limiter.delay(), DRAIN_INTERVAL_SECS))
            self._drain()
        else:
            self._absorb(self.feed.read_new(IDLE_WAIT_MS))
        self._apply_changes()

        if self.publisher.limiter.delay() <= 0 and self.publisher.publish_next(
            self.clock()
        ):
            self._acknowledge()

    def _log_outage(self) -> None:
        """Log a broker outage every OUTAGE_LOG_SECS, as awscrt reports no retries."""
        outage = self.broker.outage_secs()
        if outage is None:
            self.outage_logged = 0.0
            return
        if outage - self.outage_logged >= OUTAGE_LOG_SECS:
            self.outage_logged = outage
            logger.warning(
                "MQTT broker %s unreachable for %.0f s at published version %s; "
                "awscrt keeps reconnecting",
                self.broker.address,
                outage,
                self.chain.published_version,
            )

    def _drain(self) -> None:
        while True:
            changes = self.feed.read_new(None)
            self._absorb(changes)
            if len(changes) < READ_COUNT:
                return

    def _apply_changes(self) -> None:
        failed = self.chain.apply()
        if failed:
            # The stored state contains these changes, so a resync covers them.
            self.chain.entry_ids.extend(change.entry_id for change in failed)
            self._resync(
                f"changes from version {failed[0].start} to {failed[-1].end} do not apply"
            )

    def _acknowledge(self) -> None:
        """Acknowledge published entries and store the published state."""
        if self.chain.published is None:
            return
        if (
            not self.chain.acks_due
            and self.feed.stored_version == self.chain.published_version
        ):
            return
        self.feed.acknowledge(self.chain.acks_due, self.chain.published)
        self.chain.acks_due = []
