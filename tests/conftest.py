"""Fixtures that start real local servers on free ports and stop them afterwards."""

import shutil

import pytest
import redis

from stack.browser import CHROMIUM, CHROMIUM_ARGS
from stack.services import MosquittoBroker, MotoServer, RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """A Redis URL whose database is empty when the test starts."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory):
    broker = MosquittoBroker(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; no browser download involved."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./stack/install.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    """The whole system (servers, bridge, relay, admin, gateway, built site) on free ports.

    Started once per test session; tests that restart a part must leave it running.
    """
    from stack.local import LocalStack, Ports

    stack = LocalStack(tmp_path_factory.mktemp("stack"), ports=Ports.free())
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()
