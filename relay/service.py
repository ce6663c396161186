"""Run one relay instance: `python -m relay` or `relay.service.main(argv)`."""

import argparse
import asyncio
import logging
import resource
import signal

from aiohttp import web

from relay.app import build_app
from relay.config import RelayConfig
from relay.errors import ConfigError
from relay.feed import Feed
from relay.hub import Hub
from relay.metrics import RelayMetrics
from store import Store

logger = logging.getLogger(__name__)

LISTEN_BACKLOG = 4096
SPARE_FILE_DESCRIPTORS = 256


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m relay",
        description="Serve the state in Redis to browsers as server-sent events.",
    )
    parser.add_argument("--host", help="address to listen on (RELAY_HOST)")
    parser.add_argument("--port", help="TCP port to listen on (RELAY_PORT)")
    parser.add_argument("--redis-url", help="Redis URL (REDIS_URL)")
    parser.add_argument("--redis-prefix", help="Redis key prefix (REDIS_PREFIX)")
    parser.add_argument(
        "--max-clients", help="open streams before 503 (RELAY_MAX_CLIENTS)"
    )
    parser.add_argument(
        "--heartbeat-seconds",
        help="seconds between heartbeats (RELAY_HEARTBEAT_SECONDS)",
    )
    parser.add_argument(
        "--queue-limit",
        help="unread bytes before a client is dropped (RELAY_QUEUE_LIMIT)",
    )
    parser.add_argument(
        "--allowed-origins", help="comma-separated CORS origins (RELAY_ALLOWED_ORIGINS)"
    )
    parser.add_argument(
        "--log-level", help="DEBUG, INFO, WARNING or ERROR (RELAY_LOG_LEVEL)"
    )
    return parser.parse_args(argv)


def raise_file_limit(max_clients):
    """Raise the soft limit on open files to the hard limit: one socket per client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < max_clients + SPARE_FILE_DESCRIPTORS:
        logger.warning(
            "open file limit %d is below RELAY_MAX_CLIENTS %d plus %d spare; "
            "raise LimitNOFILE or ulimit -n",
            soft,
            max_clients,
            SPARE_FILE_DESCRIPTORS,
        )


def build_runner(config):
    """Wire the relay's parts together; return (runner, hub, feed, store)."""
    metrics = RelayMetrics()
    store = Store.from_url(config.redis_url, config.redis_prefix)
    hub = Hub(metrics, config.queue_limit, config.history, config.reconnect_ms)
    feed = Feed(hub, store, metrics, config.redis_url, config.redis_health_seconds)
    runner = web.AppRunner(
        build_app(config, hub, feed, store, metrics),
        handler_cancellation=True,
        access_log=None,
        shutdown_timeout=config.shutdown_seconds,
    )
    return runner, hub, feed, store


def stop_event():
    """Return an event set by SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def serve(config):
    """Serve until SIGTERM or SIGINT, then close every stream with a final event."""
    runner, hub, feed, store = build_runner(config)
    await runner.setup()
    stop = stop_event()
    try:
        await web.TCPSite(
            runner, config.host, config.port, backlog=LISTEN_BACKLOG
        ).start()
        logger.info("relay listening on %s", ", ".join(map(str, runner.addresses)))

        # A failing background task cancels the wait for the signal, and the
        # finally clause below still closes the streams.
        async with asyncio.TaskGroup() as tasks:
            background = [
                tasks.create_task(feed.run()),
                tasks.create_task(hub.run_heartbeats(config.heartbeat_seconds)),
            ]
            await stop.wait()
            logger.info("stopping: closing %d streams", len(hub.clients))
            await runner.cleanup()
            for task in background:
                task.cancel()
    finally:
        await runner.cleanup()
        store.client.close()
    logger.info("relay stopped")


def run(config):
    try:
        import uvloop
    except ImportError:  # the relay works on asyncio's own loop, only slower
        asyncio.run(serve(config))
    else:
        uvloop.run(serve(config))


def main(argv=None):
    args = parse_args(argv)
    try:
        config = RelayConfig.load(**vars(args))
    except ConfigError as exc:
        raise SystemExit(f"relay: {exc}") from None
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    raise_file_limit(config.max_clients)
    run(config)
