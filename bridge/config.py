"""The bridge's settings, read once at start from arguments and environment variables.

An explicit argument beats the environment, which beats the default.
"""

import os
from dataclasses import dataclass, field

from bridge.errors import ConfigError

REDIS_URL = "REDIS_URL"
REDIS_PREFIX = "REDIS_PREFIX"
TOPIC_PREFIX = "TOPIC_PREFIX"
BRIDGE_TRANSPORT = "BRIDGE_TRANSPORT"
BRIDGE_ENDPOINT = "BRIDGE_ENDPOINT"
BRIDGE_PORT = "BRIDGE_PORT"
BRIDGE_CLIENT_ID = "BRIDGE_CLIENT_ID"
BRIDGE_USERNAME = "BRIDGE_USERNAME"
BRIDGE_PASSWORD = "BRIDGE_PASSWORD"
BRIDGE_CERT = "BRIDGE_CERT"
BRIDGE_KEY = "BRIDGE_KEY"
BRIDGE_CA = "BRIDGE_CA"
BRIDGE_SIGNING_REGION = "BRIDGE_SIGNING_REGION"
AWS_REGION = "AWS_REGION"
BRIDGE_MAX_PUBLISH_RATE = "BRIDGE_MAX_PUBLISH_RATE"
BRIDGE_MAX_PAYLOAD_BYTES = "BRIDGE_MAX_PAYLOAD_BYTES"
BRIDGE_SNAPSHOT_MAX_AGE = "BRIDGE_SNAPSHOT_MAX_AGE"
BRIDGE_SNAPSHOT_REFRESH = "BRIDGE_SNAPSHOT_REFRESH"
BRIDGE_CONSUMER = "BRIDGE_CONSUMER"
BRIDGE_HEALTH_HOST = "BRIDGE_HEALTH_HOST"
BRIDGE_HEALTH_PORT = "BRIDGE_HEALTH_PORT"
BRIDGE_LOG_LEVEL = "BRIDGE_LOG_LEVEL"

TRANSPORTS = ("tcp", "mtls", "websockets")
DEFAULT_PORTS = {"tcp": 1883, "mtls": 8883, "websockets": 443}

# AWS IoT Core's quotas: 100 publishes per second per connection (it drops the excess)
# and 128 KB per payload (it rejects a larger one and closes the connection).
IOT_MAX_PUBLISH_RATE = 100.0
IOT_MAX_PAYLOAD_BYTES = 128 * 1024


@dataclass(frozen=True)
class BridgeConfig:
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "qh:"
    topic_prefix: str = "qualifiers"
    transport: str = "tcp"
    endpoint: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "qualifiers-bridge"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cert_path: str | None = None
    key_path: str | None = None
    ca_path: str | None = None
    signing_region: str | None = None
    max_publish_rate: float = 10.0
    max_payload_bytes: int = IOT_MAX_PAYLOAD_BYTES
    snapshot_max_age: float = 10.0
    snapshot_refresh: float = 3600.0
    consumer: str = "bridge"
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    log_level: str = "INFO"

    @property
    def snapshot_topic(self) -> str:
        return f"{self.topic_prefix}/snapshot"

    @property
    def updates_topic(self) -> str:
        return f"{self.topic_prefix}/updates"

    @property
    def publish_interval(self) -> float:
        """Seconds between two publishes: one coalescing window."""
        return 1.0 / self.max_publish_rate


def _text(environ, name):
    value = environ.get(name, "").strip()
    return value or None


def _number(environ, name, kind):
    raw = _text(environ, name)
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ConfigError(f"invalid {name} {raw!r}: expected {expected}") from None


