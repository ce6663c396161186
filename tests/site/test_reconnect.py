"""Connection loss and recovery: broker restarts, failing bootstrap calls, hidden pages."""

import json

import pytest
from page_support import wait_until

from model import edits

pytestmark = pytest.mark.browser

BOOTSTRAP_ROUTE = "**/api/bootstrap*"


def add_caster(store, name):
    return store.apply(
        lambda state: edits.add_stream(
            state, "bravo", {"name": name, "url": "kick.com/x"}
        ),
        user="site-tests",
        action="add",
    )


def states_seen(probe):
    return [entry["state"] for entry in probe.status_history()]


def assert_bootstrap_before_each_websocket(probe):
    kinds = [kind for kind, _ in probe.events]
    for index, kind in enumerate(kinds):
        if kind == "websocket":
            assert index > 0, kinds
            assert kinds[index - 1] == "bootstrap", kinds


def test_broker_restart_reconnects_with_fresh_bootstrap(
    open_page, publish, store, site_stack, regions_state
):
    stored = publish(regions_state)
    probe = open_page("#bravo")
    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert len(probe.websockets()) == 1

    broker = site_stack.services["mosquitto"]
    broker.stop()
    try:
        probe.wait_status("reconnecting")
        changed = add_caster(store, "MeanwhileCaster")
    finally:
        broker.start()

    probe.wait_status("live", timeout=30_000)
    probe.wait_version(changed["version"])
    assert probe.page.is_visible('li[data-stream="meanwhilecaster"]')
    assert "the connection to the live feed was lost" in json.dumps(
        probe.status_history()
    )
    assert states_seen(probe)[-2:] == ["reconnecting", "live"]
    assert len(probe.websockets()) >= 2
    assert len(probe.bootstrap_calls()) >= len(probe.websockets())
    assert_bootstrap_before_each_websocket(probe)

    after = add_caster(store, "AfterRestartCaster")
    probe.wait_version(after["version"])


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (
            {"status": 503, "body": "unavailable"},
            "the server is having trouble (HTTP 503)",
        ),
        (
            {"status": 429, "headers": {"Retry-After": "1"}, "body": "slow down"},
            "the server is busy (too many requests)",
        ),
        ({"abort": True}, "cannot reach the server"),
    ],
    ids=["503", "429", "network"],
)
def test_bootstrap_failure_is_shown_and_retried(
    open_page, publish, regions_state, failure, reason
):
    open_page.allowed_errors.extend(["503", "429", "net::ERR_FAILED"])
    stored = publish(regions_state)
    probe = open_page(goto=False)
    failures_left = [2]

    def fail_twice(route):
        if failures_left[0] == 0:
            route.continue_()
            return
        failures_left[0] -= 1
        if failure.get("abort"):
            route.abort()
        else:
            route.fulfill(
                status=failure["status"],
                headers=failure.get("headers"),
                body=failure["body"],
            )

    probe.page.route(BOOTSTRAP_ROUTE, fail_twice)
    probe.open()

    probe.wait_status("live", timeout=30_000)
    probe.wait_version(stored["version"])
    texts = [entry["text"] for entry in probe.status_history()]
    assert any(reason in text for text in texts), texts
    assert "reconnecting" in states_seen(probe)
    assert len(probe.bootstrap_calls()) == 3


def test_hidden_page_disconnects_and_resyncs(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(hidden_disconnect_seconds=1)
    probe.open("#bravo")
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    probe.set_hidden(True)
    probe.wait_status("offline")
    changed = add_caster(store, "WhileHiddenCaster")
    calls_before = len(probe.bootstrap_calls())
    probe.page.wait_for_timeout(500)
    assert probe.page.query_selector('li[data-stream="whilehiddencaster"]') is None

    probe.set_hidden(False)

    probe.wait_status("live")
    probe.wait_version(changed["version"])
    assert len(probe.bootstrap_calls()) == calls_before + 1
    assert "paused while this page is hidden" in probe.page.evaluate(
        "JSON.stringify(window.__qhStatus)"
    )
    assert_bootstrap_before_each_websocket(probe)


def test_short_hide_keeps_connection(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page("#bravo")
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    probe.set_hidden(True)
    probe.page.wait_for_timeout(300)
    probe.set_hidden(False)
    changed = add_caster(store, "StillLiveCaster")

    probe.wait_version(changed["version"])
    assert "offline" not in states_seen(probe)
    assert len(probe.websockets()) == 1


def test_gap_is_filled_from_snapshot(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page(goto=False)
    dropper = PublishDropper()
    probe.page.route_web_socket("**/mqtt*", dropper.handle)
    probe.open("#bravo")
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    dropper.drop_next = True
    skipped = add_caster(store, "GapCaster")
    assert wait_until(probe.page, lambda: dropper.dropped == 1)
    changed = add_caster(store, "AfterGapCaster")

    probe.wait_version(changed["version"])
    assert skipped["version"] < changed["version"]
    assert probe.page.is_visible('li[data-stream="gapcaster"]')
    assert probe.page.is_visible('li[data-stream="aftergapcaster"]')
    assert len(probe.websockets()) == 1
    assert len(probe.bootstrap_calls()) <= 2


class PublishDropper:
    """Relays the page's MQTT WebSocket and drops one PUBLISH packet on request."""

    def __init__(self):
        self.drop_next = False
        self.dropped = 0

    def handle(self, route):
        server = route.connect_to_server()
        route.on_message(server.send)
        server.on_message(lambda message: self._to_page(route, message))

    def _to_page(self, route, message):
        is_publish = isinstance(message, bytes) and message[:1] and message[0] >> 4 == 3
        if self.drop_next and is_publish:
            self.drop_next = False
            self.dropped += 1
            return
        route.send(message)


def test_page_opened_hidden_waits_until_shown(open_page, publish, regions_state):
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.page.add_init_script("window.__qhHidden = true")
    probe.open("#bravo")
    probe.page.wait_for_function("window.__qhPythonDone")
    probe.page.wait_for_timeout(500)

    assert probe.bootstrap_calls() == []
    assert probe.websockets() == []

    probe.set_hidden(False)

    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert len(probe.bootstrap_calls()) == 1
