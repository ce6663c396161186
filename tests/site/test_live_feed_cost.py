"""What the page takes from the broker: the snapshot topic only while it needs a
snapshot, and one early connection that Python takes over.

AWS IoT meters every message delivered to each subscriber, and the bridge
republishes the retained snapshot whenever the feed goes quiet, so a page that
stayed on the snapshot topic would receive the whole state after most edits.
"""

import json
import threading
import time
import urllib.request

import paho.mqtt.client as paho
import pytest
from page_support import wait_until

from model import edits
from stack.local import TOPIC_PREFIX
from stack.services import HOST

pytestmark = pytest.mark.browser

SNAPSHOT_TOPIC = TOPIC_PREFIX + "/snapshot"
UPDATES_TOPIC = TOPIC_PREFIX + "/updates"
MQTT_ROUTE = "**/mqtt*"
WASM_ROUTE = "**/assets/micropython-*.wasm"
EDITS = 8
# MQTT control packet types (MQTT 3.1.1, section 2.2.1).
PUBLISH = 3
SUBSCRIBE = 8
UNSUBSCRIBE = 10
RECEIVED = "() => window.qhMessagesReceived || {}"


def split_packets(message):
    """Return (type, packet) for each MQTT packet in one WebSocket message.

    mqtt.js may write several packets in one message (a PUBACK and a SUBSCRIBE
    made in the same callback); Mosquitto sends one packet a message.
    """
    if not isinstance(message, bytes):
        return []
    packets = []
    start = 0
    while start < len(message):
        index, length, multiplier = start + 1, 0, 1
        while True:
            byte = message[index]
            length += (byte & 0x7F) * multiplier
            index += 1
            if not byte & 0x80:
                break
            multiplier *= 128
        packets.append((message[start] >> 4, message[start : index + length]))
        start = index + length
    return packets


def publish_topic(packet):
    """Return the topic of one whole PUBLISH packet."""
    index = 1
    while packet[index] & 0x80:
        index += 1
    start = index + 1
    length = int.from_bytes(packet[start : start + 2], "big")
    return packet[start + 2 : start + 2 + length].decode()


class WireCounter:
    """Relays the page's MQTT WebSockets and counts packets in both directions.

    `drop_next_update` drops the next delta to the page, which then has a gap.
    """

    def __init__(self):
        self.delivered = {SNAPSHOT_TOPIC: 0, UPDATES_TOPIC: 0}
        self.sent = {SUBSCRIBE: 0, UNSUBSCRIBE: 0}
        self.sockets = 0
        self.drop_next_update = False
        self.dropped = 0

    def handle(self, route):
        self.sockets += 1
        server = route.connect_to_server()
        route.on_message(lambda message: self._to_server(server, message))
        server.on_message(lambda message: self._to_page(route, message))

    def _to_server(self, server, message):
        for kind, _ in split_packets(message):
            if kind in self.sent:
                self.sent[kind] += 1
        server.send(message)

    def _to_page(self, route, message):
        topics = [
            publish_topic(packet)
            for kind, packet in split_packets(message)
            if kind == PUBLISH
        ]
        if topics == [UPDATES_TOPIC] and self.drop_next_update:
            self.drop_next_update = False
            self.dropped += 1
            return
        for topic in topics:
            self.delivered[topic] += 1
        route.send(message)


class SnapshotWatcher:
    """A subscriber of its own on the broker's TCP listener: what the bridge sends."""

    def __init__(self, port):
        self.count = 0
        self._lock = threading.Lock()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.connect(HOST, port)
        self.client.subscribe(SNAPSHOT_TOPIC, qos=1)
        self.client.loop_start()

    def _on_message(self, client, userdata, message):
        with self._lock:
            self.count += 1

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def bridge_snapshots(site_stack):
    watcher = SnapshotWatcher(site_stack.ports.mqtt)
    yield watcher
    watcher.close()


def wait_for_retained(site_stack, version, timeout=10.0):
    """Wait until the bridge's retained snapshot has `version`, so that no refresh
    of it is on its way while a test opens its page."""
    url = f"http://{HOST}:{site_stack.ports.bridge_health}/health"
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url, timeout=5) as response:
            health = json.load(response)
        if health["snapshot_version"] == version:
            return
        assert time.monotonic() < deadline, health
        time.sleep(0.05)


def set_score(store, number):
    return store.apply(
        lambda state: edits.update_stream(
            state, "bravo", "bravocaster", {"score": [number, 0]}
        ),
        user="site-tests",
        action="score",
    )


