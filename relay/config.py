"""Relay settings, read once from arguments and the environment.

An explicit argument beats the environment, which beats the default.
"""

import os
from dataclasses import dataclass, field

from relay.errors import ConfigError

REDIS_URL = "REDIS_URL"
REDIS_PREFIX = "REDIS_PREFIX"
RELAY_HOST = "RELAY_HOST"
RELAY_PORT = "RELAY_PORT"
RELAY_MAX_CLIENTS = "RELAY_MAX_CLIENTS"
RELAY_HEARTBEAT_SECONDS = "RELAY_HEARTBEAT_SECONDS"
RELAY_QUEUE_LIMIT = "RELAY_QUEUE_LIMIT"
RELAY_ALLOWED_ORIGINS = "RELAY_ALLOWED_ORIGINS"
RELAY_RETRY_AFTER_SECONDS = "RELAY_RETRY_AFTER_SECONDS"
RELAY_RECONNECT_MS = "RELAY_RECONNECT_MS"
RELAY_REDIS_HEALTH_SECONDS = "RELAY_REDIS_HEALTH_SECONDS"
RELAY_HISTORY = "RELAY_HISTORY"
RELAY_SHUTDOWN_SECONDS = "RELAY_SHUTDOWN_SECONDS"
RELAY_LOG_LEVEL = "RELAY_LOG_LEVEL"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class RelayConfig:
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "qh:"
    host: str = "127.0.0.1"
    port: int = 8090
    # Open /events streams; one more gets 503 with Retry-After.
    max_clients: int = 10_000
    # Seconds between comment lines that keep idle streams open through proxies.
    heartbeat_seconds: float = 15.0
    # Bytes a client may leave unread in its send buffer before it is dropped.
    queue_limit: int = 256 * 1024
    # Origins sent CORS headers; "*" allows any origin.
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    retry_after_seconds: int = 5
    # The SSE `retry:` field: how long EventSource waits before reconnecting.
    reconnect_ms: int = 3000
    # Seconds between pings on the pub/sub connection; two silent periods end it.
    redis_health_seconds: float = 3.0
    # Recent deltas kept in memory to serve Last-Event-ID without Redis.
    history: int = 512
    # Seconds that streams get to close on SIGTERM before the server cuts them.
    shutdown_seconds: float = 5.0
    log_level: str = "INFO"

    @classmethod
    def load(cls, environ=None, **overrides):
        """Build the settings from `overrides` (None means unset), then `environ`."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, (variable, parse) in _FIELDS.items():
            if overrides.get(name) is not None:
                raw, source = overrides[name], "--" + name.replace("_", "-")
            elif environ.get(variable, "") != "":
                raw, source = environ[variable], variable
            else:
                continue
            values[name] = parse(source, raw)
        return cls(**values)


def _integer(minimum, maximum=None):
    expected = (
        f"a whole number from {minimum} to {maximum}"
        if maximum is not None
        else f"a whole number >= {minimum}"
    )

    def parse(source, raw):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(source, raw, expected) from None
        if value < minimum or (maximum is not None and value > maximum):
            raise ConfigError(source, raw, expected)
        return value

    return parse


def _seconds(source, raw):
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(source, raw, "a number of seconds > 0") from None
    if not value > 0:
        raise ConfigError(source, raw, "a number of seconds > 0")
    return value


def _text(source, raw):
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(source, raw, "a non-empty string")
    return raw.strip()


def _redis_url(source, raw):
    value = _text(source, raw)
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            source, raw, "a URL starting with redis://, rediss:// or unix://"
        )
    return value


def _origins(source, raw):
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    origins = tuple(item.strip().rstrip("/") for item in items if item.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(
                source, origin, "comma-separated origins like https://example.org, or *"
            )
    return origins


def _log_level(source, raw):
    value = str(raw).strip().upper()
    if value not in LOG_LEVELS:
        raise ConfigError(source, raw, "one of " + ", ".join(LOG_LEVELS))
    return value


_FIELDS = {
    "redis_url": (REDIS_URL, _redis_url),
    "redis_prefix": (REDIS_PREFIX, _text),
    "host": (RELAY_HOST, _text),
    "port": (RELAY_PORT, _integer(0, 65535)),
    "max_clients": (RELAY_MAX_CLIENTS, _integer(1)),
    "heartbeat_seconds": (RELAY_HEARTBEAT_SECONDS, _seconds),
    "queue_limit": (RELAY_QUEUE_LIMIT, _integer(1024)),
    "allowed_origins": (RELAY_ALLOWED_ORIGINS, _origins),
    "retry_after_seconds": (RELAY_RETRY_AFTER_SECONDS, _integer(1)),
    "reconnect_ms": (RELAY_RECONNECT_MS, _integer(0)),
    "redis_health_seconds": (RELAY_REDIS_HEALTH_SECONDS, _seconds),
    "history": (RELAY_HISTORY, _integer(0)),
    "shutdown_seconds": (RELAY_SHUTDOWN_SECONDS, _seconds),
    "log_level": (RELAY_LOG_LEVEL, _log_level),
}
