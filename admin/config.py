"""Settings for the admin web app and the CLI, read once from the environment."""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from admin.errors import ConfigError

REDIS_URL = "REDIS_URL"
REDIS_PREFIX = "REDIS_PREFIX"
ADMIN_SECRET_KEY = "ADMIN_SECRET_KEY"
ADMIN_HOST = "ADMIN_HOST"
ADMIN_PORT = "ADMIN_PORT"
ADMIN_SECURE_COOKIES = "ADMIN_SECURE_COOKIES"
ADMIN_SESSION_MAX_AGE = "ADMIN_SESSION_MAX_AGE"
ADMIN_LOGIN_MAX_FAILURES = "ADMIN_LOGIN_MAX_FAILURES"
ADMIN_LOGIN_MAX_FAILURES_PER_IP = "ADMIN_LOGIN_MAX_FAILURES_PER_IP"
ADMIN_LOGIN_WINDOW = "ADMIN_LOGIN_WINDOW"

DEFAULT_REDIS_URL = "redis://127.0.0.1:6385/0"
DEFAULT_PREFIX = "qh:"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
DEFAULT_SESSION_MAX_AGE = 12 * 60 * 60
DEFAULT_LOGIN_MAX_FAILURES = 5
# Higher than per user, because moderators in one office may share an address.
DEFAULT_LOGIN_MAX_FAILURES_PER_IP = 20
DEFAULT_LOGIN_WINDOW = 15 * 60
MIN_SECRET_KEY_LENGTH = 32

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class AdminConfig:
    """Settings of the admin app; times are in seconds."""

    redis_url: str = DEFAULT_REDIS_URL
    prefix: str = DEFAULT_PREFIX
    secret_key: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    secure_cookies: bool = False
    session_max_age: int = DEFAULT_SESSION_MAX_AGE
    login_max_failures: int = DEFAULT_LOGIN_MAX_FAILURES
    login_max_failures_per_ip: int = DEFAULT_LOGIN_MAX_FAILURES_PER_IP
    login_window: int = DEFAULT_LOGIN_WINDOW


def load_config(environ: Mapping[str, str] | None = None, **overrides) -> AdminConfig:
    """Build the settings: explicit `overrides` beat the environment, which beats defaults.

    Without ADMIN_SECRET_KEY a random key is generated, so sessions end on restart.
    """
    env = os.environ if environ is None else environ
    values = {
        "redis_url": env.get(REDIS_URL) or DEFAULT_REDIS_URL,
        "prefix": env.get(REDIS_PREFIX) or DEFAULT_PREFIX,
        "secret_key": env.get(ADMIN_SECRET_KEY) or secrets.token_urlsafe(32),
        "host": env.get(ADMIN_HOST, DEFAULT_HOST),
        "port": _integer(env, ADMIN_PORT, DEFAULT_PORT),
        "secure_cookies": _boolean(env, ADMIN_SECURE_COOKIES, False),
        "session_max_age": _integer(
            env, ADMIN_SESSION_MAX_AGE, DEFAULT_SESSION_MAX_AGE
        ),
        "login_max_failures": _integer(
            env, ADMIN_LOGIN_MAX_FAILURES, DEFAULT_LOGIN_MAX_FAILURES
        ),
        "login_max_failures_per_ip": _integer(
            env, ADMIN_LOGIN_MAX_FAILURES_PER_IP, DEFAULT_LOGIN_MAX_FAILURES_PER_IP
        ),
        "login_window": _integer(env, ADMIN_LOGIN_WINDOW, DEFAULT_LOGIN_WINDOW),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    config = AdminConfig(**values)
    _check_secret_key(config.secret_key)
    return config


def _integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"invalid {name} {raw!r}: expected a positive integer"
        ) from None
    if value <= 0:
        raise ConfigError(f"invalid {name} {raw!r}: expected a positive integer")
    return value


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"invalid {name} {raw!r}: expected true or false")


def _check_secret_key(secret_key: str) -> None:
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"invalid {ADMIN_SECRET_KEY}: expected at least {MIN_SECRET_KEY_LENGTH}"
            f" characters, got {len(secret_key)}"
        )


@dataclass(frozen=True)
class CliConfig:
    """Settings of the `qualifiers` command: where the data lives."""

    redis_url: str = DEFAULT_REDIS_URL
    prefix: str = DEFAULT_PREFIX


def load_cli_config(environ: Mapping[str, str] | None = None, **overrides) -> CliConfig:
    """Build the CLI settings: explicit `overrides` beat the environment and defaults."""
    env = os.environ if environ is None else environ
    values = {
        "redis_url": env.get(REDIS_URL) or DEFAULT_REDIS_URL,
        "prefix": env.get(REDIS_PREFIX) or DEFAULT_PREFIX,
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return CliConfig(**values)
