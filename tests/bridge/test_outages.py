"""The bridge as a real process while Redis, Mosquitto and the bridge itself restart."""

import json
import signal
import threading
import time
import urllib.request

import pytest
from bridge_support import DEMO_STATE, HOST, Viewer, read_retained, wait_until

from model import edits
from stack.services import MosquittoBroker, PythonService, RedisServer, free_port
from store import Store, StoreUnavailable

TOPIC_PREFIX = "qualifiers"


class EditLoop(threading.Thread):
    """Keeps changing scores through the store, retrying while Redis is down."""

    def __init__(self, store):
        super().__init__(name="edits", daemon=True)
        self.store = store
        self.pause = 0.02
        self.count = 0
        self.failures = 0
        self.done = threading.Event()

    def run(self):
        stream_ids = [s["id"] for s in self.store.read()["regions"][2]["streams"]]
        while not self.done.is_set():
            stream_id = stream_ids[self.count % len(stream_ids)]
            score = [self.count % 100, (self.count // 100) % 100]
            try:
                self.store.apply(
                    lambda state, sid=stream_id, s=score: edits.update_stream(
                        state, "europe", sid, {"score": s}
                    ),
                    user="mod",
                    action="score",
                )
                self.count += 1
            except StoreUnavailable:
                self.failures += 1
                time.sleep(0.05)
            time.sleep(self.pause)

    def stop(self):
        self.done.set()
        self.join(10)


@pytest.fixture
def servers(tmp_path):
    redis_server = RedisServer(tmp_path / "redis").start()
    broker = MosquittoBroker(tmp_path / "mosquitto", TOPIC_PREFIX).start()
    yield redis_server, broker
    broker.stop()
    redis_server.stop()


@pytest.fixture
def store(servers):
    store = Store.from_url(servers[0].url)
    store.replace(DEMO_STATE, user="setup")
    yield store
    store.client.close()


@pytest.fixture
def bridge_process(tmp_path, servers):
    """A factory for the bridge as a child process; stopped at teardown whatever happens."""
    redis_server, broker = servers
    started = []

    def start():
        health_port = free_port()
        environment = {
            "REDIS_URL": redis_server.url,
            "TOPIC_PREFIX": TOPIC_PREFIX,
            "BRIDGE_TRANSPORT": "tcp",
            "BRIDGE_ENDPOINT": HOST,
            "BRIDGE_PORT": str(broker.tcp_port),
            "BRIDGE_USERNAME": broker.bridge_user,
            "BRIDGE_PASSWORD": broker.bridge_password,
            "BRIDGE_CLIENT_ID": "bridge-outages",
            "BRIDGE_HEALTH_HOST": HOST,
            "BRIDGE_HEALTH_PORT": str(health_port),
        }
        service = PythonService(
            "bridge", tmp_path / "logs", ["-m", "bridge"], environment, health_port
        )
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop(kill=True)


def read_health(port):
    try:
        with urllib.request.urlopen(
            f"http://{HOST}:{port}/health", timeout=2
        ) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_viewers_converge_through_restarts(servers, store, bridge_process):
    redis_server, broker = servers
    bridge = bridge_process()
    viewer = Viewer(broker.tcp_port, TOPIC_PREFIX)
    assert wait_until(lambda: viewer.state == store.read())
    writer = EditLoop(store)
    writer.start()

    # Each server stays down for a second, long enough for the bridge to fail a
    # command instead of redis-py reconnecting an idle connection unnoticed.
    time.sleep(1)
    redis_server.stop()
    time.sleep(1)
    redis_server.start()
    assert wait_until(lambda: read_health(bridge.port)[1]["redis_connected"])
    time.sleep(1)
    broker.stop()
    time.sleep(1)
    broker.start()
    assert wait_until(lambda: read_health(bridge.port)[1]["broker_connected"])
    time.sleep(1)
    writer.pause = 0
    time.sleep(0.5)
    bridge.stop(kill=True)
    time.sleep(0.5)
    bridge.start()
    time.sleep(1)
    writer.stop()

    final = store.read()
    assert writer.count > 50
    assert writer.failures > 0
    assert wait_until(lambda: viewer.state == final, timeout=20)
    assert wait_until(
        lambda: read_health(bridge.port)[1]["snapshot_version"] == final["version"]
    )
    retained = read_retained(broker.tcp_port, TOPIC_PREFIX)
    assert retained["state"] == final
    viewer.close()
    status, health = read_health(bridge.port)
    assert status == 200
    assert health["published_version"] == final["version"]
    log = bridge.log_text()
    assert "Redis failed (attempt 1) at published version" in log
    assert "connection to MQTT broker" in log
    assert "reconnected to MQTT broker" in log
    assert "broker connection resumed at published version" in log
    bridge.stop()


def test_sigterm_stops_cleanly(servers, store, bridge_process):
    bridge = bridge_process()
    assert wait_until(lambda: read_health(bridge.port)[1]["published_version"] == 1)

    bridge.process.send_signal(signal.SIGTERM)

    assert bridge.process.wait(10) == 0
    log = bridge.log_text()
    assert "received SIGTERM, stopping" in log
    assert "bridge stopped at published version 1" in log


def test_health_reports_broker_down(servers, store, bridge_process):
    broker = servers[1]
    bridge = bridge_process()
    assert wait_until(lambda: read_health(bridge.port)[0] == 200)

    broker.stop()

    assert wait_until(lambda: read_health(bridge.port)[0] == 503)
    status, health = read_health(bridge.port)
    assert status == 503
    assert health["ok"] is False
    assert health["broker_connected"] is False
    assert health["redis_connected"] is True
    bridge.stop()
