"""The transport modules (fallback order, EventSource stream, MQTT link, status text)
give the same results under MicroPython as the CPython tests expect."""

import fallback
import sse
import status
import transport

assert fallback.parse_order(" SSE , mqtt ") == ["sse", "mqtt"]
assert fallback.parse_order("sse,sse") is None
assert fallback.query_value("?a=1&transport=sse%2Cmqtt", "transport") == "sse,mqtt"

plan = fallback.TransportPlan(["mqtt", "sse"], [], 2)
plan.offer({"url": "wss://b.example/mqtt", "relays": ["/a", "/b"]})
assert [plan.failed(), plan.failed()] == [False, True]
assert plan.current() == {"type": "sse", "url": "/a"}
assert plan.next_relay() and plan.current()["url"] == "/b"

assert sse.resume_url("/events?x=1", 4) == "/events?x=1&last_event_id=4"
assert status.status_text(status.LIVE, transport="sse") == "Live (relay)"


class Event:
    def __init__(self, data):
        self.data = data


class FakeSource:
    def __init__(self, url):
        self.url = url
        self.readyState = 0
        self.listeners = {}

    def addEventListener(self, name, listener):
        self.listeners[name] = listener

    def close(self):
        self.readyState = 2


class FakeEventSource:
    def __init__(self):
        self.created = []

    def new(self, url):
        source = FakeSource(url)
        self.created.append(source)
        return source


sources = FakeEventSource()


calls = []
stream = sse.EventStream(
    sources,
    "/events",
    lambda: calls.append("live"),
    lambda source, text: calls.append(source + ": " + text),
    lambda reason: calls.append("retrying: " + reason),
    connect_timeout=0.01,  # so that Node exits soon after the script
)
stream.open(7)
first = sources.created[-1]
first.listeners["open"](Event(None))
first.listeners["delta"](Event("d1"))
stream.resync(8)
first.listeners["delta"](Event("late"))
second = sources.created[-1]
second.listeners["shutdown"](Event("{}"))
second.readyState = 2
second.listeners["error"](Event(None))
assert first.url == "/events?last_event_id=7", first.url
assert second.url == "/events?last_event_id=8", second.url
assert calls == [
    "live",
    "relay delta event: d1",
    "retrying: " + sse.RELAY_RESTARTING,
], calls
assert stream.closed.is_set()
assert stream.reason == sse.REJECTED


class FakeShim:
    """Records the calls transport.Link makes on site/mqtt_shim.js."""

    def __init__(self, early_client):
        self.early_client = early_client
        self.calls = []
        self.handlers = None

    def adopt(self, url, on_connect, on_subscribed, on_message, on_close):
        self.calls.append(("adopt", url))
        if self.early_client is not None:
            self.handlers = (on_connect, on_subscribed, on_message, on_close)
        return self.early_client

    def connect(self, url, client_id, on_connect, on_message, on_close):
        self.calls.append(("connect", url, client_id))
        self.handlers = (on_connect, on_message, on_close)
        return "client"

    def subscribe(self, client, topics, done):
        self.calls.append(("subscribe", client, topics))
        done("")

    def unsubscribe(self, client, topics, done):
        self.calls.append(("unsubscribe", client, topics))
        done("")

    def end(self, client):
        self.calls.append(("end", client))


TOPICS = {"snapshot": "q/snapshot", "updates": "q/updates"}
events = []


def new_link(shim):
    return transport.Link(
        shim,
        lambda value: value,
        TOPICS,
        lambda: events.append("live"),
        lambda topic, text: events.append(topic + ": " + text),
    )


# The early connection from preload.js: already subscribed to both topics.
shim = FakeShim("early")
link = new_link(shim)
link.open("wss://b/mqtt?signed=1", "viewer-1")
connected, subscribed, message, closed = shim.handlers
connected()
subscribed("")
message("q/snapshot", "s1")
link.caught_up()
link.caught_up()
link.resync(5)
message("q/snapshot", "s2")
link.caught_up()
assert events == ["live", "q/snapshot: s1", "q/snapshot: s2"], events
assert shim.calls == [
    ("adopt", "wss://b/mqtt?signed=1"),
    ("unsubscribe", "early", ["q/snapshot"]),
    ("subscribe", "early", ["q/snapshot"]),
    ("unsubscribe", "early", ["q/snapshot"]),
], shim.calls

# No early connection: the link connects and subscribes to both topics itself.
events.clear()
shim = FakeShim(None)
link = new_link(shim)
link.open("wss://b/mqtt?signed=2", "viewer-2")
connected, message, closed = shim.handlers
connected()
closed("")
link.caught_up()
assert events == ["live"], events
assert shim.calls == [
    ("adopt", "wss://b/mqtt?signed=2"),
    ("connect", "wss://b/mqtt?signed=2", "viewer-2"),
    ("subscribe", "client", ["q/snapshot", "q/updates"]),
], shim.calls
assert link.reason == transport.CONNECTION_LOST

print("all transport checks passed")
