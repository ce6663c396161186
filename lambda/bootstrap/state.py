"""The current state from Redis, through the shared store."""

from bootstrap.config import Config
from bootstrap.errors import ConfigError, StateInvalid, StateUnavailable

# One quick retry: the page retries on a 503 itself, and API Gateway gives up on the
# function after 30 seconds.
REDIS_TIMEOUT_SECONDS = 2
REDIS_RETRIES = 1


def open_store(config: Config):
    """Create the store for `config.redis_url`; no connection is made until a read."""
    # Imported here because redis-py takes about 0.1 s to import.
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    from store import Store

    try:
        return Store.from_url(
            config.redis_url,
            prefix=config.redis_prefix,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), REDIS_RETRIES),
        )
    except ValueError as exc:
        # redis-py puts the whole URL, password included, into some of these messages.
        raise ConfigError(f"invalid REDIS_URL: {type(exc).__name__}") from None


def read_state(store) -> dict:
    """Return the current state, version included."""
    from store import CorruptStateError, StoreUnavailable

    try:
        return store.read()
    except StoreUnavailable as exc:
        raise StateUnavailable(str(exc)) from exc
    except CorruptStateError as exc:
        raise StateInvalid(str(exc)) from exc
