"""One MQTT-over-WebSocket connection through the JS shim, from connect to close.

A Link is used once: the app opens a new one with a freshly presigned URL for every
attempt. The first one usually takes over the connection that site/preload.js opened
while MicroPython booted. Callbacks from mqtt.js arrive as plain strings; the link
turns them into calls on the app and one asyncio event for "closed".

The link stays subscribed to the updates topic, and to the snapshot topic only while
the app needs a snapshot: from connect until the page's state is current, and again
after a gap. AWS IoT meters every message delivered to each subscriber in 5 KB units.
The bridge republishes the retained snapshot whenever the feed goes quiet, so a page
that kept the snapshot topic would receive the whole state after most edits.
"""

import asyncio

CONNECTION_LOST = "the connection to the live feed was lost"
CONNECT_FAILED = "could not connect to the live feed"
SUBSCRIBE_FAILED = "the live feed refused the subscription"
UNSUBSCRIBE_FAILED = "the live feed refused to end the snapshot subscription"


class Link:
    """A single connection: subscribe on connect, report messages, record why it closed."""

    kind = "mqtt"

    def __init__(self, shim, to_js, topics, on_live, on_text):
        self._shim = shim
        self._to_js = to_js
        self._topics = topics
        self._on_live = on_live
        self._on_text = on_text
        self._client = None
        self.connected = False
        self.live = False
        self.snapshot_subscribed = False
        self.reason = ""
        self.closed = asyncio.Event()

    def open(self, url, client_id):
        """Take over the early connection to `url` if preload.js opened one, else connect."""
        client = self._shim.adopt(
            url,
            self._handle_adopted_connect,
            self._handle_subscribed,
            self._handle_message,
            self._handle_close,
        )
        if client is None:
            client = self._shim.connect(
                url,
                client_id,
                self._handle_connect,
                self._handle_message,
                self._handle_close,
            )
        self._client = client

    def close(self, reason):
        """End the connection on purpose; `reason` is what the status bar shows."""
        if not self.reason:
            self.reason = reason
        if self._client is not None:
            self._shim.end(self._client)
        self._finish()

    def resync(self, version):
        """Close a gap after `version`: the retained snapshot covers any version."""
        self.resubscribe_snapshot()

    def resubscribe_snapshot(self):
        """Subscribe to the snapshot topic, so the broker sends the retained snapshot.

        While still subscribed this is a repeated SUBSCRIBE, after which MQTT 3.1.1
        (section 3.8.4) has the broker resend retained messages.
        NOTE: AWS IoT's behaviour on a repeated SUBSCRIBE is untested here; the app
        falls back to the bootstrap state when no snapshot closes the gap.
        """
        if self.live:
            self.snapshot_subscribed = True
            topics = self._to_js([self._topics["snapshot"]])
            self._shim.subscribe(self._client, topics, self._handle_resubscribed)

    def caught_up(self):
        """Leave the snapshot topic: the page's state is current, deltas keep it so."""
        if self.snapshot_subscribed and not self.closed.is_set():
            self.snapshot_subscribed = False
            topics = self._to_js([self._topics["snapshot"]])
            self._shim.unsubscribe(self._client, topics, self._handle_unsubscribed)

    def _handle_connect(self):
        self.connected = True
        self.snapshot_subscribed = True
        topics = self._to_js([self._topics["snapshot"], self._topics["updates"]])
        self._shim.subscribe(self._client, topics, self._handle_subscribed)

    def _handle_adopted_connect(self):
        # The shim's preconnect subscribed this connection to both topics already.
        self.connected = True
        self.snapshot_subscribed = True

    def _handle_subscribed(self, error):
        if error:
            self.close(SUBSCRIBE_FAILED + " (" + error + ")")
            return
        self.live = True
        self._on_live()

    def _handle_resubscribed(self, error):
        if error:
            self.close(SUBSCRIBE_FAILED + " (" + error + ")")

    def _handle_unsubscribed(self, error):
        if error:
            self.close(UNSUBSCRIBE_FAILED + " (" + error + ")")

    def _handle_message(self, topic, text):
        if not self.closed.is_set():
            self._on_text(topic, text)

    def _handle_close(self, error):
        if not self.reason:
            self.reason = CONNECTION_LOST if self.connected else CONNECT_FAILED
            if error and not self.connected:
                self.reason += " (" + error + ")"
        self._finish()

    def _finish(self):
        self.live = False
        self.closed.set()
