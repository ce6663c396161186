"""site/sse.py: one EventSource connection, driven through a fake EventSource."""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from page_support import ROOT, load_module


@pytest.fixture(scope="module")
def sse():
    return load_module(ROOT / "site" / "sse.py", "qh_site_sse")


class FakeSource:
    """Records listeners like EventSource, and fires events on request."""

    def __init__(self, url):
        self.url = url
        self.readyState = 0
        self.listeners = {}

    def addEventListener(self, name, listener):
        self.listeners[name] = listener

    def close(self):
        self.readyState = 2

    def fire(self, name, data=None, ready_state=None):
        if ready_state is not None:
            self.readyState = ready_state
        self.listeners[name](SimpleNamespace(data=data))


class FakeEventSourceClass:
    def __init__(self):
        self.created = []

    def new(self, url):
        source = FakeSource(url)
        self.created.append(source)
        return source


def run(coroutine):
    """Run `coroutine` in a new event loop on its own thread.

    Playwright's sync API keeps an event loop running in the main thread once a
    browser test has started, and asyncio.run() rejects a second one there.
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def in_event_loop(test):
    """Run a test body inside a running event loop: streams start timeout tasks."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        async def body():
            test(*args, **kwargs)

        run(body())

    return wrapper


class Recorder:
    def __init__(self, sse, url="http://127.0.0.1:8002/events", timeout=10):
        self.calls = []
        self.sources = FakeEventSourceClass()
        self.stream = sse.EventStream(
            self.sources,
            url,
            lambda: self.calls.append(("live",)),
            lambda name, text: self.calls.append(("text", name, text)),
            lambda reason: self.calls.append(("retrying", reason)),
            connect_timeout=timeout,
        )

    @property
    def source(self):
        return self.sources.created[-1]


@pytest.mark.parametrize(
    ("url", "version", "expected"),
    [
        ("/events", None, "/events"),
        ("/events", -1, "/events"),
        ("/events", 0, "/events?last_event_id=0"),
        (
            "https://r.example/events?x=1",
            42,
            "https://r.example/events?x=1&last_event_id=42",
        ),
    ],
)
def test_resume_url(sse, url, version, expected):
    assert sse.resume_url(url, version) == expected


@in_event_loop
def test_open_goes_live_and_forwards_messages(sse):
    recorder = Recorder(sse)
    recorder.stream.open(7)
    source = recorder.source

    source.fire("open", ready_state=1)
    source.fire("snapshot", '{"type":"snapshot"}')
    source.fire("delta", '{"type":"delta"}')

    assert source.url.endswith("/events?last_event_id=7")
    assert recorder.stream.live is True
    assert recorder.calls == [
        ("live",),
        ("text", "relay snapshot event", '{"type":"snapshot"}'),
        ("text", "relay delta event", '{"type":"delta"}'),
    ]


@in_event_loop
def test_error_status_closes_stream(sse):
    recorder = Recorder(sse)
    recorder.stream.open()

    recorder.source.fire("error", ready_state=2)

    assert recorder.stream.closed.is_set()
    assert recorder.stream.reason == sse.REJECTED
    assert recorder.calls == []


@in_event_loop
def test_failed_first_connect_closes_stream(sse):
    recorder = Recorder(sse)
    recorder.stream.open()

    recorder.source.fire("error", ready_state=0)

    assert recorder.stream.closed.is_set()
    assert recorder.stream.reason == sse.CONNECT_FAILED
    assert recorder.source.readyState == 2


@in_event_loop
def test_lost_connection_lets_browser_retry_once(sse):
    recorder = Recorder(sse)
    recorder.stream.open()
    source = recorder.source
    source.fire("open", ready_state=1)

    source.fire("error", ready_state=0)

    assert not recorder.stream.closed.is_set()
    assert recorder.stream.live is False
    assert recorder.calls[-1] == ("retrying", sse.CONNECTION_LOST)
    source.fire("open", ready_state=1)
    assert recorder.calls[-1] == ("live",)
    source.fire("error", ready_state=0)
    source.fire("error", ready_state=0)
    assert recorder.stream.closed.is_set()
    assert recorder.stream.reason == sse.CONNECTION_LOST


@in_event_loop
def test_shutdown_shows_restart_until_reconnect_fails(sse):
    recorder = Recorder(sse)
    recorder.stream.open()
    source = recorder.source
    source.fire("open", ready_state=1)

    source.fire("shutdown", '{"type":"shutdown"}')
    source.fire("error", ready_state=0)

    assert recorder.calls[-2:] == [
        ("retrying", sse.RELAY_RESTARTING),
        ("retrying", sse.RELAY_RESTARTING),
    ]
    assert not recorder.stream.closed.is_set()
    source.fire("error", ready_state=0)
    assert recorder.stream.closed.is_set()
    assert recorder.stream.reason == sse.RELAY_RESTARTING
    assert recorder.stream.restarting is True


@in_event_loop
def test_resync_replaces_event_source(sse):
    recorder = Recorder(sse)
    recorder.stream.open(3)
    first = recorder.source
    first.fire("open", ready_state=1)

    recorder.stream.resync(5)

    second = recorder.source
    assert second is not first
    assert first.readyState == 2
    assert second.url.endswith("?last_event_id=5")
    first.listeners["delta"](SimpleNamespace(data="late"))
    first.listeners["error"](SimpleNamespace(data=None))
    assert ("text", "relay delta event", "late") not in recorder.calls
    assert not recorder.stream.closed.is_set()
    second.fire("delta", "next")
    assert recorder.calls[-1] == ("text", "relay delta event", "next")


@in_event_loop
def test_close_ignores_later_events(sse):
    recorder = Recorder(sse)
    recorder.stream.open()
    source = recorder.source
    source.fire("open", ready_state=1)

    recorder.stream.close("paused")
    source.fire("delta", "late")
    recorder.stream.resync(9)

    assert recorder.stream.reason == "paused"
    assert source.readyState == 2
    assert recorder.calls == [("live",)]
    assert len(recorder.sources.created) == 1


def test_silent_relay_times_out(sse):
    async def scenario():
        recorder = Recorder(sse, timeout=0.05)
        recorder.stream.open()
        await asyncio.sleep(0.1)
        return recorder

    recorder = run(scenario())

    assert recorder.stream.closed.is_set()
    assert recorder.stream.reason == sse.CONNECT_TIMED_OUT
    assert recorder.source.readyState == 2


def test_open_stops_the_timeout(sse):
    async def scenario():
        recorder = Recorder(sse, timeout=0.05)
        recorder.stream.open()
        recorder.source.fire("open", ready_state=1)
        await asyncio.sleep(0.1)
        return recorder

    recorder = run(scenario())

    assert not recorder.stream.closed.is_set()
    assert recorder.stream.live is True


def test_browser_reconnect_times_out(sse):
    async def scenario():
        recorder = Recorder(sse, timeout=0.05)
        recorder.stream.open()
        recorder.source.fire("open", ready_state=1)
        await asyncio.sleep(0.03)
        recorder.source.fire("error", ready_state=0)
        await asyncio.sleep(0.03)
        still_open = not recorder.stream.closed.is_set()
        await asyncio.sleep(0.05)
        return recorder, still_open

    recorder, still_open = run(scenario())

    assert still_open
    assert recorder.stream.closed.is_set()
    assert recorder.stream.reason == sse.CONNECTION_LOST
