"""Entry point: `python -m bridge` and the `qualifiers bridge` subcommand.

Settings come from environment variables (see bridge.config and docs/bridge.md);
the options below override them. SIGTERM or SIGINT stops the bridge cleanly.
"""

import argparse
import logging
import signal
import sys
import threading

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bridge.broker import Broker
from bridge.config import BridgeConfig, load_config
from bridge.errors import ConfigError
from bridge.feed import ChangeFeed
from bridge.health import Health, HealthServer
from bridge.loop import Bridge

logger = logging.getLogger(__name__)

# XREADGROUP blocks for up to a second, so reads need a longer socket timeout.
REDIS_SOCKET_TIMEOUT_SECS = 10
REDIS_CONNECT_TIMEOUT_SECS = 5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bridge",
        description="Publish every change stored in Redis to the site's MQTT topics.",
        epilog="Connection settings come from environment variables; see docs/bridge.md.",
    )
    parser.add_argument(
        "--max-publish-rate",
        type=float,
        metavar="PER_SECOND",
        help="publishes per second at most (overrides BRIDGE_MAX_PUBLISH_RATE)",
    )
    parser.add_argument(
        "--health-port",
        type=int,
        metavar="PORT",
        help="serve GET /health on this port (overrides BRIDGE_HEALTH_PORT)",
    )
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (overrides BRIDGE_LOG_LEVEL)",
    )
    return parser.parse_args(argv)


def _install_signal_handlers(stop: threading.Event) -> dict:
    """Make SIGTERM and SIGINT set `stop`; return the handlers they replace."""

    def handle(signum, frame):
        logger.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    return {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}


def redis_client(config: BridgeConfig) -> redis.Redis:
    """Return a Redis client for the bridge, with redis-py's own retries turned off.

    A command that redis-py silently repeats after a dropped connection can lose a
    batch of XREADGROUP entries: Redis already delivered them to this consumer, so only
    a read of the pending entries returns them. The bridge's loop does that on every
    reconnection, so it must see every failure.
    """
    # Raw bytes: a feed entry that is not UTF-8 must fail in parse_entry, where it is
    # skipped, not inside redis-py's reply parser, where it would stop the bridge.
    return redis.Redis.from_url(
        config.redis_url,
        decode_responses=False,
        socket_timeout=REDIS_SOCKET_TIMEOUT_SECS,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECS,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 0),
    )


def run(config: BridgeConfig, stop: threading.Event) -> None:
    """Run the bridge with `config` until `stop` is set."""
    health = Health()
    server = None
    if config.health_port is not None:
        server = HealthServer(health, config.health_host, config.health_port).start()
    client = redis_client(config)
    try:
        feed = ChangeFeed(client, config.redis_prefix, config.consumer)
        Bridge(config, feed, Broker(config, stop), stop, health).run()
    finally:
        client.close()
        if server is not None:
            server.stop()


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(
            max_publish_rate=args.max_publish_rate,
            health_port=args.health_port,
            log_level=args.log_level,
        )
    except ConfigError as exc:
        print(f"bridge: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    stop = threading.Event()
    previous = _install_signal_handlers(stop)
    try:
        run(config, stop)
    except ConfigError as exc:
        logger.error("%s", exc)
        return 2
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
