"""The relay's HTTP application: /events, /health and /metrics."""

from aiohttp import web

from relay.events import EventStreams
from relay.metrics import CONTENT_TYPE

NO_STORE = {"Cache-Control": "no-store"}


def build_app(config, hub, feed, store, metrics):
    streams = EventStreams(config, hub, store, metrics)

    async def health(request):
        status, body = health_report(hub, feed, streams)
        return web.json_response(body, status=status, headers=NO_STORE)

    async def render_metrics(request):
        return web.Response(
            body=metrics.render(), headers={"Content-Type": CONTENT_TYPE, **NO_STORE}
        )

    async def close_streams(app):
        hub.close_all()

    app = web.Application()
    app.router.add_get("/events", streams.handle, allow_head=False)
    app.router.add_route("OPTIONS", "/events", streams.preflight)
    app.router.add_get("/health", health, allow_head=False)
    app.router.add_get("/metrics", render_metrics, allow_head=False)
    # aiohttp runs on_shutdown after it stops accepting connections and before it
    # waits for the open handlers to return.
    app.on_shutdown.append(close_streams)
    return app


def health_report(hub, feed, streams):
    """Return (HTTP status, JSON body): 200 only while the relay serves fresh data."""
    if hub.closing:
        status = "shutting down"
    elif not hub.ready:
        status = "starting"
    elif not feed.connected:
        status = "redis unavailable"
    else:
        status = "ok"
    body = {
        "status": status,
        "version": hub.version,
        "clients": streams.open,
        "redis": feed.connected,
    }
    return (200 if status == "ok" else 503), body
