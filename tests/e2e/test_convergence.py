"""Every viewer ends up showing the state in Redis, whatever restarts on the way.

The module starts its own local stack on free ports, because it restarts Redis,
Mosquitto, the bridge and the relay. The session's shared stack stays untouched.
"""

import json
import os
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from chaos import ChaosDriver, EditReplayer, plan_disruptions
from subscribers import (
    MqttReorderer,
    ViewerPage,
    backward_steps,
    message_version,
    shown_from_state,
)

from admin.replay import read_edits
from model import edits
from model.delta import make_delta
from model.messages import delta_message, snapshot_message
from model.replica import Replica
from model.validate import validate_state
from stack.local import DEMO_SNAPSHOT, LocalStack, Ports
from stack.probes import MqttProbe, ProbePool, SseProbe
from stack.services import HOST
from store import Store, StoreUnavailable

DEMO_EDITS = Path(DEMO_SNAPSHOT).with_name("qualifier-day.edits.jsonl")
DEMO_STATE = json.loads(Path(DEMO_SNAPSHOT).read_text())

# CHAOS_SEED picks another plan of restarts. A failure message names the seed.
SEED = int(os.environ.get("CHAOS_SEED", "20261204"))
# The demo day's 600 edits span 11,688 s, so at 400x they take about 29 s.
REPLAY_SPEED = 400
DISRUPTED_SERVICES = ("redis", "mosquitto", "bridge", "relay")
DISRUPTIONS = 8
# The page's `?transport=` picks its transport.
PAGE_TRANSPORTS = ("mqtt", "sse", "mqtt")
MQTT_WEBSOCKET_PROBES = 10
MQTT_TCP_PROBES = 10
SSE_PROBES = 20
# After the last restart: the longest reconnect delay (30 s), a resync wait (5 s),
# and the bridge's retained snapshot once the feed is quiet.
SETTLE_SECONDS = 90
WAIT_MS = 20_000


@pytest.fixture(autouse=True)
def restart_dead_services():
    """Replaces the folder's fixture of that name: this module leaves the shared
    stack alone, so it need not start it."""
    return


@pytest.fixture(scope="module")
def chaos_stack(tmp_path_factory):
    stack = LocalStack(tmp_path_factory.mktemp("chaos-stack"), ports=Ports.free())
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture
def store(chaos_stack):
    store = Store.from_url(chaos_stack.redis_url)
    yield store
    store.client.close()


@pytest.fixture
def demo_day(store):
    """The demo snapshot as the current state, as the replayed edits expect."""
    return store.replace(DEMO_STATE, user="e2e-convergence")


@pytest.fixture
def open_viewer(browser, chaos_stack):
    pages = []

    def open_viewer(query=""):
        viewer = ViewerPage(browser, chaos_stack.site_url)
        pages.append(viewer)
        return viewer.open(query) if query is not None else viewer

    yield open_viewer
    for viewer in pages:
        viewer.close()


@pytest.fixture
def probe_pool():
    pool = ProbePool()
    yield pool
    pool.close()


def start_probes(pool, stack):
    bootstrap_url = stack.site_url + "api/bootstrap"
    probes = [
        MqttProbe(f"mqtt-ws-{n}", bootstrap_url=bootstrap_url, seed=SEED)
        for n in range(MQTT_WEBSOCKET_PROBES)
    ]
    probes += [
        MqttProbe(f"mqtt-tcp-{n}", broker=(HOST, stack.ports.mqtt), seed=SEED)
        for n in range(MQTT_TCP_PROBES)
    ]
    probes += [
        SseProbe(f"sse-{n}", stack.relay_url, seed=SEED) for n in range(SSE_PROBES)
    ]
    pool.start(probes)


def all_at(state):
    return lambda reports: all(
        report["live"] and report["state"] == state for report in reports
    )


