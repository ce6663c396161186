"""The bridge in a thread against the session's Redis and Mosquitto."""

import itertools
import json
import logging
import time

import paho.mqtt.client as paho
from bridge_support import (
    DEMO_STATE,
    HOST,
    RawWriter,
    Viewer,
    read_retained,
    wait_until,
)

from model import edits
from store import Store

RATE = 10.0


def synced(viewer, store):
    return wait_until(lambda: viewer.state == store.read())


def set_score(store, score):
    stream_id = store.read()["regions"][2]["streams"][0]["id"]
    return store.apply(
        lambda state: edits.update_stream(state, "europe", stream_id, {"score": score}),
        user="mod",
        action="score",
    )


def test_edit_reaches_viewer_as_one_delta(store, start_bridge, viewer):
    start_bridge()
    watcher = viewer()
    assert synced(watcher, store)
    before = len(watcher.messages("delta"))

    state = set_score(store, [2, 1])

    assert wait_until(lambda: watcher.state == state)
    received = watcher.messages("delta")[before:]
    assert len(received) == 1
    assert received[0]["from"] == state["version"] - 1
    assert received[0]["to"] == state["version"]
    assert len(received[0]["ops"]) == 1
    assert received[0]["ops"][0][0] == "stream"


def test_new_subscriber_gets_latest_snapshot(
    store, start_bridge, mosquitto, topic_prefix
):
    bridge = start_bridge()
    for score in range(3):
        state = set_score(store, [score, 0])
    assert wait_until(
        lambda: bridge.health.report()["snapshot_version"] == state["version"]
    )

    snapshot = read_retained(mosquitto.tcp_port, topic_prefix)

    assert snapshot is not None
    assert snapshot["version"] == state["version"]
    assert snapshot["state"] == state


def test_burst_stays_within_rate_and_converges(
    fast_redis_server, fast_redis, start_bridge, viewer
):
    store = Store(fast_redis)
    store.replace(DEMO_STATE, user="setup")
    bridge = start_bridge(redis_url=fast_redis_server.url, max_publish_rate=RATE)
    watcher = viewer()
    assert synced(watcher, store)
    writer = RawWriter(fast_redis, store.read())
    started = time.monotonic()

    # A thousand edits paced over one second; a loaded machine may stretch that.
    for index in range(1000):
        writer.set_score("europe", index % 5, [index % 100, 0])
        time.sleep(max(0.0, started + index / 1000 - time.monotonic()))

    assert wait_until(lambda: watcher.state == writer.state)
    times = [at for at, _, _ in bridge.broker.publishes]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1 / RATE - 0.005
    assert len(times) <= (times[-1] - times[0]) * RATE + 1
    assert len(watcher.messages("delta")) < 200


def test_oversized_state_never_reaches_broker(
    store, redis_client, start_bridge, viewer, caplog
):
    caplog.set_level(logging.ERROR, logger="bridge")
    bridge = start_bridge()
    watcher = viewer()
    assert synced(watcher, store)
    writer = RawWriter(redis_client, store.read())
    huge = [
        {
            "id": f"s{index}",
            "name": f"Stream {index}",
            "url": f"https://twitch.tv/s{index}",
            "info": "x" * 300,
            "score": [0, 0],
            "language": "English",
            "tags": [],
        }
        for index in range(400)
    ]
    region = {"id": "huge", "title": "Huge", "order": 90, "no_streams_text": ""}

    oversized = writer.commit(
        [["region", region]] + [["stream", "huge", s] for s in huge]
    )
    assert wait_until(
        lambda: bridge.health.report()["published_version"] == oversized["version"]
    )
    after = writer.set_score("europe", 0, [7, 7])

    assert wait_until(
        lambda: any(m["to"] == after["version"] for m in watcher.messages("delta"))
    )
    shrunk = writer.commit([["region-", "huge"]])
    assert wait_until(lambda: watcher.state == shrunk)
    limit = bridge.config.max_payload_bytes
    assert max(size for _, _, _, size, _ in watcher.received) <= limit
    assert max(size for _, _, size in bridge.broker.publishes) <= limit
    rejected = [
        r.getMessage() for r in caplog.records if "payload limit" in r.getMessage()
    ]
    assert any(f"version {oversized['version']} is " in text for text in rejected)
    assert bridge.health.report()["rejected_payloads"] >= 2


