"""GET /events: the snapshot, then every delta, as server-sent events."""

import asyncio
import logging

from aiohttp import web
from aiohttp.http import HttpVersion11

from model.errors import ValidationError
from model.messages import check_message, delta_message
from relay.clients import Client
from relay.cors import cors_headers, preflight_headers
from relay.frames import message_frame
from store.errors import StoreError

logger = logging.getLogger(__name__)

STREAM_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    # nginx passes the stream on as it comes, even where proxy_buffering is on.
    "X-Accel-Buffering": "no",
}


# EventSource sends Last-Event-ID only on its own reconnects. A page that creates a
# new EventSource (after a gap, a 503 or a shutdown) passes its version in the query.
LAST_EVENT_ID_PARAM = "last_event_id"


def parse_last_event_id(request):
    """Return the version the client has, or None if it sent none or not a number.

    The Last-Event-ID header wins over the `last_event_id` query parameter, because
    the browser sets the header when it reconnects to the same URL, so it is newer.
    """
    raw = request.headers.get("Last-Event-ID", "").strip()
    if not raw:
        raw = request.query.get(LAST_EVENT_ID_PARAM, "").strip()
    if raw.isdigit() and raw.isascii():
        return int(raw)
    if raw:
        logger.debug("ignored Last-Event-ID %r: not a version number", raw[:40])
    return None


class EventStreams:
    """The /events endpoint of one relay instance."""

    def __init__(self, config, hub, store, metrics):
        self.config = config
        self.hub = hub
        self.store = store
        self.metrics = metrics
        self.open = 0

    async def preflight(self, request):
        origin = request.headers.get("Origin")
        return web.Response(
            status=204, headers=preflight_headers(origin, self.config.allowed_origins)
        )

    async def handle(self, request):
        cors = cors_headers(request.headers.get("Origin"), self.config.allowed_origins)
        reason = self._unavailable_reason()
        if reason is not None:
            self.metrics.rejected.labels(reason).inc()
            return self._unavailable(reason, cors)

        self.open += 1
        self.metrics.clients.inc()
        try:
            return await self._stream(request, cors)
        finally:
            self.open -= 1
            self.metrics.clients.dec()

    def _unavailable_reason(self):
        if self.hub.closing:
            return "shutting down"
        if self.open >= self.config.max_clients:
            return "connection limit reached"
        if not self.hub.ready:
            return "no state read from Redis yet"
        return None

    def _unavailable(self, reason, cors):
        headers = {"Retry-After": str(self.config.retry_after_seconds), **cors}
        headers["Cache-Control"] = "no-store"
        return web.Response(
            status=503, text=f"relay unavailable: {reason}\n", headers=headers
        )

    async def _stream(self, request, cors):
        response = web.StreamResponse(headers={**STREAM_HEADERS, **cors})
        response.force_close()
        chunked = request.version >= HttpVersion11
        if chunked:
            response.enable_chunked_encoding()
        transport = request.transport
        if transport is None:  # the client left before the handler started
            return response
        client = Client(transport, chunked, asyncio.get_running_loop().create_future())
        last_id = parse_last_event_id(request)
        try:
            await response.prepare(request)
            # The first write goes through aiohttp: it sends the buffered headers.
            await response.write(self.hub.preamble.raw)
        except ConnectionResetError:
            logger.debug("client left before the stream started")
            return response
        try:
            version = await self._replay(client, last_id)
            self.hub.attach(client, version)
            reason = await client.done
            logger.debug("stream ended: %s", reason)
        finally:
            self.hub.detach(client)
        return response

    async def _replay(self, client, last_id):
        """Send the deltas after `last_id` that only Redis still has.

        Return the version the client is at afterwards; None means it needs a snapshot.
        """
        hub = self.hub
        if last_id is None or last_id > hub.version:
            return None
        if hub.frames_since(last_id) is not None:
            return last_id
        try:
            deltas = await asyncio.to_thread(self.store.changes_since, last_id)
            messages = [check_message(delta_message(delta)) for delta in deltas or ()]
        except StoreError as exc:
            logger.warning("could not read the change feed after %d: %s", last_id, exc)
            return None
        except (KeyError, TypeError, ValidationError) as exc:
            logger.warning(
                "invalid entry in the change feed after %d: %s", last_id, exc
            )
            return None
        if deltas is None or client.closed:
            return None
        for message in messages:
            frame = message_frame(message)
            client.write(frame)
            self.metrics.events_sent.labels(frame.kind).inc()
        return messages[-1]["to"] if messages else last_id