def read_stored(store, timeout=30.0):
    """Return the stored state, waiting while Redis restarts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return store.read()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def describe_run(plan, chaos, replayer):
    lines = [f"seed {SEED}; planned: " + "; ".join(map(str, plan))]
    lines.append(
        "restarted: "
        + "; ".join(f"{what} (start took {took:.1f} s)" for what, took in chaos.done)
    )
    lines.append(
        f"replay: {replayer.applied} edits, {replayer.failed_commits} failed commits, "
        f"{replayer.committed_unseen} landed unseen"
    )
    return "\n".join(lines)


@pytest.mark.browser
def test_replay_under_restarts_converges(
    chaos_stack, store, demo_day, open_viewer, probe_pool
):
    pages = [open_viewer(f"?transport={kind}") for kind in PAGE_TRANSPORTS]
    for viewer in pages:
        viewer.wait_live_at(demo_day["version"], timeout=WAIT_MS)
    start_probes(probe_pool, chaos_stack)
    ready = probe_pool.wait(all_at(demo_day), timeout=30)
    assert all_at(demo_day)(ready), [(r["name"], r["version"]) for r in ready]

    records = read_edits(DEMO_EDITS)
    replay_seconds = records[-1]["t"] / REPLAY_SPEED
    plan = plan_disruptions(SEED, DISRUPTED_SERVICES, DISRUPTIONS, replay_seconds * 0.9)
    replayer = EditReplayer(chaos_stack.redis_url, records, REPLAY_SPEED).start()
    chaos = ChaosDriver(chaos_stack.services, plan).start()
    chaos.join(timeout=replay_seconds + 120)
    replayer.join(timeout=replay_seconds + 120)
    run = describe_run(plan, chaos, replayer)

    stored = read_stored(store)
    reports = probe_pool.wait(all_at(stored), timeout=SETTLE_SECONDS)
    assert replayer.applied == len(records), run
    assert stored["version"] > demo_day["version"] + len(records) // 2, run
    for report in reports:
        summary = {key: report[key] for key in report if key != "state"}
        assert report["connections"] >= 2, f"{summary}\n{run}"
        assert report["state"] == stored, f"{summary}\n{run}"
        assert report["live"], f"{summary}\n{run}"
        assert report["rejected"] == [], f"{summary}\n{run}"
        assert report["crashes"] == 0, f"{summary}\n{run}"
    for viewer in pages:
        viewer.wait_live_at(stored["version"], timeout=WAIT_MS)
        assert viewer.status() == "live", run
        assert viewer.shown_version() == stored["version"], run
        assert viewer.shown() == shown_from_state(stored), run
        assert backward_steps(viewer.versions()) == [], run
    for viewer, kind in zip(pages, PAGE_TRANSPORTS, strict=True):
        if kind == "sse":
            assert viewer.relay_requests(), "the SSE page never opened the relay"
    assert "reconnecting" in pages[0].states(), run


def test_replay_plan_is_seeded_and_covers_every_service():
    first = plan_disruptions(7, DISRUPTED_SERVICES, DISRUPTIONS, 30.0)
    again = plan_disruptions(7, DISRUPTED_SERVICES, DISRUPTIONS, 30.0)
    other = plan_disruptions(8, DISRUPTED_SERVICES, DISRUPTIONS, 30.0)

    assert first == again
    assert first != other
    assert {d.service for d in first} == set(DISRUPTED_SERVICES)
    assert {d.kill for d in first} == {True, False}
    assert [d.at for d in first] == sorted(d.at for d in first)
    assert all(0 <= d.at <= 30.0 for d in first)


def score_edit(region_id, stream_id, score):
    return lambda state: edits.update_stream(
        state, region_id, stream_id, {"score": score}
    )


def wait_through(page, condition, timeout=10.0):
    """Poll `condition` while Playwright runs the page's route handlers."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return condition()


def commit_spaced(store, count, region_id, stream_id, page):
    """Commit `count` score changes, far enough apart that each is its own delta."""
    versions = []
    for n in range(count):
        state = store.apply(score_edit(region_id, stream_id, [n, 9]), "e2e", "score")
        versions.append(state["version"])
        page.wait_for_timeout(400)
    return versions


