"""The viewer page on the SSE relay, and its fallback between MQTT and the relay.

Runs against the whole local stack: the gateway lists the stack's relay in the
bootstrap response's `transports`, and the page's CSP allows the relay's origin.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from page_support import wait_until

from model import edits
from model.messages import encode, snapshot_message

pytestmark = pytest.mark.browser

EVENTS_ROUTE = "**/events*"
MQTT_ROUTE = "**/mqtt*"
SSE_ONLY = "?transport=sse"
# Records every version the page shows, from the server-rendered one on.
VERSION_LOG = """document.addEventListener("DOMContentLoaded", () => {
  window.__qhVersions = [];
  const regions = document.getElementById("regions");
  const record = () => window.__qhVersions.push(Number(regions.dataset.version));
  record();
  new MutationObserver(record).observe(
    regions, {attributes: true, attributeFilter: ["data-version"]});
});"""
# Short reconnect delays, so that three failed connects take about a second.
FAST_RETRY = {"retry_first_seconds": 0.2, "retry_max_seconds": 0.4}


def add_caster(store, name):
    return store.apply(
        lambda state: edits.add_stream(
            state, "bravo", {"name": name, "url": "kick.com/x"}
        ),
        user="site-tests",
        action="add",
    )


def wait_live_on(probe, transport, timeout=15_000):
    probe.page.wait_for_selector(
        f'#status[data-state="live"][data-transport="{transport}"]',
        state="attached",
        timeout=timeout,
    )


def status_texts(probe):
    return [entry["text"] for entry in probe.status_history()]


def event_requests(probe):
    return [url for url in probe.requests if urlsplit(url).path == "/events"]


def last_event_id(url):
    return parse_qs(urlsplit(url).query).get("last_event_id")


class RejectingBroker:
    """Mock the page's MQTT WebSocket: close it when the page sends CONNECT.

    After `rejections` connections it passes the WebSocket through to Mosquitto.
    """

    def __init__(self, rejections=None):
        self.rejections = rejections
        self.attempts = 0

    def handle(self, route):
        self.attempts += 1
        if self.rejections is not None and self.attempts > self.rejections:
            server = route.connect_to_server()
            route.on_message(server.send)
            server.on_message(route.send)
            return
        route.on_message(lambda message: route.close())


def test_forced_sse_shows_state_and_edits(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page(SSE_ONLY + "#bravo")

    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])
    changed = add_caster(store, "RelayCaster")

    probe.wait_version(changed["version"])
    assert probe.page.is_visible('li[data-stream="relaycaster"]')
    assert probe.page.text_content("#status") == "Live (relay)"
    assert probe.websockets() == []
    assert len(event_requests(probe)) == 1
    assert len(probe.bootstrap_calls()) == 1


def test_broken_mqtt_falls_back_to_relay(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(**FAST_RETRY)
    broker = RejectingBroker()
    probe.page.route_web_socket(MQTT_ROUTE, broker.handle)
    probe.open("#bravo")

    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])
    changed = add_caster(store, "FallbackCaster")

    probe.wait_version(changed["version"])
    assert probe.page.is_visible('li[data-stream="fallbackcaster"]')
    assert broker.attempts == 3
    assert len(probe.bootstrap_calls()) == 3
    assert any(
        "could not connect to the live feed" in text for text in status_texts(probe)
    )
    assert probe.page.text_content("#status") == "Live (relay)"


def test_failing_bootstrap_falls_back_to_option_relay(
    open_page, publish, regions_state, site_stack
):
    open_page.allowed_errors.append("503")
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(relay_urls=[site_stack.relay_url], **FAST_RETRY)
    probe.page.route(
        "**/api/bootstrap*", lambda route: route.fulfill(status=503, body="down")
    )
    probe.open("#bravo")

    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])
    assert len(probe.bootstrap_calls()) == 3
    assert probe.websockets() == []
    assert any("HTTP 503" in text for text in status_texts(probe))


def test_relay_503_recreates_event_source(
    open_page, publish, store, regions_state, site_stack
):
    open_page.allowed_errors.append("503")
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(**FAST_RETRY)
    rejected = []

    def reject_first(route):
        if rejected:
            route.continue_()
            return
        rejected.append(route.request.url)
        route.fulfill(
            status=503,
            headers={
                "Access-Control-Allow-Origin": site_stack.site_url.rstrip("/"),
                "Retry-After": "5",
                "Content-Type": "text/plain",
            },
            body="relay unavailable: connection limit reached\n",
        )

    probe.page.route(EVENTS_ROUTE, reject_first)
    probe.open(SSE_ONLY + "#bravo")

    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])
    changed = add_caster(store, "AfterRejectCaster")

    probe.wait_version(changed["version"])
    assert len(rejected) == 1
    assert len(event_requests(probe)) == 2
    assert any("rejected the connection" in text for text in status_texts(probe))
    assert [entry["state"] for entry in probe.status_history()][-2:] == [
        "reconnecting",
        "live",
    ]


def test_relay_restart_loses_no_edits(
    open_page, publish, store, regions_state, site_stack
):
    open_page.allowed_errors.extend(["503", "net::ERR_CONNECTION_REFUSED"])
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(**FAST_RETRY)
    probe.open(SSE_ONLY + "#bravo")
    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])

    relay = site_stack.services["relay"]
    try:
        relay.stop()  # SIGTERM: every stream gets `event: shutdown` first
        probe.wait_status("reconnecting")
        during = add_caster(store, "DuringRestartCaster")
    finally:
        if not relay.running:
            relay.start()

    probe.wait_version(during["version"], timeout=30_000)
    wait_live_on(probe, "sse")
    after = add_caster(store, "AfterRestartCaster")
    probe.wait_version(after["version"])
    for name in ("duringrestartcaster", "afterrestartcaster"):
        assert probe.page.is_visible(f'li[data-stream="{name}"]'), name
    assert any("restarting" in text for text in status_texts(probe))
    assert probe.websockets() == []
    resumed = [last_event_id(url) for url in event_requests(probe)[1:]]
    assert resumed
    assert all(value == [str(stored["version"])] for value in resumed), resumed


def test_hidden_sse_page_resumes_when_shown(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(hidden_disconnect_seconds=1)
    probe.open(SSE_ONLY + "#bravo")
    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])

    probe.set_hidden(True)
    probe.wait_status("offline")
    changed = add_caster(store, "WhileHiddenCaster")
    probe.page.wait_for_timeout(500)
    assert probe.page.query_selector('li[data-stream="whilehiddencaster"]') is None
    probe.set_hidden(False)

    wait_live_on(probe, "sse")
    probe.wait_version(changed["version"])
    requests = event_requests(probe)
    assert len(requests) == 2
    assert last_event_id(requests[1]) == [str(stored["version"])]
    assert len(probe.bootstrap_calls()) == 1


def test_gap_resumes_after_own_version(
    open_page, publish, store, regions_state, site_stack
):
    stored = publish(regions_state)
    version = stored["version"]
    gap = {"type": "delta", "from": version + 5, "to": version + 6, "ops": []}
    body = (
        "retry: 60000\n\n"
        f"event: snapshot\nid: {version}\ndata: {encode(snapshot_message(stored))}\n\n"
        f"event: delta\nid: {version + 6}\ndata: {encode(gap)}\n\n"
    )
    probe = open_page(goto=False)
    served = []

    def fake_first_stream(route):
        if served:
            route.continue_()
            return
        served.append(route.request.url)
        route.fulfill(
            status=200,
            headers={
                "Access-Control-Allow-Origin": site_stack.site_url.rstrip("/"),
                "Content-Type": "text/event-stream",
            },
            body=body,
        )

    probe.page.route(EVENTS_ROUTE, fake_first_stream)
    probe.open(SSE_ONLY + "#bravo")
    probe.wait_version(version)
    assert wait_until(probe.page, lambda: len(event_requests(probe)) == 2)
    wait_live_on(probe, "sse")

    changed = add_caster(store, "AfterGapCaster")

    probe.wait_version(changed["version"])
    assert last_event_id(event_requests(probe)[1]) == [str(version)]
    assert probe.page.is_visible('li[data-stream="aftergapcaster"]')


def test_stale_relay_snapshot_never_steps_back(
    open_page, publish, store, regions_state, site_stack
):
    stored = publish(regions_state)
    version = stored["version"]
    older = edits.add_stream(
        regions_state, "bravo", {"name": "StaleCaster", "url": "kick.com/s"}
    )
    older["version"] = version - 1
    body = (
        "retry: 200\n\n"
        f"event: snapshot\nid: {version - 1}\ndata: {encode(snapshot_message(older))}\n\n"
    )
    probe = open_page(goto=False)
    probe.page.add_init_script(VERSION_LOG)
    served = []

    def stale_first_stream(route):
        if served:
            route.continue_()
            return
        served.append(route.request.url)
        route.fulfill(
            status=200,
            headers={
                "Access-Control-Allow-Origin": site_stack.site_url.rstrip("/"),
                "Content-Type": "text/event-stream",
            },
            body=body,
        )

    probe.page.route(EVENTS_ROUTE, stale_first_stream)
    probe.open(SSE_ONLY + "#bravo")
    assert wait_until(probe.page, lambda: len(event_requests(probe)) == 2)
    wait_live_on(probe, "sse")

    changed = add_caster(store, "FreshCaster")

    probe.wait_version(changed["version"])
    versions = probe.page.evaluate("window.__qhVersions")
    assert versions == sorted(versions), versions
    assert versions[-1] == changed["version"]
    assert probe.page.query_selector('li[data-stream="stalecaster"]') is None
    assert probe.page.is_visible('li[data-stream="freshcaster"]')


def test_page_returns_to_preferred_mqtt(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page(goto=False)
    probe.override_options(preferred_retry_seconds=1, **FAST_RETRY)
    broker = RejectingBroker(rejections=3)
    probe.page.route_web_socket(MQTT_ROUTE, broker.handle)
    probe.open("#bravo")
    wait_live_on(probe, "sse")
    probe.wait_version(stored["version"])

    wait_live_on(probe, "mqtt")
    changed = add_caster(store, "BackOnMqttCaster")

    probe.wait_version(changed["version"])
    assert broker.attempts == 4
    assert probe.page.text_content("#status") == "Live (MQTT)"
    states = [entry["state"] for entry in probe.status_history()]
    assert states[-2:] == ["live", "live"]
    assert len(event_requests(probe)) == 1


def test_unknown_transport_param_is_ignored(open_page, publish, regions_state):
    stored = publish(regions_state)
    probe = open_page("?transport=carrier-pigeon#bravo")

    wait_live_on(probe, "mqtt")
    probe.wait_version(stored["version"])
    assert event_requests(probe) == []
    assert len(probe.websockets()) == 1
