"""One EventSource connection to an SSE relay, from open to close.

The browser reconnects an EventSource by itself after a network error, with the
Last-Event-ID header, but gives up for good (readyState CLOSED) after an HTTP error
status such as the relay's 503. The stream lets the browser retry once after losing
an open connection, and ends when a connect fails. The app then waits with backoff
and jitter and opens a new one with `?last_event_id=`, which the relay reads like
the header.
"""

import asyncio

# EventSource.readyState values.
CONNECTING = 0
OPEN = 1
CLOSED = 2

# How long a connect may take, as the MQTT shim's connectTimeout: a relay or proxy
# that accepts the connection and never responds keeps an EventSource connecting
# without an error event.
CONNECT_TIMEOUT_SECONDS = 10

CONNECTION_LOST = "the connection to the live feed was lost"
CONNECT_TIMED_OUT = "connecting to the live feed timed out"
CONNECT_FAILED = "could not connect to the live feed"
REJECTED = "the live feed rejected the connection, maybe because it is busy"
RELAY_RESTARTING = "the live feed server is restarting"
LAST_EVENT_ID_PARAM = "last_event_id"
MESSAGE_EVENTS = ("snapshot", "delta")


def resume_url(url, version):
    """Return `url` asking the relay for the events after `version` (if there is one)."""
    if version is None or version < 0:
        return url
    separator = "&" if "?" in url else "?"
    return url + separator + LAST_EVENT_ID_PARAM + "=" + str(version)


class EventStream:
    """A relay connection with the interface of transport.Link: open, close, resync.

    `event_source` is the EventSource class (js.EventSource in the page). Messages
    go to `on_text(source, data)`, where source names the event ("relay delta
    event"). `on_retrying(reason)` runs while the browser retries by itself.
    """

    kind = "sse"

    def __init__(
        self,
        event_source,
        url,
        on_live,
        on_text,
        on_retrying,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
    ):
        self._event_source = event_source
        self._connect_timeout = connect_timeout
        self._attempt = 0
        self.url = url
        self._on_live = on_live
        self._on_text = on_text
        self._on_retrying = on_retrying
        self._source = None
        self.connected = False
        self.live = False
        self.restarting = False
        self.reason = ""
        self.closed = asyncio.Event()

    def open(self, version=None):
        """Create the EventSource; with a version, the relay resumes after it."""
        source = self._event_source.new(resume_url(self.url, version))
        self._source = source
        source.addEventListener("open", lambda event: self._handle_open(source))
        source.addEventListener("error", lambda event: self._handle_error(source))
        source.addEventListener("shutdown", lambda event: self._handle_shutdown(source))
        for name in MESSAGE_EVENTS:
            source.addEventListener(name, self._message_listener(source, name))
        self._watch()

    def close(self, reason):
        """End the connection on purpose; `reason` is what the status bar shows."""
        if not self.reason:
            self.reason = reason
        self._finish()

    def resync(self, version):
        """Close a gap: open a new EventSource that resumes after `version`."""
        if self.closed.is_set():
            return
        self._source.close()
        self.live = False
        self.open(version)

    def caught_up(self):
        """Nothing to do: a relay sends only what the page lacks (transport.Link leaves
        its snapshot topic here)."""

    def _message_listener(self, source, name):
        def listener(event):
            if source is self._source and not self.closed.is_set():
                self._on_text("relay " + name + " event", event.data)

        return listener

    def _watch(self):
        """Close the stream unless the current connect succeeds within the timeout."""
        self._attempt += 1
        asyncio.create_task(self._expire(self._attempt))

    async def _expire(self, attempt):
        await asyncio.sleep(self._connect_timeout)
        if attempt == self._attempt and not self.live and not self.closed.is_set():
            self.close(CONNECTION_LOST if self.connected else CONNECT_TIMED_OUT)

    def _handle_open(self, source):
        if source is not self._source:
            return
        self._attempt += 1  # the connect succeeded: no timeout applies
        self.connected = True
        self.live = True
        self._on_live()

    def _handle_shutdown(self, source):
        # The relay ends the stream next; the browser reconnects after the spread
        # `retry:` time the relay sent, through a load balancer to another instance.
        if source is self._source:
            self.restarting = True
            self._on_retrying(RELAY_RESTARTING)

    def _handle_error(self, source):
        if source is not self._source or self.closed.is_set():
            return
        if source.readyState == CLOSED:
            # An HTTP error status, a wrong content type or a CORS failure: the
            # browser gives up, and the event does not say which.
            self.close(REJECTED)
        elif self.live:
            self.live = False
            self._on_retrying(RELAY_RESTARTING if self.restarting else CONNECTION_LOST)
            self._watch()  # the browser's own reconnect
        elif self.restarting:
            self.close(RELAY_RESTARTING)
        else:
            self.close(CONNECTION_LOST if self.connected else CONNECT_FAILED)

    def _finish(self):
        self.live = False
        if self._source is not None:
            self._source.close()
        self.closed.set()