@pytest.mark.browser
def test_reordered_and_repeated_messages_never_move_page_back(
    store, demo_day, open_viewer
):
    region = demo_day["regions"][0]
    stream_id = region["streams"][0]["id"]
    reorderer = MqttReorderer()
    viewer = open_viewer(query=None)
    viewer.page.route_web_socket("**/mqtt*", reorderer.handle)
    viewer.open()
    viewer.wait_live_at(demo_day["version"])
    wait_through(viewer.page, lambda: reorderer.sent)
    early = list(reorderer.sent)
    assert early, "the page received no retained snapshot"

    reorderer.holding = True
    versions = commit_spaced(store, 3, region["id"], stream_id, viewer.page)
    held = reorderer.held_versions()
    assert max(held) == versions[-1], held

    # The deltas newest first and each twice, then in order. Then the snapshots newest
    # first, and last the snapshot the page received before any of these.
    kinds = [message["type"] for _, message in reorderer.held]
    deltas = [i for i, kind in enumerate(kinds) if kind == "delta"]
    snapshots = [i for i, kind in enumerate(kinds) if kind == "snapshot"]
    assert len(deltas) >= 2, kinds
    order = [i for i in reversed(deltas) for _ in (0, 1)] + deltas
    reorderer.release(order + list(reversed(snapshots)))
    for packet, message in early:
        reorderer.send(packet, message)
    viewer.page.wait_for_timeout(500)

    stored = store.read()
    viewer.wait_live_at(stored["version"])
    assert backward_steps(viewer.versions()) == []
    assert viewer.shown() == shown_from_state(stored)
    assert viewer.shown_version() == versions[-1]
    assert message_version(early[0][1]) < versions[0]


def one_second_later(timestamp):
    """Return an ISO 8601 UTC time ("...Z") one second after `timestamp`."""
    issued = datetime.fromisoformat(timestamp)
    return (issued + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.browser
def test_expired_bootstrap_is_fetched_again_before_reconnecting(
    chaos_stack, store, demo_day, open_viewer
):
    viewer = open_viewer(query=None)
    issued = []

    def expire_soon(route):
        response = route.fetch()
        document = response.json()
        document["ttl"] = 1
        document["expires_at"] = one_second_later(document["issued_at"])
        issued.append(document["iot"]["url"])
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "content-encoding")
        }
        route.fulfill(
            status=response.status, headers=headers, body=json.dumps(document)
        )

    viewer.page.route("**/api/bootstrap*", expire_soon)
    viewer.open()
    viewer.wait_live_at(demo_day["version"])
    viewer.page.wait_for_timeout(1500)

    broker = chaos_stack.services["mosquitto"]
    broker.stop()
    try:
        viewer.page.wait_for_function(
            'document.getElementById("status").dataset.state === "reconnecting"'
        )
        viewer.page.wait_for_timeout(1500)
    finally:
        broker.start()
    changed = store.apply(
        score_edit(
            demo_day["regions"][0]["id"],
            demo_day["regions"][0]["streams"][0]["id"],
            [4, 4],
        ),
        "e2e",
        "score",
    )

    viewer.wait_live_at(changed["version"], timeout=40_000)
    urls = viewer.websocket_urls()
    kinds = [kind for kind, _ in viewer.connections]
    assert len(urls) >= 2, kinds
    assert len(set(urls)) == len(urls), "a presigned URL was used twice"
    assert set(urls) <= set(issued)
    for index, kind in enumerate(kinds):
        if kind == "websocket":
            assert kinds[index - 1] == "bootstrap", kinds
    assert len(viewer.bootstrap_calls()) >= len(urls)


def message_chain(seed, steps):
    """Return (states by version, messages) for `steps` random score edits."""
    rng = random.Random(seed)
    state = validate_state(DEMO_STATE)
    state["version"] = 1
    states = {1: state}
    messages = [snapshot_message(state)]
    for _ in range(steps):
        region = rng.choice([r for r in state["regions"] if r["streams"]])
        stream = rng.choice(region["streams"])
        new = edits.update_stream(
            state, region["id"], stream["id"], {"score": [rng.randrange(3), steps]}
        )
        new["version"] = state["version"] + 1
        messages.append(delta_message(make_delta(state, new)))
        messages.append(snapshot_message(new))
        state = states[new["version"]] = new
    return states, messages


@pytest.mark.parametrize("seed", range(20))
def test_shuffled_messages_never_move_replica_back(seed):
    states, messages = message_chain(seed, 12)
    rng = random.Random(seed)
    shuffled = messages + rng.sample(messages, len(messages) // 2)
    rng.shuffle(shuffled)
    replica = Replica()

    seen = []
    for message in shuffled:
        replica.on_message(message)
        seen.append(replica.version)
        if replica.state is not None:
            assert replica.state == states[replica.version]

    assert backward_steps(seen) == []
    assert replica.version == max(states)