def _from_environ(environ) -> dict:
    return {
        "redis_url": _text(environ, REDIS_URL),
        "redis_prefix": _text(environ, REDIS_PREFIX),
        "topic_prefix": _text(environ, TOPIC_PREFIX),
        "transport": _text(environ, BRIDGE_TRANSPORT),
        "endpoint": _text(environ, BRIDGE_ENDPOINT),
        "port": _number(environ, BRIDGE_PORT, int),
        "client_id": _text(environ, BRIDGE_CLIENT_ID),
        "username": _text(environ, BRIDGE_USERNAME),
        "password": _text(environ, BRIDGE_PASSWORD),
        "cert_path": _text(environ, BRIDGE_CERT),
        "key_path": _text(environ, BRIDGE_KEY),
        "ca_path": _text(environ, BRIDGE_CA),
        "signing_region": _text(environ, BRIDGE_SIGNING_REGION)
        or _text(environ, AWS_REGION),
        "max_publish_rate": _number(environ, BRIDGE_MAX_PUBLISH_RATE, float),
        "max_payload_bytes": _number(environ, BRIDGE_MAX_PAYLOAD_BYTES, int),
        "snapshot_max_age": _number(environ, BRIDGE_SNAPSHOT_MAX_AGE, float),
        "snapshot_refresh": _number(environ, BRIDGE_SNAPSHOT_REFRESH, float),
        "consumer": _text(environ, BRIDGE_CONSUMER),
        "health_host": _text(environ, BRIDGE_HEALTH_HOST),
        "health_port": _number(environ, BRIDGE_HEALTH_PORT, int),
        "log_level": _text(environ, BRIDGE_LOG_LEVEL),
    }


# Setting name, environment variable, lowest and highest accepted value.
RANGES = (
    ("port", BRIDGE_PORT, 1, 65535),
    ("max_publish_rate", BRIDGE_MAX_PUBLISH_RATE, 0.1, IOT_MAX_PUBLISH_RATE),
    ("max_payload_bytes", BRIDGE_MAX_PAYLOAD_BYTES, 1024, IOT_MAX_PAYLOAD_BYTES),
    ("snapshot_max_age", BRIDGE_SNAPSHOT_MAX_AGE, 0.0, 86400.0),
    ("snapshot_refresh", BRIDGE_SNAPSHOT_REFRESH, 0.0, 86400.0),
    ("health_port", BRIDGE_HEALTH_PORT, 0, 65535),
)


def _check_ranges(config: BridgeConfig) -> None:
    for attribute, name, low, high in RANGES:
        value = getattr(config, attribute)
        if value is not None and not low <= value <= high:
            raise ConfigError(
                f"invalid {name} {value!r}: expected a number from {low} to {high}"
            )


def _check(config: BridgeConfig) -> None:
    if config.transport not in TRANSPORTS:
        raise ConfigError(
            f"invalid {BRIDGE_TRANSPORT} {config.transport!r}: "
            f"expected one of {', '.join(TRANSPORTS)}"
        )
    _check_ranges(config)
    if config.transport == "mtls" and not (config.cert_path and config.key_path):
        raise ConfigError(
            f"missing {BRIDGE_CERT} or {BRIDGE_KEY}: the mtls transport needs a "
            "certificate and its private key"
        )
    if config.transport == "websockets" and not config.signing_region:
        raise ConfigError(
            f"missing {BRIDGE_SIGNING_REGION} (or {AWS_REGION}): the websockets transport "
            "signs its connection for one AWS region"
        )
    if (config.username is None) != (config.password is None):
        raise ConfigError(
            f"set both {BRIDGE_USERNAME} and {BRIDGE_PASSWORD}, or neither"
        )
    if config.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"invalid {BRIDGE_LOG_LEVEL} {config.log_level!r}: "
            "expected DEBUG, INFO, WARNING or ERROR"
        )


def load_config(environ=None, **overrides) -> BridgeConfig:
    """Build the configuration: `overrides` (not None), then `environ`, then defaults.

    Raise ConfigError naming the variable and the value when a setting is invalid.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for source in (_from_environ(environ), overrides):
        for key, value in source.items():
            if value is not None:
                values[key] = value
    transport = values.get("transport", BridgeConfig.transport)
    values.setdefault("port", DEFAULT_PORTS.get(transport, DEFAULT_PORTS["tcp"]))
    config = BridgeConfig(**values)
    _check(config)
    return config
