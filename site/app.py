"""The viewer app: bootstrap, render, connect, follow updates, reconnect.

Each connection attempt starts with a fresh bootstrap call, because a presigned
WebSocket URL is good for one connection shortly after signing. Every message goes
through model.replica. After a gap the app subscribes to the retained snapshot
again, and calls the bootstrap endpoint if no snapshot closes the gap within
`resync_wait_seconds`.
"""

import asyncio

import status
from backoff import Backoff
from bootstrap import BootstrapError
from transport import Link

from model.errors import ValidationError
from model.messages import decode
from model.replica import APPLIED, GAP, SNAPSHOT, Replica

PAUSED_REASON = "paused while this page is hidden"


class App:
    """Wires the page together; `shim`, `bootstrap` and `view` are injected."""

    def __init__(self, options, bootstrap, view, status_bar, shim, to_js, console):
        self.options = options
        self.bootstrap = bootstrap
        self.view = view
        self.status = status_bar
        self.shim = shim
        self.to_js = to_js
        self.console = console
        self.backoff = Backoff(
            options["retry_first_seconds"], options["retry_max_seconds"]
        )
        self.replica = Replica()
        self.visibility = None
        self.link = None
        self.gap_target = -1
        self.resync_task = None

    async def run(self, visibility):
        self.visibility = visibility
        while True:
            await visibility.wait_visible()
            document = await self._bootstrap()
            if document is None or visibility.paused:
                continue  # paused while the call was in flight: wait until shown
            self._take_bootstrap_state(document["message"])
            reason = await self._connect(document)
            if visibility.paused:
                self.status.show(status.OFFLINE, PAUSED_REASON)
                self.backoff.reset()
                continue
            await self._wait_before_retry(reason)

    def pause(self):
        """Disconnect while the page is hidden (called by Visibility)."""
        if self.link is not None:
            self.link.close(PAUSED_REASON)
        self.status.show(status.OFFLINE, PAUSED_REASON)

    async def _bootstrap(self):
        """Return the bootstrap document, retrying with backoff; None if paused."""
        while not self.visibility.paused:
            try:
                return await self.bootstrap.fetch_document()
            except BootstrapError as exc:
                self.console.warn("bootstrap failed: " + exc.reason)
                await self._wait_before_retry(exc.reason, exc.retry_after)
        return None

    async def _wait_before_retry(self, reason, at_least=0):
        delay = self.backoff.next_delay(at_least)
        self.status.show(status.RECONNECTING, reason, delay)
        await asyncio.sleep(delay)
        if self.status.state == status.RECONNECTING:
            self.status.show(status.RECONNECTING, reason)

    def _take_bootstrap_state(self, message):
        # The endpoint reads the store directly, so its state wins even over a newer
        # local version (the store's history may have restarted).
        self.replica = Replica()
        self.gap_target = -1
        self._on_message(message)

    async def _connect(self, document):
        if self.status.state != status.RECONNECTING:
            self.status.show(status.CONNECTING)
        link = Link(
            self.shim, self.to_js, document["topics"], self._on_live, self._on_text
        )
        self.link = link
        link.open(document["url"], document["client_id"])
        await link.closed.wait()
        self.link = None
        return link.reason

    def _on_live(self):
        self.backoff.reset()
        self.status.show(status.LIVE)

    def _on_text(self, topic, text):
        try:
            message = decode(text)
        except ValidationError as exc:
            self.console.warn(
                "ignored a malformed message on " + topic + ": " + str(exc)
            )
            return
        self._on_message(message)

    def _on_message(self, message):
        result = self.replica.on_message(message)
        if result == SNAPSHOT or result == APPLIED:
            self.view.show(self.replica.state)
        elif result == GAP:
            self.gap_target = max(self.gap_target, message["to"])
            if self.resync_task is None:
                self.resync_task = asyncio.create_task(self._resync())

    async def _resync(self):
        """Recover from a gap: the retained snapshot first, then the bootstrap state."""
        link = self.link
        if link is not None:
            link.resubscribe_snapshot()
        await asyncio.sleep(self.options["resync_wait_seconds"])
        self.resync_task = None
        if self.replica.version >= self.gap_target or link is not self.link:
            return
        try:
            document = await self.bootstrap.fetch_document()
        except BootstrapError as exc:
            link.close(exc.reason)
            return
        self._on_message(document["message"])
