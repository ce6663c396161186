"""The relay under failures: Redis restarts and cuts, slow clients, disconnect storms."""

import signal
import socket
import struct

import pytest
from conftest import add_stream, bump, seed
from relay_support import TcpProxy, assert_converged, get, open_stream

from model import edits
from stack.services import HOST, RedisServer
from store import Store


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, so restarting it disturbs no other test."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def wait_for_snapshot(client, version):
    """Read events until a snapshot at `version` or later arrives; return it."""
    while True:
        event = client.next_event()
        assert event is not None, "stream ended before the resync"
        message = event.message() if event.kind in ("snapshot", "delta") else None
        if message is not None:
            client.replica.on_message(message)
        if event.kind == "snapshot" and message["version"] >= version:
            return event


def test_redis_restart_resyncs_clients(own_redis, start_relay):
    store = Store.from_url(own_redis.url)
    seed(store)
    relay = start_relay(own_redis.url)
    client = open_stream(relay)
    assert_converged(client, store)

    own_redis.stop(kill=True)
    relay.wait_until(
        lambda: relay.health()[0] == 503, "the relay notices Redis is gone"
    )
    own_redis.start()
    add_stream(store, "europe", "AfterRestart")

    wait_for_snapshot(client, store.read()["version"])
    assert_converged(client, store)
    relay.wait_until(
        lambda: relay.metrics()["relay_redis_reconnects_total"] >= 1,
        "the reconnect is counted",
    )
    log = relay.log()
    assert "Redis subscription failed" in log
    assert "(reconnected)" in log
    bump(store, "europe", "afterrestart")
    assert_converged(client, store)
    client.close()
    store.client.close()


def test_silent_network_cut_noticed(own_redis, start_relay):
    store = Store.from_url(own_redis.url)
    seed(store)
    proxy = TcpProxy(own_redis.port).start()
    relay = start_relay(
        f"redis://{HOST}:{proxy.port}/0", RELAY_REDIS_HEALTH_SECONDS=0.5
    )
    client = open_stream(relay)
    assert_converged(client, store)

    proxy.cut()
    # Published while the relay cannot hear it: pub/sub will never deliver these.
    add_stream(store, "europe", "DuringCut")
    bump(store, "europe", "duringcut")
    relay.wait_until(lambda: "FeedStalled" in relay.log(), "the relay notices the cut")
    proxy.restore()

    wait_for_snapshot(client, store.read()["version"])
    assert_converged(client, store)
    client.close()
    proxy.stop()
    store.client.close()


def test_slow_client_dropped_alone(store, start_relay):
    relay = start_relay(RELAY_QUEUE_LIMIT=4096)
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((HOST, relay.port))
    slow.sendall(b"GET /events HTTP/1.1\r\nHost: relay\r\n\r\n")
    reader = open_stream(relay)
    relay.wait_until(
        lambda: relay.metrics()["relay_clients_connected"] == 2,
        "both clients are connected",
    )
    store.apply(_fill_regions, "tester", "fill regions")

    # Each edit rewrites every stream's info: a delta of tens of kilobytes that the
    # slow client never reads, until the kernel's buffers are full too.
    for number in range(MAX_BIG_EDITS):
        store.apply(
            lambda state, number=number: _rewrite_infos(state, number),
            "tester",
            "rewrite infos",
        )
        if relay.metrics()["relay_clients_dropped_total"] >= 1:
            break

    relay.wait_until(
        lambda: relay.metrics()["relay_clients_dropped_total"] == 1,
        "the slow client is dropped",
    )
    assert relay.metrics()["relay_clients_connected"] == 1
    assert_converged(reader, store)
    slow.close()
    reader.close()


MAX_BIG_EDITS = 400
STREAMS_PER_REGION = 50


def _fill_regions(state):
    for region in ("europe", "sea"):
        for number in range(STREAMS_PER_REGION):
            fields = {
                "name": f"Caster{number}",
                "url": f"twitch.tv/caster{number}",
                "info": "",
                "score": [0, 0],
                "language": "English",
            }
            state = edits.add_stream(state, region, fields)
    return state


def _rewrite_infos(state, number):
    info = f"*round {number}* " + "x" * 250
    for region in state["regions"]:
        for stream in region["streams"]:
            stream["info"] = info
    return state


def _vanishing_clients(port, count):
    """Open connections that leave at every stage of a request."""
    request = b"GET /events HTTP/1.1\r\nHost: relay\r\n\r\n"
    for number in range(count):
        sock = socket.create_connection((HOST, port))
        stage = number % 4
        if stage == 1:
            sock.sendall(request[:10])
        elif stage >= 2:
            sock.sendall(request)
        if stage == 3:
            sock.recv(64)
            # RST instead of FIN: the peer disappears without a goodbye.
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        sock.close()


def test_disconnect_storm_leaks_nothing(store, start_relay):
    relay = start_relay(RELAY_HEARTBEAT_SECONDS=60)
    before = relay.metrics()

    _vanishing_clients(relay.port, 400)
    keep = open_stream(relay)
    keep.next_event()
    keep.close()

    def settled():
        now = relay.metrics()
        return (
            now["relay_clients_connected"] == 0
            and now["relay_asyncio_tasks"] <= before["relay_asyncio_tasks"]
            and now["process_open_fds"] <= before["process_open_fds"]
        )

    relay.wait_until(settled, "every connection and task is gone")
    after = relay.metrics()
    assert after["relay_clients_connected"] == 0
    assert after["relay_asyncio_tasks"] == before["relay_asyncio_tasks"]
    assert after["process_open_fds"] == before["process_open_fds"]
    assert " ERROR " not in relay.log()


def test_sigterm_sends_final_event(store, start_relay):
    relay = start_relay(RELAY_RECONNECT_MS=2000)
    clients = [open_stream(relay) for _ in range(3)]
    for client in clients:
        client.next_event()

    relay.process.send_signal(signal.SIGTERM)
    for client in clients:
        event = client.next_event()
        assert event.kind == "shutdown"
        assert 500 <= int(event.retry) <= 2000
        assert client.next_event() is None
        assert client.ended.wait(10)
        client.close()
    assert relay.process.wait(10) == 0
    assert "sent the shutdown event to 3 clients" in relay.log()


def test_503_until_redis_is_read(tmp_path, start_relay):
    server = RedisServer(tmp_path / "late-redis")
    relay = start_relay(server.url, wait_healthy=False)
    status, body, headers = get(relay.url + "/events")
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert "no state" in body

    server.start()
    try:
        relay.wait_until(lambda: relay.health()[0] == 200, "the relay reads Redis")
        client = open_stream(relay)
        assert client.next_event().kind == "snapshot"
        client.close()
    finally:
        server.stop()
