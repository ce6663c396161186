"""Clients that watch the assembled system the way viewers and moderators use it.

A viewer is an MQTT subscriber (as the page over AWS IoT) or an SSE reader (as the page
behind the relay). Both pass every message through model.messages.decode and keep a
model.replica.Replica, so they hold exactly what a page would show.
"""

import html.parser
import json
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import paho.mqtt.client as mqtt

from model.errors import ValidationError
from model.messages import decode
from model.replica import GAP, Replica
from stack.local import DEMO_SNAPSHOT

DEMO_STATE = json.loads(Path(DEMO_SNAPSHOT).read_text())
WAIT_SECONDS = 10.0
QUALIFIERS = Path(sys.executable).with_name("qualifiers")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION_FIELD = re.compile(r'name="base_version" value="(\d+)"')
FORM_ERROR = re.compile(r'class="error" role="alert">([^<]*)<')


class Viewer:
    """A replica fed by messages; `rejected` collects messages that failed decoding."""

    def __init__(self):
        self.replica = Replica()
        self.rejected = []
        self.changed = threading.Condition()

    @property
    def state(self):
        return self.replica.state

    def on_text(self, text):
        """Apply one message text; return the replica's verdict or "rejected"."""
        try:
            message = decode(text)
        except ValidationError as exc:
            with self.changed:
                self.rejected.append(str(exc))
            return "rejected"
        with self.changed:
            result = self.replica.on_message(message)
            self.changed.notify_all()
        return result

    def wait_for_state(self, expected, timeout=WAIT_SECONDS):
        """Wait until the replica equals `expected`; return whether it did."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.replica.state != expected:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
        return True


class MqttViewer(Viewer):
    """An anonymous MQTT subscriber to the site's topics, over TCP or WebSockets.

    After a gap it subscribes to the snapshot topic again, so the broker sends the
    retained snapshot, as the page does.
    """

    def __init__(self, host, port, topics, transport="tcp", path="/mqtt"):
        super().__init__()
        self.topics = topics
        self.topics_seen = []
        self.publish_results = []
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, transport=transport, protocol=mqtt.MQTTv5
        )
        if transport == "websockets":
            self.client.ws_set_options(path=path)
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.client.connect(host, port)
        self.client.loop_start()
        for topic in topics:
            self.client.subscribe(topic, qos=1)

    def _on_message(self, client, userdata, message):
        self.topics_seen.append(message.topic)
        result = self.on_text(message.payload.decode("utf-8", "replace"))
        if result == GAP:
            snapshot_topic = self.topics[0]
            client.unsubscribe(snapshot_topic)
            client.subscribe(snapshot_topic, qos=1)

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        self.publish_results.append(str(reason_code))

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


class SseViewer(Viewer):
    """A reader of the relay's /events stream, parsing events as EventSource does."""

    def __init__(self, url):
        super().__init__()
        self.url = url
        self.events = []
        self.client = httpx.Client(timeout=httpx.Timeout(5.0, read=None))
        self.response = None
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        if not self.connected.wait(WAIT_SECONDS):
            raise TimeoutError(f"no response from {url}")

    def _read(self):
        try:
            with self.client.stream("GET", self.url) as response:
                self.response = response
                self.connected.set()
                self._read_events(response)
        except httpx.HTTPError:
            pass  # closed by close(), or the relay went away: the test gets no more events

    def _read_events(self, response):
        event, data = "message", []
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
            elif line == "" and data:
                self.events.append(event)
                if event in ("snapshot", "delta"):
                    self.on_text("\n".join(data))
                event, data = "message", []

    def close(self):
        if self.response is not None:
            self.response.close()
        self.client.close()


class AdminSession:
    """A browser-like client of the admin app: cookies, CSRF tokens, form posts."""

    def __init__(self, base_url):
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)

    def log_in(self, name, password, next_url="/"):
        token = csrf_token(self.http.get("/login").text)
        form = {
            "name": name,
            "password": password,
            "csrf_token": token,
            "next": next_url,
        }
        return self.http.post("/login", data=form)

    def form_fields(self, path):
        """Return the CSRF token and base version shown on the page at `path`."""
        page = self.http.get(path).text
        fields = {"csrf_token": csrf_token(page)}
        version = VERSION_FIELD.search(page)
        if version:
            fields["base_version"] = version.group(1)
        return fields

    def submit(self, page_path, action_path, values):
        """Load `page_path` for its hidden fields, then POST `values` to `action_path`."""
        return self.http.post(
            action_path, data={**self.form_fields(page_path), **values}
        )

    def preview(self, text):
        token = csrf_token(self.http.get("/").text)
        return self.http.post("/preview", data={"text": text, "csrf_token": token})

    def close(self):
        self.http.close()


def csrf_token(page):
    return CSRF_FIELD.search(page).group(1)


def form_errors(page):
    return [html.unescape(message) for message in FORM_ERROR.findall(page)]


class MarkupAudit(html.parser.HTMLParser):
    """Collect what could run script in an HTML page: elements, attributes, URLs."""

    SCRIPT_TAGS = frozenset(
        {"script", "iframe", "object", "embed", "svg", "math", "img", "style"}
    )
    URL_ATTRIBUTES = frozenset(
        {"href", "src", "action", "formaction", "xlink:href", "data"}
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings = []
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))
        elif tag in self.SCRIPT_TAGS:
            self.findings.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"{name} attribute on <{tag}>")
            if name in self.URL_ATTRIBUTES and value and not is_safe_url(value):
                self.findings.append(f"{name}={value!r} on <{tag}>")


def audit_markup(page):
    """Return (findings, script sources) of an HTML page."""
    audit = MarkupAudit()
    audit.feed(page)
    audit.close()
    return audit.findings, audit.scripts


def is_safe_url(url):
    """True for http(s) URLs, paths on the same site and fragments."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in ("", "http", "https") and not url.strip().startswith("//")


def wait_until(condition, timeout=WAIT_SECONDS, interval=0.05):
    """Poll `condition` until it returns a true value; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
