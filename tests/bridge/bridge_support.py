"""Test helpers for the bridge: viewers that rebuild the state, and fast raw commits."""

import json
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho

from bridge.broker import Broker
from bridge.feed import ChangeFeed
from bridge.health import Health
from bridge.loop import Bridge
from bridge.service import redis_client
from model import delta as deltas
from model.messages import check_message, encode
from model.replica import GAP, Replica
from store.keys import Keys
from store.store import COMMIT_SCRIPT

ROOT = Path(__file__).parents[2]
DEMO_STATE = json.loads(
    (ROOT / "stack" / "demo" / "qualifier-day.snapshot.json").read_text()
)
HOST = "127.0.0.1"


def wait_until(predicate, timeout=15.0, interval=0.05):
    """Return True as soon as `predicate()` holds, False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Viewer:
    """A paho-mqtt subscriber that keeps a Replica, as the viewer page does.

    On a gap it subscribes to the snapshot topic again, which makes the broker resend
    the retained snapshot. It reconnects on its own and subscribes on every connect.
    """

    def __init__(self, port, topic_prefix):
        self.topics = {
            "snapshot": f"{topic_prefix}/snapshot",
            "updates": f"{topic_prefix}/updates",
        }
        self.replica = Replica()
        self.received = []  # (monotonic time, topic, retain flag, payload size, message)
        self.outcomes = []
        self.lock = threading.Lock()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=f"viewer-{uuid.uuid4().hex[:8]}"
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=1)
        self.client.connect(HOST, port)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        client.subscribe([(self.topics["snapshot"], 1), (self.topics["updates"], 1)])

    def _on_message(self, client, userdata, message):
        decoded = check_message(json.loads(message.payload))
        with self.lock:
            self.received.append(
                (
                    time.monotonic(),
                    message.topic,
                    message.retain,
                    len(message.payload),
                    decoded,
                )
            )
            outcome = self.replica.on_message(decoded)
            self.outcomes.append(outcome)
        if outcome == GAP:
            client.subscribe(self.topics["snapshot"], 1)

    @property
    def state(self):
        with self.lock:
            return self.replica.state

    def messages(self, kind=None):
        with self.lock:
            return [
                item[4]
                for item in self.received
                if kind is None or item[4]["type"] == kind
            ]

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def read_retained(port, topic_prefix, timeout=5.0):
    """Return the retained snapshot message a new subscriber gets, or None."""
    viewer = Viewer(port, topic_prefix)
    try:
        wait_until(lambda: viewer.messages("snapshot"), timeout)
        snapshots = viewer.messages("snapshot")
        return snapshots[0] if snapshots else None
    finally:
        viewer.close()


class RawWriter:
    """Commits changes with the store's own Lua script, without the store's validation.

    Much faster than Store.apply, so a test can produce a burst of a thousand edits in
    one second, and it can commit states the model would reject (an oversized one).
    It keeps the state in memory, so it must be the only writer.
    """

    def __init__(self, client, state, prefix="qh:"):
        self.client = client
        self.keys = Keys(prefix)
        self.script = client.register_script(COMMIT_SCRIPT)
        self.state = state

    def commit(self, ops, undo_ops=()):
        old = self.state
        new = deltas.apply(
            old, {"from": old["version"], "to": old["version"] + 1, "ops": ops}
        )
        delta = {"from": old["version"], "to": new["version"], "ops": ops}
        undo = {"from": new["version"], "to": old["version"], "ops": list(undo_ops)}
        args = [
            old["version"],
            encode(new),
            encode(delta),
            self.keys.notify,
            10_000,
            10_000,
            "test",
            f"{time.time():.3f}",
            "raw",
            "raw commit",
            encode(undo),
        ]
        keys = [self.keys.state, self.keys.version, self.keys.changes, self.keys.audit]
        status, version = self.script(keys=keys, args=args)
        status = status.decode() if isinstance(status, bytes) else status
        if status != "ok":
            raise RuntimeError(
                f"raw commit on version {old['version']} failed: {status} {version}"
            )
        self.state = new
        return new

    def set_score(self, region_id, index, score):
        """Set the score of stream `index` in `region_id`; return the new state."""
        region = next(r for r in self.state["regions"] if r["id"] == region_id)
        stream = dict(region["streams"][index], score=list(score))
        return self.commit(
            [["stream", region_id, stream]],
            [["stream", region_id, region["streams"][index]]],
        )


class RecordingBroker(Broker):
    """A Broker that records each publish: (monotonic time, topic, payload size)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.publishes = []

    def publish(self, topic, payload, retain=False):
        self.publishes.append((time.monotonic(), topic, len(payload)))
        return super().publish(topic, payload, retain)


class BridgeThread:
    """The bridge's main loop in a thread of the test process, with a real broker."""

    def __init__(self, config):
        self.config = config
        self.stop_event = threading.Event()
        self.client = redis_client(config)
        self.broker = RecordingBroker(config, self.stop_event)
        self.health = Health()
        feed = ChangeFeed(self.client, config.redis_prefix, config.consumer)
        self.bridge = Bridge(config, feed, self.broker, self.stop_event, self.health)
        self.thread = threading.Thread(
            target=self.bridge.run, name="bridge", daemon=True
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        self.thread.join(15)
        self.client.close()
