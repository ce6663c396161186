"""The viewer app: bootstrap, render, connect, follow updates, reconnect.

Each MQTT connection attempt starts with a fresh bootstrap call, because a presigned
WebSocket URL is good for one connection shortly after signing. The first attempt
takes over the connection that site/preload.js opened with the preloaded response.
Every message goes through model.replica. An MQTT link is subscribed to the retained
snapshot only until the state is current. After a gap the app subscribes to it
again (MQTT) or resumes the relay's stream after its version (SSE), and calls the
bootstrap endpoint if that does not close the gap within `resync_wait_seconds`.

The live feed is MQTT or an SSE relay, in the order fallback.TransportPlan keeps.
After repeated failed connects the app falls back to the next transport, and while
live on a fallback it tries the preferred one again every `preferred_retry_seconds`.
"""

import asyncio

import status
from backoff import Backoff
from bootstrap import BootstrapError
from fallback import (
    DEFAULT_ORDER,
    FALLBACK_AFTER_FAILURES,
    MQTT,
    PREFERRED_RETRY_SECONDS,
    SSE,
    TransportPlan,
)
from sse import EventStream
from transport import Link

from model.errors import ValidationError
from model.messages import decode
from model.replica import APPLIED, GAP, SNAPSHOT, Replica

PAUSED_REASON = "paused while this page is hidden"
NO_TRANSPORT_REASON = "the server offers no live feed this page can use"
SWITCHED_REASON = "switched to the preferred live feed"
TRIAL_FAILED_REASON = "the preferred live feed is still unavailable"
# How often a trial of the preferred transport is checked for being live or closed.
TRIAL_POLL_SECONDS = 0.25
# Maximum number of deltas kept during a gap; a longer gap needs a newer snapshot.
DELTAS_AHEAD_MAX = 50


