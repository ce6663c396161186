"""Fixtures for the relay: a seeded store and relay processes stopped at teardown."""

import pytest
from relay_support import RelayProcess

from model import edits
from store import Store


def seed(store):
    store.apply(
        lambda state: edits.set_site(state, {"event": "Open Qualifiers, day 1"}),
        "tester",
        "set site",
    )
    for order, region in enumerate(("europe", "sea"), start=1):
        store.apply(
            lambda state, region=region, order=order: edits.upsert_region(
                state, {"id": region, "title": region.upper(), "order": order}
            ),
            "tester",
            "add region",
        )


@pytest.fixture
def store(redis_url):
    store = Store.from_url(redis_url)
    seed(store)
    yield store
    store.client.close()


@pytest.fixture
def start_relay(tmp_path, redis_url):
    """Start relay processes: `start_relay(**env)`; all are stopped at teardown."""
    started = []

    def start(url=None, wait_healthy=True, **env):
        relay = RelayProcess(tmp_path, url or redis_url, **env)
        started.append(relay)
        return relay.start(wait_healthy)

    yield start
    for relay in started:
        relay.stop()


def add_stream(store, region, name, info="", score=(0, 0)):
    fields = {
        "name": name,
        "url": f"twitch.tv/{name.lower()}",
        "info": info,
        "score": list(score),
        "language": "English",
    }
    return store.apply(
        lambda state: edits.add_stream(state, region, fields), "tester", "add stream"
    )


def bump(store, region, stream_id, side=0):
    return store.apply(
        lambda state: edits.bump_score(state, region, stream_id, side),
        "tester",
        "bump score",
    )
