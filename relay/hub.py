"""The fan-out: one copy of the state, its recent deltas, and every open stream.

Only the feed changes the hub's version, and everything runs on one event loop, so
a client attached between two broadcasts receives every later event once.
"""

import asyncio
import logging
import random
from collections import deque

from model.messages import snapshot_message
from model.replica import APPLIED, Replica
from relay.frames import HEARTBEAT, message_frame, retry_frame, shutdown_frame

logger = logging.getLogger(__name__)

# Clients reconnect after a shutdown at one of these fractions of the retry time,
# so that the streams of a stopped instance do not all arrive elsewhere at once.
SHUTDOWN_SPREAD = (0.25, 0.5, 0.75, 1.0)


class Hub:
    def __init__(self, metrics, queue_limit, history, reconnect_ms):
        self.metrics = metrics
        self.queue_limit = queue_limit
        self.clients = set()
        self.replica = None
        self.recent = deque(maxlen=history)
        self.closing = False
        self.preamble = retry_frame(reconnect_ms)
        self._shutdown_frames = [
            shutdown_frame(int(reconnect_ms * share)) for share in SHUTDOWN_SPREAD
        ]
        self._snapshot = None

    @property
    def ready(self):
        return self.replica is not None

    @property
    def version(self):
        return self.replica.version if self.replica is not None else None

    # Changes from the feed

    def resync(self, message):
        """Replace the state with a snapshot and send it to every client."""
        replica = Replica()
        replica.on_message(message)
        self.replica = replica
        self.recent.clear()
        self._snapshot = message_frame(message)
        self.metrics.version.set(replica.version)
        self.broadcast(self._snapshot)

    def apply(self, message):
        """Apply a delta message; send it on when it moves the state forward.

        Return the replica's verdict: "applied", "duplicate" or "gap".
        """
        result = self.replica.on_message(message)
        if result == APPLIED:
            frame = message_frame(message)
            self.recent.append((message["from"], frame))
            self._snapshot = None
            self.metrics.version.set(self.replica.version)
            self.broadcast(frame)
        return result

    def snapshot_frame(self):
        """Return the current snapshot, encoded at most once per version."""
        if self._snapshot is None:
            self._snapshot = message_frame(snapshot_message(self.replica.state))
        return self._snapshot

    def frames_since(self, version):
        """Return the delta frames after `version`, or None if memory lacks some."""
        if version == self.version:
            return []
        frames = []
        for start, frame in self.recent:
            if frames or start == version:
                frames.append(frame)
        return frames or None

    # Clients

    def attach(self, client, version=None):
        """Bring a client from `version` (None: nothing) to the hub's, then add it."""
        if client.closed:
            return
        if version is None or version < self.version:
            frames = self.frames_since(version) if version is not None else None
            for frame in frames if frames is not None else [self.snapshot_frame()]:
                client.write(frame)
                self.metrics.events_sent.labels(frame.kind).inc()
        # A client ahead of the hub (it read the Redis feed while the notification
        # was on its way) receives the hub's next deltas as duplicates.
        self.clients.add(client)

    def detach(self, client):
        self.clients.discard(client)

    def broadcast(self, frame):
        """Write `frame` to every client; drop those too far behind."""
        closed = []
        for client in self.clients:
            if client.closed:
                closed.append(client)
            elif client.backlog > self.queue_limit:
                closed.append(client)
                self._drop_slow(client)
            else:
                client.write(frame)
        for client in closed:
            self.clients.discard(client)
            client.finish("gone")
        if frame.kind != "comment":
            self.metrics.events_sent.labels(frame.kind).inc(len(self.clients))

    def _drop_slow(self, client):
        logger.info(
            "dropped a client with %d unread bytes (limit %d)",
            client.backlog,
            self.queue_limit,
        )
        client.abort()
        self.metrics.dropped.inc()

    async def run_heartbeats(self, interval):
        while True:
            await asyncio.sleep(interval)
            self.broadcast(HEARTBEAT)

    def close_all(self):
        """Send every client a final `shutdown` event and end its stream."""
        self.closing = True
        count = len(self.clients)
        for client in self.clients:
            if not client.closed:
                frame = random.choice(self._shutdown_frames)
                client.write(frame)
            client.finish("shutdown")
        self.metrics.events_sent.labels("shutdown").inc(count)
        self.clients.clear()
        logger.info("sent the shutdown event to %d clients", count)