class App:
    """Wires the page together; `shim`, `bootstrap` and `view` are injected."""

    def __init__(
        self, options, bootstrap, view, status_bar, shim, to_js, console, event_source
    ):
        self.options = options
        self.bootstrap = bootstrap
        self.view = view
        self.status = status_bar
        self.shim = shim
        self.to_js = to_js
        self.console = console
        self.event_source = event_source
        self.plan = TransportPlan(
            options.get("transports", DEFAULT_ORDER),
            options.get("relay_urls", ()),
            options.get("fallback_after_failures", FALLBACK_AFTER_FAILURES),
        )
        self.went_live = False
        self.trial = None
        self.trial_task = None
        self.backoff = Backoff(
            options["retry_first_seconds"], options["retry_max_seconds"]
        )
        self.replica = Replica()
        self.visibility = None
        self.link = None
        self.gap_target = -1
        # Deltas that arrived ahead of the state during a gap (see _keep_ahead).
        self.deltas_ahead = []
        self.resync_task = None

    async def run(self, visibility):
        self.visibility = visibility
        while True:
            await visibility.wait_visible()
            candidate, document = await self._prepare()
            if candidate is None or visibility.paused:
                continue  # paused while the call was in flight: wait until shown
            link = await self._connect(candidate, document)
            if visibility.paused:
                self.status.show(status.OFFLINE, PAUSED_REASON)
                self.backoff.reset()
                continue
            self._after_close(link)
            await self._wait_before_retry(link.reason)

    def pause(self):
        """Disconnect while the page is hidden (called by Visibility)."""
        for link in (self.link, self.trial):
            if link is not None:
                link.close(PAUSED_REASON)
        self.status.show(status.OFFLINE, PAUSED_REASON)

    async def _prepare(self):
        """Return (transport, bootstrap document or None) for the next connect.

        The transport is None when there is nothing to connect to yet.
        """
        if not self.plan.needs_bootstrap():
            return self.plan.current(), None
        document = await self._bootstrap()
        if document is None or self.visibility.paused:
            return None, None
        self.plan.offer(document)
        self._take_bootstrap_state(document["message"])
        candidate = self.plan.current()
        if candidate is None:
            self.console.warn(NO_TRANSPORT_REASON)
            await self._wait_before_retry(NO_TRANSPORT_REASON)
        return candidate, document

    async def _bootstrap(self):
        """Return the bootstrap document, retrying with backoff.

        Return None if paused, or when failed calls made the plan fall back to a
        relay, which needs no bootstrap call.
        """
        while not self.visibility.paused:
            try:
                return await self.bootstrap.fetch_document()
            except BootstrapError as exc:
                self.console.warn("bootstrap failed: " + exc.reason)
                moved = self._count_failure()
                await self._wait_before_retry(exc.reason, exc.retry_after)
                if moved and not self.plan.needs_bootstrap():
                    return None
        return None

    def _count_failure(self):
        """Count a failed connect; return True if the plan moved to another transport."""
        if not self.plan.failed():
            return False
        self.backoff.reset()
        self.console.warn(
            "falling back to the " + self.plan.current()["type"] + " live feed"
        )
        return True

    def _after_close(self, link):
        if not self.went_live:
            self._count_failure()
        elif link.kind == SSE and link.restarting:
            self.plan.next_relay()

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
        self.deltas_ahead = []
        self._on_message(message)

    async def _connect(self, candidate, document):
        """Connect to `candidate`; return the link in use once it has closed.

        When a trial of the preferred transport replaces the link while it is live,
        the app follows the new link instead.
        """
        if self.status.state != status.RECONNECTING:
            self.status.show(status.CONNECTING)
        self.went_live = False
        link = self._open_link(candidate, document)
        self.link = link
        while True:
            await link.closed.wait()
            if self.link is link or self.link is None:
                break
            link = self.link
        self.link = None
        return link

    def _open_link(self, candidate, document):
        def on_live():
            self._on_live(link, candidate)

        def on_retrying(reason):
            if link is self.link:
                self.status.show(status.RECONNECTING, reason)

        if candidate["type"] == MQTT:
            link = Link(
                self.shim, self.to_js, document["topics"], on_live, self._on_text
            )
            link.open(document["url"], document["client_id"])
        else:
            self.shim.discard()  # an early MQTT connection from preload.js, if any
            link = EventStream(
                self.event_source,
                candidate["url"],
                on_live,
                self._on_text,
                on_retrying,
            )
            link.open(self.replica.version)
        return link

    def _on_live(self, link, candidate):
        if link is not self.link:
            return  # a trial of the preferred transport that is not in use yet
        self.went_live = True
        self.backoff.reset()
        self.plan.live(candidate)
        self.status.show(status.LIVE, transport=candidate["type"])
        if not self.plan.on_preferred() and self.trial_task is None:
            self.trial_task = asyncio.create_task(self._return_to_preferred())

    async def _return_to_preferred(self):
        """Try the preferred transport every `preferred_retry_seconds` on a fallback."""
        seconds = self.options.get("preferred_retry_seconds", PREFERRED_RETRY_SECONDS)
        try:
            while self.link is not None and not self.plan.on_preferred():
                await asyncio.sleep(seconds)
                link = self.link
                if link is not None and link.live and not self.plan.on_preferred():
                    await self._try_preferred(link)
        finally:
            self.trial_task = None

    async def _try_preferred(self, fallback):
        """Connect the preferred transport next to `fallback`; switch once it is live.

        A failed trial leaves the fallback untouched, so the viewer sees nothing of it.
        """
        candidate = self.plan.preferred()
        document = None
        if candidate["type"] == MQTT:
            try:
                document = await self.bootstrap.fetch_document()
            except BootstrapError as exc:
                self.console.warn(TRIAL_FAILED_REASON + ": " + exc.reason)
                return
            if document["url"] is None:
                return  # the server stopped offering MQTT
        trial = self._open_link(candidate, document)
        self.trial = trial
        await self._settle(trial)
        self.trial = None
        if not trial.live or self.link is not fallback or fallback.closed.is_set():
            self.console.warn(TRIAL_FAILED_REASON + ": " + (trial.reason or "closed"))
            trial.close(TRIAL_FAILED_REASON)
            return
        self.link = trial
        fallback.close(SWITCHED_REASON)
        self._on_live(trial, candidate)

    async def _settle(self, trial):
        """Wait until `trial` is live or closed; both links time out a slow connect."""
        while not trial.live and not trial.closed.is_set():
            await asyncio.sleep(TRIAL_POLL_SECONDS)

    def _on_text(self, source, text):
        """Apply one message from an MQTT topic or a relay event.

        A relay that lags behind the bootstrap state responds to `last_event_id` with
        an older snapshot. The replica drops it as stale, and the relay's next deltas as
        duplicates, so the page never steps back.
        NOTE: should the store's history restart (Redis lost its data), a page on a
        relay ignores the lower versions and is wrong until it calls the bootstrap
        endpoint again. MQTT pages call it before every connect.
        """
        try:
            message = decode(text)
        except ValidationError as exc:
            self.console.warn(
                "ignored a malformed message on " + source + ": " + str(exc)
            )
            return
        self._on_message(message)

    def _on_message(self, message):
        result = self.replica.on_message(message)
        if result == SNAPSHOT or result == APPLIED:
            self._apply_ahead()
            self.view.show(self.replica.state)
            if self.replica.version >= self.gap_target:
                self._caught_up()
        elif result == GAP:
            self._keep_ahead(message)
            self.gap_target = max(self.gap_target, message["to"])
            if self.resync_task is None:
                self.resync_task = asyncio.create_task(self._resync())

    def _keep_ahead(self, message):
        """Keep a delta that arrived ahead of the state, to apply after the snapshot.

        The retained snapshot may be older than the delta that revealed the gap,
        because the bridge refreshes it only once the feed is quiet.
        """
        if message["type"] == "delta":
            self.deltas_ahead.append(message)
            if len(self.deltas_ahead) > DELTAS_AHEAD_MAX:
                self.deltas_ahead.pop(0)

    def _apply_ahead(self):
        ahead = sorted(self.deltas_ahead, key=lambda delta: delta["from"])
        self.deltas_ahead = []
        for delta in ahead:
            if self.replica.on_delta(delta) == GAP:
                self.deltas_ahead.append(delta)

    def _caught_up(self):
        """Tell the links that the state is current, so MQTT leaves the snapshot topic.

        NOTE: a snapshot the bridge publishes in place of a delta (while changes keep
        coming, or on a resync) does not reach a page off the snapshot topic. The page
        notices at the next delta, as a gap; until then it shows the older version.
        """
        for link in (self.link, self.trial):
            if link is not None:
                link.caught_up()

    async def _resync(self):
        """Recover from a gap: the link's own resync first, then the bootstrap state.

        An MQTT link requests the retained snapshot again, and a relay link resumes
        its stream after the replica's version.
        """
        link = self.link
        if link is not None:
            link.resync(self.replica.version)
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
