"""Fixtures for the bridge: a seeded store, a bridge in a thread, viewers."""

import uuid

import pytest
import redis
from bridge_support import DEMO_STATE, BridgeThread, Viewer

from bridge.config import load_config
from stack.services import RedisServer
from store import Store


@pytest.fixture
def topic_prefix():
    """A topic prefix of its own per test, so retained messages of other tests stay apart."""
    return f"qualifiers/test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def fast_redis_server(tmp_path_factory):
    """A Redis without AOF, so a thousand commits a second do not wait for fsync."""
    server = RedisServer(
        tmp_path_factory.mktemp("redis-fast"), appendonly=False
    ).start()
    yield server
    server.stop()


@pytest.fixture
def fast_redis(fast_redis_server):
    client = redis.Redis.from_url(fast_redis_server.url, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def store(redis_url):
    store = Store.from_url(redis_url)
    store.replace(DEMO_STATE, user="setup")
    yield store
    store.client.close()


@pytest.fixture
def bridge_config(redis_url, mosquitto, topic_prefix):
    def make(**overrides):
        settings = {
            "redis_url": redis_url,
            "port": mosquitto.tcp_port,
            "username": mosquitto.bridge_user,
            "password": mosquitto.bridge_password,
            "topic_prefix": topic_prefix,
            "client_id": f"bridge-{uuid.uuid4().hex[:8]}",
        }
        settings.update(overrides)
        return load_config({}, **settings)

    return make


@pytest.fixture
def start_bridge(bridge_config):
    started = []

    def start(**overrides):
        bridge = BridgeThread(bridge_config(**overrides)).start()
        started.append(bridge)
        return bridge

    yield start
    for bridge in started:
        bridge.stop()


@pytest.fixture
def viewer(mosquitto, topic_prefix):
    opened = []

    def connect(port=None, prefix=None):
        viewer = Viewer(port or mosquitto.tcp_port, prefix or topic_prefix)
        opened.append(viewer)
        return viewer

    yield connect
    for viewer in opened:
        viewer.close()
