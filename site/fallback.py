"""The order of the live-feed transports, and when to fall back to the next one.

A transport is MQTT through AWS IoT (when the bootstrap response has `iot`) or one
SSE relay URL (from the response's `transports` or the page options). The page tries
them in the configured order and moves to the next after a number of failed connects
in a row. After the last one it starts again at the first.
"""

MQTT = "mqtt"
SSE = "sse"
DEFAULT_ORDER = (MQTT, SSE)
KNOWN_TYPES = (MQTT, SSE)
# Defaults of the page options fallback_after_failures and preferred_retry_seconds.
FALLBACK_AFTER_FAILURES = 3
PREFERRED_RETRY_SECONDS = 300
# The page URL parameter that forces an order for testing: ?transport=sse
TRANSPORT_PARAM = "transport"


def parse_order(raw):
    """Return the transport types in `raw` ("sse", "mqtt,sse"), or None if invalid."""
    names = [name.strip().lower() for name in str(raw).split(",")]
    if not names or any(name not in KNOWN_TYPES for name in names):
        return None
    if len(set(names)) != len(names):
        return None
    return names


def query_value(search, name):
    """Return the first value of `name` in a URL query such as "?a=1&b=2", or None."""
    for pair in search.lstrip("?").split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value.replace("%2C", ",").replace("%2c", ",")
    return None


def candidates(order, mqtt_offered, relay_urls):
    """Return the transports to try, in order: {"type": MQTT|SSE, "url": relay or None}."""
    offered = {MQTT: [], SSE: []}
    if mqtt_offered:
        offered[MQTT].append({"type": MQTT, "url": None})
    for url in relay_urls:
        offered[SSE].append({"type": SSE, "url": url})
    found = []
    for kind in order:
        found.extend(offered[kind])
    return found


def same(left, right):
    return left["type"] == right["type"] and left["url"] == right["url"]


class TransportPlan:
    """Which transport to connect next, from the order and what the page was offered.

    `relay_urls` from the page options (checked by build.py) come after those of
    the bootstrap response. Until a response arrives they are the only candidates,
    and when MQTT is in the order the page calls the endpoint before using them.
    """

    def __init__(self, order, relay_urls, failures_before_fallback):
        self.order = list(order)
        self.relay_urls = list(relay_urls)
        self.failures_before_fallback = failures_before_fallback
        self.candidates = candidates(self.order, False, self.relay_urls)
        self.index = 0
        self.failures = 0
        self.offered = False
        self.ask_endpoint = MQTT in self.order

    def offer(self, document):
        """Take the transports of a bootstrap document; stay on the current one if listed."""
        current = self.current()
        relays = list(document["relays"])
        relays += [url for url in self.relay_urls if url not in relays]
        self.candidates = candidates(self.order, bool(document["url"]), relays)
        self.index = self._find(current) if self.offered and current else 0
        self.offered = True
        self.ask_endpoint = False

    def current(self):
        return self.candidates[self.index] if self.candidates else None

    def preferred(self):
        return self.candidates[0] if self.candidates else None

    def on_preferred(self):
        return self.index == 0

    def needs_bootstrap(self):
        """Return True when the next connect needs a fresh bootstrap response.

        MQTT does, because its presigned URL works once. A relay sends the state as
        its first event, so SSE needs a response only to learn the relay URLs.
        """
        current = self.current()
        return self.ask_endpoint or current is None or current["type"] == MQTT

    def live(self, candidate):
        """Note that `candidate` is connected: it becomes current, the count restarts."""
        self.index = self._find(candidate)
        self.failures = 0

    def failed(self):
        """Count a failed connect; return True when the plan moved to another transport."""
        self.failures += 1
        if self.failures < self.failures_before_fallback:
            return False
        self.failures = 0
        if self.ask_endpoint:
            # The endpoint keeps failing: use the relays of the page options meanwhile.
            self.ask_endpoint = not self.candidates
            return not self.ask_endpoint
        if self._ask_again():
            return True
        if len(self.candidates) < 2:
            return False
        self.index = (self.index + 1) % len(self.candidates)
        return True

    def _ask_again(self):
        # After every relay of the page options failed, ask the endpoint again when
        # it may offer MQTT, because no response has arrived yet.
        last = self.index == len(self.candidates) - 1
        if self.offered or MQTT not in self.order or not last:
            return False
        self.ask_endpoint = True
        self.index = 0
        return True

    def next_relay(self):
        """Move to the next relay URL when the current relay shuts down; True if moved."""
        current = self.current()
        if current is None or current["type"] != SSE:
            return False
        for step in range(1, len(self.candidates)):
            position = (self.index + step) % len(self.candidates)
            if self.candidates[position]["type"] == SSE:
                self.failures = 0
                self.index = position
                return True
        return False

    def _find(self, candidate):
        for position, known in enumerate(self.candidates):
            if same(known, candidate):
                return position
        return 0
