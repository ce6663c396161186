import json

import pytest
import redis

from model import edits
from model.errors import ValidationError
from store import ConflictError, CorruptStateError, Store, StoreUnavailable

SNAPSHOT = {
    "site": {"title": "Qualifier Hub", "event": "Day 2"},
    "regions": [
        {
            "id": "europe",
            "title": "Europe",
            "order": 1,
            "streams": [
                {
                    "name": "Alpha",
                    "url": "twitch.tv/alpha",
                    "score": [0, 0],
                    "language": "English",
                },
                {
                    "name": "Beta",
                    "url": "twitch.tv/beta",
                    "score": [1, 0],
                    "language": "German",
                },
            ],
        },
        {"id": "sea", "title": "SEA", "order": 2, "streams": []},
    ],
}


@pytest.fixture
def store(redis_url):
    store = Store.from_url(redis_url)
    store.replace(SNAPSHOT, user="setup")
    return store


def test_replace_bumps_version_and_feeds_everything(store, redis_client):
    pubsub = redis_client.pubsub()
    pubsub.subscribe(store.keys.notify)
    pubsub.get_message(timeout=1)

    state = store.apply(
        lambda s: edits.update_stream(s, "europe", "alpha", {"score": [2, 1]}),
        user="mod",
        action="score",
    )

    assert state["version"] == 2
    assert store.read() == state
    delta = json.loads(redis_client.xrange(store.keys.changes)[-1][1]["delta"])
    assert delta["from"] == 1
    assert delta["to"] == 2
    assert len(json.dumps(delta)) < 1024
    message = pubsub.get_message(timeout=1)
    assert json.loads(message["data"]) == delta
    entry = store.audit(after=1)[0]
    assert entry["user"] == "mod"
    assert entry["action"] == "score"
    pubsub.close()


def test_changes_since_resumes_and_detects_trim(store, redis_client):
    for score in range(2, 5):
        store.apply(
            lambda s, n=score: edits.update_stream(
                s, "europe", "beta", {"score": [n, 0]}
            ),
            user="mod",
            action="score",
        )
    deltas = store.changes_since(2)
    assert [(d["from"], d["to"]) for d in deltas] == [(2, 3), (3, 4)]
    assert store.changes_since(4) == []

    redis_client.xtrim(store.keys.changes, maxlen=1, approximate=False)
    assert store.changes_since(2) is None


def test_stale_edit_on_same_stream_conflicts(store):
    loaded = store.read()["version"]
    store.apply(
        lambda s: edits.update_stream(s, "europe", "alpha", {"info": "first"}),
        user="alice",
        action="edit",
    )

    with pytest.raises(ConflictError, match="stream 'alpha' in region 'europe'.*alice"):
        store.apply(
            lambda s: edits.update_stream(s, "europe", "alpha", {"info": "second"}),
            user="bob",
            action="edit",
            base_version=loaded,
        )

    assert store.read()["regions"][0]["streams"][0]["info"] == "first"


def test_stale_edit_on_other_stream_applies(store):
    loaded = store.read()["version"]
    store.apply(
        lambda s: edits.update_stream(s, "europe", "alpha", {"info": "first"}),
        user="alice",
        action="edit",
    )

    state = store.apply(
        lambda s: edits.update_stream(s, "europe", "beta", {"info": "second"}),
        user="bob",
        action="edit",
        base_version=loaded,
    )

    infos = [stream["info"] for stream in state["regions"][0]["streams"]]
    assert infos == ["first", "second"]


def test_invalid_edit_stores_nothing(store, redis_client):
    before = redis_client.get(store.keys.state)
    with pytest.raises(ValidationError, match="url"):
        store.apply(
            lambda s: edits.update_stream(
                s, "europe", "alpha", {"url": "javascript:alert(1)"}
            ),
            user="mod",
            action="edit",
        )
    assert redis_client.get(store.keys.state) == before
    assert redis_client.xlen(store.keys.changes) == 1


def test_no_op_edit_keeps_version(store):
    state = store.apply(lambda s: s, user="mod", action="nothing")
    assert state["version"] == 1


def test_revert_restores_old_state(store):
    original = store.read()
    store.apply(
        lambda s: edits.remove_stream(s, "europe", "alpha"), user="m", action="rm"
    )
    store.apply(lambda s: edits.remove_region(s, "sea"), user="m", action="rm")

    reverted = store.revert(original["version"], user="admin")

    assert reverted["version"] == 4
    assert reverted["regions"] == original["regions"]


def test_corrupt_state_is_reported(store, redis_client):
    redis_client.set(store.keys.state, "{not json")
    with pytest.raises(CorruptStateError):
        store.read()


def test_unreachable_redis_raises_store_unavailable():
    from stack.services import free_port

    store = Store.from_url(
        f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5
    )
    with pytest.raises(StoreUnavailable):
        store.read()
    store.client.close()


def test_commit_survives_feed_from_lost_counter(store, redis_client):
    # The counter and state went back to version 0, but the feed still ends at 1.
    state = store.read()
    redis_client.set(store.keys.version, 0)
    redis_client.set(store.keys.state, json.dumps({**state, "version": 0}))

    state = store.apply(lambda s: edits.remove_region(s, "sea"), user="m", action="rm")
    assert state["version"] == 1
    assert store.changes_since(0)[0]["to"] == 1


def test_redis_client_errors_are_translated(store):
    store.client.connection_pool.disconnect()
    store.client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with pytest.raises(StoreUnavailable):
        store.changes_since(0)