def test_anonymous_client_cannot_publish(
    store, start_bridge, viewer, mosquitto, topic_prefix
):
    start_bridge()
    watcher = viewer()
    assert synced(watcher, store)
    forged = b'{"type":"snapshot","version":999,"state":{"site":{"title":"Forged"},"regions":[]}}'
    intruder = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="intruder")
    intruder.connect(HOST, mosquitto.tcp_port)
    intruder.loop_start()

    for topic in (f"{topic_prefix}/snapshot", f"{topic_prefix}/updates"):
        intruder.publish(topic, forged, qos=1, retain=True).wait_for_publish(5)
    state = set_score(store, [4, 4])

    assert wait_until(lambda: watcher.state == state)
    assert all(message.get("version") != 999 for message in watcher.messages())
    late = Viewer(mosquitto.tcp_port, topic_prefix)
    assert wait_until(lambda: late.messages("snapshot"))
    assert late.messages("snapshot")[0]["state"]["site"]["title"] != "Forged"
    late.close()
    intruder.disconnect()
    intruder.loop_stop()


def test_lost_consumer_group_publishes_snapshot(
    store, redis_client, start_bridge, viewer
):
    bridge = start_bridge()
    watcher = viewer()
    assert synced(watcher, store)

    redis_client.delete(store.keys.changes)
    state = set_score(store, [5, 0])

    assert wait_until(lambda: watcher.state == state)
    snapshots = watcher.messages("snapshot")
    assert snapshots[-1]["version"] == state["version"]
    assert bridge.health.report()["resyncs"] == 2


def test_restart_resumes_with_delta(store, start_bridge, viewer):
    first = start_bridge(consumer="bridge-a")
    watcher = viewer()
    assert synced(watcher, store)
    first.stop()
    version = store.read()["version"]

    for score in range(3):
        state = set_score(store, [score, 1])
    second = start_bridge(consumer="bridge-a")

    assert wait_until(lambda: watcher.state == state)
    resumed = [m for m in watcher.messages() if m.get("to") == state["version"]]
    assert resumed[0]["type"] == "delta"
    assert resumed[0]["from"] == version
    assert second.health.report()["resyncs"] == 0


def test_trimmed_feed_resyncs_with_snapshot(store, redis_client, start_bridge, viewer):
    first = start_bridge()
    watcher = viewer()
    assert synced(watcher, store)
    first.stop()

    set_score(store, [1, 1])
    redis_client.xtrim(store.keys.changes, maxlen=0, approximate=False)
    state = set_score(store, [2, 2])
    second = start_bridge()

    assert wait_until(lambda: watcher.state == state)
    assert watcher.messages()[-1]["type"] == "snapshot"
    assert second.health.report()["resyncs"] == 1


def test_malformed_feed_entries_are_skipped(
    store, redis_client, start_bridge, viewer, caplog
):
    bridge = start_bridge()
    watcher = viewer()
    assert synced(watcher, store)
    version = store.read()["version"]
    forged = {"id": "forged", "name": "x", "url": "javascript:alert(1)"}
    deltas = [
        json.dumps(
            {"from": version, "to": version + 1, "ops": [["stream", "europe", forged]]}
        ),
        "[" * 100_000 + "]" * 100_000,
        b"\xff\xfe{}",
    ]
    for sequence, delta in enumerate(deltas, start=1):
        redis_client.xadd(
            store.keys.changes,
            {"from": version, "to": version + 1, "delta": delta},
            id=f"{version}-{sequence}",
        )

    state = set_score(store, [6, 6])

    assert wait_until(lambda: watcher.state == state)
    assert bridge.thread.is_alive()
    assert bridge.health.report()["resyncs"] == 1
    assert "forged" not in json.dumps(watcher.messages())
    for sequence in range(1, len(deltas) + 1):
        assert f"change feed entry {version}-{sequence} is malformed" in caplog.text
