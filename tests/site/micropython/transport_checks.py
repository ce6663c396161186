"""The transport modules (fallback order, EventSource stream, status text) give the
same results under MicroPython as the CPython tests expect."""

import fallback
import sse
import status

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

print("all transport checks passed")
