"""GET /events against real relay processes and a real Redis."""

import json

from conftest import add_stream, bump
from relay_support import assert_converged, get, open_stream


def test_stream_sends_snapshot_then_deltas(store, start_relay):
    relay = start_relay()
    client = open_stream(relay)
    first = client.next_event()
    state = store.read()

    assert client.status == 200
    assert client.headers["content-type"].startswith("text/event-stream")
    assert client.headers["cache-control"] == "no-store"
    assert client.headers["x-accel-buffering"] == "no"
    assert first.kind == "snapshot"
    assert first.id == str(state["version"])
    assert first.message()["state"] == state

    client.replica.on_message(first.message())
    add_stream(store, "europe", "MangoEcho")
    bump(store, "europe", "mangoecho")
    events = client.apply_until(store.read()["version"])
    assert [event.kind for event in events] == ["delta", "delta"]
    assert [event.id for event in events] == [
        str(state["version"] + 1),
        str(state["version"] + 2),
    ]
    assert_converged(client, store)
    client.close()


def test_stream_sets_reconnect_time_first(store, start_relay):
    relay = start_relay(RELAY_RECONNECT_MS=1234)
    client = open_stream(relay)
    event = client.next_event()
    assert client.retry == "1234"
    assert event.kind == "snapshot"
    client.close()


def test_resume_from_memory(store, start_relay):
    relay = start_relay()
    client = open_stream(relay)
    assert_converged(client, store)
    seen = client.replica.version
    client.close()
    add_stream(store, "sea", "NovaWard")
    bump(store, "sea", "novaward", side=1)

    resumed = open_stream(relay, headers={"Last-Event-ID": str(seen)})
    events = [resumed.next_event(), resumed.next_event()]
    assert [event.kind for event in events] == ["delta", "delta"]
    assert events[0].message()["from"] == seen
    assert events[1].id == str(store.read()["version"])
    resumed.close()


def test_resume_from_redis_feed(store, start_relay):
    relay = start_relay(RELAY_HISTORY=1)
    start = store.read()["version"]
    for name in ("Alpha", "Bravo", "Charlie"):
        add_stream(store, "europe", name)
    relay.wait_until(
        lambda: relay.metrics()["relay_version"] == start + 3,
        "the relay reaches the last version",
    )

    client = open_stream(relay, headers={"Last-Event-ID": str(start)})
    events = [client.next_event() for _ in range(3)]
    assert [event.kind for event in events] == ["delta", "delta", "delta"]
    assert [event.message()["from"] for event in events] == [
        start,
        start + 1,
        start + 2,
    ]
    client.close()


def test_resume_outside_feed_gets_snapshot(store, start_relay, redis_client):
    relay = start_relay(RELAY_HISTORY=1)
    for name in ("Alpha", "Bravo", "Charlie"):
        add_stream(store, "europe", name)
    redis_client.xtrim("qh:changes", maxlen=1, approximate=False)
    version = store.read()["version"]
    relay.wait_until(
        lambda: relay.metrics()["relay_version"] == version,
        "the relay reaches the last version",
    )

    for last_id in ("1", "not-a-version", str(version + 100)):
        client = open_stream(relay, headers={"Last-Event-ID": last_id})
        event = client.next_event()
        assert event.kind == "snapshot", last_id
        assert event.id == str(version), last_id
        client.close()


def test_resume_at_current_version(store, start_relay):
    relay = start_relay()
    version = store.read()["version"]
    client = open_stream(relay, headers={"Last-Event-ID": str(version)})
    add_stream(store, "europe", "Delta")
    event = client.next_event()
    assert event.kind == "delta"
    assert event.message()["from"] == version
    client.close()


def test_two_instances_stay_consistent(store, start_relay):
    relays = [start_relay(), start_relay()]
    clients = [open_stream(relay) for relay in relays for _ in range(2)]
    add_stream(store, "europe", "Mango")
    add_stream(store, "sea", "Nova")
    for round_number in range(15):
        bump(store, "europe", "mango", side=round_number % 2)
        bump(store, "sea", "nova")
    for client in clients:
        assert_converged(client, store)
        client.close()


def test_heartbeat_comments_arrive(store, start_relay):
    relay = start_relay(RELAY_HEARTBEAT_SECONDS=0.2)
    client = open_stream(relay)
    client.next_event()
    relay.wait_until(lambda: "ping" in client.comments, "a heartbeat arrives")
    client.close()


def test_connection_cap_answers_503(store, start_relay):
    relay = start_relay(RELAY_MAX_CLIENTS=2, RELAY_RETRY_AFTER_SECONDS=7)
    first, second = open_stream(relay), open_stream(relay)
    for client in (first, second):
        client.next_event()

    status, body, headers = get(relay.url + "/events")
    assert status == 503
    assert headers["Retry-After"] == "7"
    assert "connection limit" in body

    first.close()
    relay.wait_until(
        lambda: relay.metrics()["relay_clients_connected"] == 1,
        "the closed stream is counted out",
    )
    third = open_stream(relay)
    assert third.status == 200
    assert third.next_event().kind == "snapshot"
    assert (
        relay.metrics()[
            'relay_clients_rejected_total{reason="connection limit reached"}'
        ]
        == 1
    )
    second.close()
    third.close()


def test_cors_only_for_allowed_origins(store, start_relay):
    relay = start_relay(
        RELAY_ALLOWED_ORIGINS="https://qualifiers.example, http://localhost:8000"
    )
    allowed = open_stream(relay, headers={"Origin": "https://qualifiers.example"})
    other = open_stream(relay, headers={"Origin": "https://elsewhere.example"})

    assert (
        allowed.headers["access-control-allow-origin"] == "https://qualifiers.example"
    )
    assert allowed.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in other.headers
    allowed.close()
    other.close()


def test_preflight_allows_last_event_id(store, start_relay):
    import urllib.request

    relay = start_relay(RELAY_ALLOWED_ORIGINS="https://qualifiers.example")
    request = urllib.request.Request(
        relay.url + "/events",
        method="OPTIONS",
        headers={
            "Origin": "https://qualifiers.example",
            "Access-Control-Request-Headers": "last-event-id",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
        assert (
            response.headers["Access-Control-Allow-Origin"]
            == "https://qualifiers.example"
        )
        assert "Last-Event-ID" in response.headers["Access-Control-Allow-Headers"]


def test_health_and_metrics(store, start_relay):
    relay = start_relay()
    status, body = relay.health()
    report = json.loads(body)
    metrics = relay.metrics()

    assert status == 200
    assert report["status"] == "ok"
    assert report["version"] == store.read()["version"]
    assert report["redis"] is True
    for name in (
        "relay_clients_connected",
        "relay_clients_dropped_total",
        "relay_redis_reconnects_total",
        "relay_version",
        "relay_asyncio_tasks",
        "process_open_fds",
    ):
        assert name in metrics, name
    assert metrics["relay_version"] == store.read()["version"]


def test_http10_client_gets_unchunked_stream(store, start_relay):
    import socket

    relay = start_relay()
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as sock:
        sock.sendall(b"GET /events HTTP/1.0\r\n\r\n")
        received = b""
        while b"event: snapshot" not in received or not received.endswith(b"\n\n"):
            data = sock.recv(65536)
            assert data, f"stream ended early: {received[:200]!r}"
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert body.startswith(b"retry: 3000\n\nevent: snapshot\nid: ")
