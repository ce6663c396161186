"""The bridge's MQTT session: connect with retries, publish at QoS 1, wait for PUBACK.

After the first connection, awscrt reconnects on its own (1 s doubling to 30 s) and
resends unacknowledged publishes. This module logs each step and reports whether the
broker is reachable.
"""

import logging
import random
import threading
import time

from awscrt import mqtt
from awscrt.exceptions import AwsCrtError

from bridge.config import BridgeConfig
from bridge.connection import RECONNECT_MAX_SECS, build_connection
from bridge.errors import BrokerUnavailable

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECS = 10.0
WAIT_SLICE_SECS = 0.2
DISCONNECT_IDLE_SECS = 1.0
WAIT_WARNING_SECS = 10.0


def backoff_delay(attempt: int, cap: float = RECONNECT_MAX_SECS) -> float:
    """Return the wait before retry `attempt` (1, 2, ...): exponential, full jitter."""
    return random.uniform(0, min(cap, 0.5 * 2**attempt))


class Broker:
    def __init__(
        self, config: BridgeConfig, stop: threading.Event, factory=build_connection
    ):
        self.config = config
        self.stop = stop
        self.connected = threading.Event()
        self.resumed = threading.Event()
        self.lost_at: float | None = None
        self.ever_connected = False
        self.connection = factory(
            config,
            on_connection_success=self._on_success,
            on_connection_failure=self._on_failure,
            on_connection_interrupted=self._on_interrupted,
            on_connection_resumed=self._on_resumed,
        )

    @property
    def address(self) -> str:
        return f"{self.config.endpoint}:{self.config.port}"

    def _on_success(self, connection, callback_data, **kwargs):
        self.connected.set()
        if not self.ever_connected:
            self.ever_connected = True
            logger.info(
                "connected to MQTT broker %s as %s (session present: %s)",
                self.address,
                self.config.client_id,
                callback_data.session_present,
            )

    def _on_failure(self, connection, callback_data, **kwargs):
        # connect() logs the failures of the first connection itself. awscrt 0.36 does
        # not call this for its own reconnect attempts, so outage_secs() is the record.
        if self.ever_connected:
            logger.warning(
                "reconnect to MQTT broker %s failed: %s",
                self.address,
                callback_data.error,
            )

    def _on_interrupted(self, connection, error, **kwargs):
        self.connected.clear()
        self.lost_at = time.monotonic()
        logger.warning(
            "connection to MQTT broker %s lost, reconnecting: %s", self.address, error
        )

    def _on_resumed(self, connection, return_code, session_present, **kwargs):
        logger.info(
            "reconnected to MQTT broker %s after %.1f s (return code %s, "
            "session present: %s)",
            self.address,
            self.outage_secs() or 0.0,
            return_code,
            session_present,
        )
        self.lost_at = None
        self.resumed.set()

    def outage_secs(self) -> float | None:
        """Return how long the connection has been lost, None while it is up."""
        lost_at = self.lost_at
        return None if lost_at is None else time.monotonic() - lost_at

    def connect(self) -> bool:
        """Connect, retrying with backoff until it works or stop is set; return success."""
        attempt = 0
        while not self.stop.is_set():
            attempt += 1
            try:
                self.connection.connect().result(CONNECT_TIMEOUT_SECS)
                return True
            except (AwsCrtError, TimeoutError) as exc:
                delay = backoff_delay(attempt)
                logger.warning(
                    "connect to MQTT broker %s failed (attempt %d), retrying in %.1f s: %s",
                    self.address,
                    attempt,
                    delay,
                    exc or "timed out",
                )
                self.stop.wait(delay)
        return False

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> bool:
        """Publish at QoS 1 and wait for the PUBACK; return False if stop came first.

        While the broker is down awscrt keeps the publish and sends it after it
        reconnects, so this waits through outages. Raise BrokerUnavailable when awscrt
        fails the publish.
        """
        try:
            future, packet_id = self.connection.publish(
                topic, payload, mqtt.QoS.AT_LEAST_ONCE, retain
            )
        except AwsCrtError as exc:
            raise BrokerUnavailable(f"publish to {topic} failed: {exc}") from exc
        return self._wait_for_puback(future, topic, packet_id)

    def _wait_for_puback(self, future, topic: str, packet_id: int) -> bool:
        started = time.monotonic()
        next_warning = started + WAIT_WARNING_SECS
        while True:
            try:
                future.result(WAIT_SLICE_SECS)
                return True
            except TimeoutError:
                pass
            except AwsCrtError as exc:
                raise BrokerUnavailable(f"publish to {topic} failed: {exc}") from exc
            if self.stop.is_set():
                logger.info(
                    "stopped while waiting for PUBACK of packet %d on %s",
                    packet_id,
                    topic,
                )
                return False
            if time.monotonic() >= next_warning:
                next_warning += WAIT_WARNING_SECS
                logger.warning(
                    "still waiting for PUBACK of packet %d on %s after %.0f s "
                    "(broker connected: %s)",
                    packet_id,
                    topic,
                    time.monotonic() - started,
                    self.connected.is_set(),
                )

    def disconnect(self) -> None:
        # While awscrt waits to reconnect (up to RECONNECT_MAX_SECS), the disconnect
        # completes only when that wait ends, so do not hold up the shutdown for it.
        timeout = (
            CONNECT_TIMEOUT_SECS if self.connected.is_set() else DISCONNECT_IDLE_SECS
        )
        try:
            self.connection.disconnect().result(timeout)
        except TimeoutError:
            logger.warning(
                "disconnect from MQTT broker %s did not finish within %.0f s; stopping anyway",
                self.address,
                timeout,
            )
        except AwsCrtError as exc:
            logger.warning(
                "disconnect from MQTT broker %s failed: %s", self.address, exc
            )
        self.connected.clear()
        logger.info("disconnected from MQTT broker %s", self.address)