def edit_and_follow(probe, store, first, count):
    """Commit `count` score changes, each once the page shows the one before.

    The pause after each lets the bridge see a quiet feed and republish the
    retained snapshot, as it does between a moderator's edits.
    """
    for number in range(first, first + count):
        probe.wait_version(set_score(store, number)["version"])
        probe.page.wait_for_timeout(300)


def page_received(probe):
    return probe.page.evaluate(RECEIVED)


def counted_page(open_page):
    """Return a page not opened yet, with its MQTT traffic counted."""
    probe = open_page(goto=False)
    counter = WireCounter()
    probe.page.route_web_socket(MQTT_ROUTE, counter.handle)
    return probe, counter


def test_snapshots_stay_constant_over_edits(
    open_page, publish, store, regions_state, bridge_snapshots, site_stack
):
    stored = publish(regions_state)
    wait_for_retained(site_stack, stored["version"])
    probe, counter = counted_page(open_page)
    probe.open("#bravo")
    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert wait_until(probe.page, lambda: counter.sent[UNSUBSCRIBE] == 1)
    before = dict(counter.delivered)
    bridge_before = bridge_snapshots.count

    edit_and_follow(probe, store, 1, EDITS)

    assert wait_until(
        probe.page, lambda: bridge_snapshots.count >= bridge_before + EDITS // 2
    ), "the bridge republished no snapshots during the edits"
    assert before[SNAPSHOT_TOPIC] == 1
    assert counter.delivered[SNAPSHOT_TOPIC] == 1
    assert counter.delivered[UPDATES_TOPIC] >= EDITS
    assert page_received(probe) == {
        SNAPSHOT_TOPIC: 1,
        UPDATES_TOPIC: counter.delivered[UPDATES_TOPIC],
    }
    assert counter.sent == {SUBSCRIBE: 1, UNSUBSCRIBE: 1}
    assert counter.sockets == 1


def test_gap_takes_one_snapshot_then_leaves_topic(
    open_page, publish, store, regions_state, site_stack
):
    stored = publish(regions_state)
    wait_for_retained(site_stack, stored["version"])
    probe, counter = counted_page(open_page)
    probe.open("#bravo")
    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert wait_until(probe.page, lambda: counter.sent[UNSUBSCRIBE] == 1)

    counter.drop_next_update = True
    skipped = set_score(store, 1)
    assert wait_until(probe.page, lambda: counter.dropped == 1)
    probe.wait_version(set_score(store, 2)["version"])
    assert wait_until(probe.page, lambda: counter.sent[UNSUBSCRIBE] == 2)
    # The bridge's next refresh of the retained snapshot may cross the UNSUBSCRIBE.
    probe.page.wait_for_timeout(500)
    after_gap = counter.delivered[SNAPSHOT_TOPIC]
    edit_and_follow(probe, store, 3, EDITS // 2)

    assert skipped["version"] > stored["version"]
    assert counter.sent == {SUBSCRIBE: 2, UNSUBSCRIBE: 2}
    assert after_gap in (2, 3)
    assert counter.delivered[SNAPSHOT_TOPIC] == after_gap
    assert (
        probe.page.text_content('#region-bravo li[data-stream="bravocaster"] .score')
        == f"{EDITS // 2 + 2} – 0"
    )
    assert len(probe.bootstrap_calls()) == 1


def test_connection_opens_while_python_loads(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe, counter = counted_page(open_page)
    held_routes = []
    probe.page.route(WASM_ROUTE, lambda route: held_routes.append(route))
    probe.open("#bravo")

    # MicroPython cannot start without its .wasm, so only the inline script runs
    # here: it opens the WebSocket, and MQTT starts over it once mqtt.js loads.
    assert wait_until(probe.page, lambda: len(probe.websockets()) == 1)
    assert held_routes, "the page did not request the MicroPython runtime"
    assert probe.page.evaluate("window.__qhPythonDone") is False
    assert counter.sent[SUBSCRIBE] == 0
    for route in held_routes:
        route.continue_()

    probe.wait_status("live")
    probe.wait_version(stored["version"])
    probe.wait_version(set_score(store, 7)["version"])
    assert counter.sockets == 1
    assert len(probe.websockets()) == 1
    assert len(probe.bootstrap_calls()) == 1
    assert [kind for kind, _ in probe.events][:2] == ["bootstrap", "websocket"]
    assert counter.sent[SUBSCRIBE] == 1
    assert counter.delivered[SNAPSHOT_TOPIC] == 1
