"""Viewer pages in Chromium as subscribers, and a WebSocket relay that reorders MQTT.

`ViewerPage` opens the real page in its own browser context and records, from inside
the page, every version `#regions` shows and every status change, plus the bootstrap
calls and WebSocket URLs it uses. `MqttReorderer` sits on the page's MQTT WebSocket
(Playwright's `route_web_socket`) and can hold the broker's PUBLISH packets back,
release them in any order and send old ones again.
"""

import itertools
import json
import re
from urllib.parse import urlsplit

WAIT_MS = 15_000

# Runs before the page's scripts: every version #regions shows, with the wall-clock
# time in ms, and every status the status bar shows.
RECORDER_SCRIPT = """
window.__qhVersions = [];
window.__qhStates = [];
document.addEventListener("DOMContentLoaded", () => {
  const now = () => performance.timeOrigin + performance.now();
  const regions = document.getElementById("regions");
  const status = document.getElementById("status");
  const recordVersion = () => {
    const version = regions.dataset.version;
    if (version !== undefined) window.__qhVersions.push([Number(version), now()]);
  };
  const recordState = () => window.__qhStates.push(status.dataset.state);
  recordVersion();
  recordState();
  new MutationObserver(recordVersion).observe(
    regions, {attributes: true, attributeFilter: ["data-version"]});
  new MutationObserver(recordState).observe(
    status, {attributes: true, attributeFilter: ["data-state"]});
});
"""

# What the page shows, in the shape of the state: regions and streams in order.
READ_SHOWN = """() => [...document.querySelectorAll("#regions > section")].map((panel) => ({
  id: panel.dataset.region,
  streams: [...panel.querySelectorAll("li.stream")].map((card) => ({
    id: card.dataset.stream,
    name: card.querySelector(".name")?.textContent ?? null,
    score: card.querySelector(".score")?.textContent ?? null,
  })),
}))"""

SCORE_NUMBERS = re.compile(r"\d+")


def shown_from_state(state):
    """Return what READ_SHOWN reads on a page that shows `state` (scores as numbers)."""
    return [
        {
            "id": region["id"],
            "streams": [
                {"id": stream["id"], "name": stream["name"], "score": stream["score"]}
                for stream in region["streams"]
            ],
        }
        for region in state["regions"]
    ]


class ViewerPage:
    """One viewer page in its own browser context, watched from inside the page."""

    def __init__(self, browser, site_url, bootstrap_path="/api/bootstrap"):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.site_url = site_url
        self.bootstrap_path = bootstrap_path
        # ("bootstrap" | "websocket" | "events", url) in the order the page made them.
        self.connections = []
        self.page.on("request", self._on_request)
        self.page.on("websocket", self._on_websocket)
        self.page.add_init_script(RECORDER_SCRIPT)

    def _on_request(self, request):
        path = urlsplit(request.url).path
        if path == self.bootstrap_path:
            self.connections.append(("bootstrap", request.url))
        elif path.endswith("/events"):
            self.connections.append(("events", request.url))

    def _on_websocket(self, socket):
        self.connections.append(("websocket", socket.url))

    def open(self, query=""):
        self.page.goto(self.site_url + query)
        return self

    def close(self):
        self.context.close()

    def wait_live_at(self, version, timeout=WAIT_MS):
        """Wait until the status is live and #regions shows `version`."""
        self.page.wait_for_function(
            """(version) => document.getElementById("status").dataset.state === "live"
                 && document.getElementById("regions").dataset.version === String(version)""",
            arg=version,
            timeout=timeout,
        )

    def status(self):
        return self.page.evaluate('document.getElementById("status").dataset.state')

    def shown_version(self):
        value = self.page.evaluate('document.getElementById("regions").dataset.version')
        return int(value) if value is not None else None

    def shown(self):
        """Return the regions and streams on the page, scores as [left, right]."""
        regions = self.page.evaluate(READ_SHOWN)
        for region in regions:
            for stream in region["streams"]:
                stream["score"] = [
                    int(n) for n in SCORE_NUMBERS.findall(stream["score"] or "")
                ]
        return regions

    def versions(self):
        """Return every version #regions showed, in order."""
        return [version for version, _ in self.page.evaluate("window.__qhVersions")]

    def version_times(self):
        """Return {version: wall-clock ms when #regions first showed it}."""
        times = {}
        for version, at in self.page.evaluate("window.__qhVersions"):
            times.setdefault(version, at)
        return times

    def states(self):
        return self.page.evaluate("window.__qhStates")

    def websocket_urls(self):
        return [url for kind, url in self.connections if kind == "websocket"]

    def relay_requests(self):
        return [url for kind, url in self.connections if kind == "events"]

    def bootstrap_calls(self):
        return [url for kind, url in self.connections if kind == "bootstrap"]


def backward_steps(versions):
    """Return the (earlier, later) pairs where a version sequence went down."""
    return [
        (earlier, later)
        for earlier, later in itertools.pairwise(versions)
        if later < earlier
    ]


def mqtt_remaining_length(packet):
    """Return (remaining length, header size) of an MQTT packet's fixed header."""
    length, multiplier = 0, 1
    for index in range(1, 5):
        byte = packet[index]
        length += (byte & 0x7F) * multiplier
        if not byte & 0x80:
            return length, index + 1
        multiplier *= 128
    raise ValueError("malformed MQTT remaining length")


def publish_payload(packet):
    """Return (topic, payload JSON) of one whole MQTT PUBLISH packet, else None.

    Mosquitto sends each packet in its own WebSocket message, so one message is
    one packet. Anything else is passed on untouched.
    """
    if not isinstance(packet, bytes) or len(packet) < 2 or packet[0] >> 4 != 3:
        return None
    length, header = mqtt_remaining_length(packet)
    if header + length != len(packet):
        return None
    topic_length = int.from_bytes(packet[header : header + 2], "big")
    topic_end = header + 2 + topic_length
    topic = packet[header + 2 : topic_end].decode()
    qos = (packet[0] >> 1) & 0x03
    payload = packet[topic_end + (2 if qos else 0) :]
    return topic, json.loads(payload)


def message_version(message):
    """Return the version a snapshot has or a delta produces."""
    return message["version"] if message["type"] == "snapshot" else message["to"]


class MqttReorderer:
    """Relays the page's MQTT WebSocket, and can hold PUBLISH packets and resend them.

    Playwright runs the handlers only while a Playwright call is in progress, so
    callers wait through the page (`page.wait_for_timeout`) rather than `time.sleep`.
    """

    def __init__(self):
        self.route = None
        self.holding = False
        self.held = []
        # Every PUBLISH sent to the page so far, as (packet, message).
        self.sent = []

    def handle(self, route):
        self.route = route
        server = route.connect_to_server()
        route.on_message(server.send)
        server.on_message(self._from_broker)

    def _from_broker(self, packet):
        publish = publish_payload(packet)
        if publish is None:
            self.route.send(packet)
        elif self.holding:
            self.held.append((packet, publish[1]))
        else:
            self.send(packet, publish[1])

    def send(self, packet, message):
        self.route.send(packet)
        self.sent.append((packet, message))

    def held_versions(self):
        return [message_version(message) for _, message in self.held]

    def release(self, order):
        """Send the held packets at the indexes in `order` (repeats allowed), stop holding."""
        held, self.held, self.holding = self.held, [], False
        for index in order:
            self.send(*held[index])
        return held
