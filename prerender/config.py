"""Settings of the prerender service, read once from the environment."""

from dataclasses import dataclass
from pathlib import Path

from prerender.page import MANIFEST_NAME

REDIS_URL = "REDIS_URL"
REDIS_PREFIX = "REDIS_PREFIX"
PRERENDER_DIST = "PRERENDER_DIST"
PRERENDER_BUCKET = "PRERENDER_BUCKET"
PRERENDER_KEY = "PRERENDER_KEY"
PRERENDER_MANIFEST = "PRERENDER_MANIFEST"
PRERENDER_MIN_INTERVAL_SECONDS = "PRERENDER_MIN_INTERVAL_SECONDS"
PRERENDER_RECHECK_SECONDS = "PRERENDER_RECHECK_SECONDS"

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "qh:"
DEFAULT_KEY = "index.html"


class ConfigError(ValueError):
    """A setting with a bad value; the message names the variable and the value."""


@dataclass(frozen=True)
class Config:
    """Settings: the Redis of the state, the page's target, and the render timing.

    Exactly one of `dist` (a served folder) and `bucket` (an S3 bucket) is set.
    `manifest` is a local build manifest; None means the one next to the page
    (in the folder, or in the bucket under MANIFEST_NAME).
    """

    redis_url: str = DEFAULT_REDIS_URL
    redis_prefix: str = DEFAULT_PREFIX
    dist: Path | None = None
    bucket: str | None = None
    key: str = DEFAULT_KEY
    manifest: Path | None = None
    min_interval_seconds: float = 1.0
    recheck_seconds: float = 30.0

    def __post_init__(self):
        if (self.dist is None) == (self.bucket is None):
            raise ConfigError(
                f"set exactly one of {PRERENDER_DIST} (a served folder) and "
                f"{PRERENDER_BUCKET} (an S3 bucket); got "
                f"{PRERENDER_DIST}={self.dist!r}, {PRERENDER_BUCKET}={self.bucket!r}"
            )
        if not self.key or self.key.startswith("/"):
            raise ConfigError(
                f"invalid {PRERENDER_KEY}={self.key!r}: expected an S3 key such as index.html"
            )

    @property
    def manifest_key(self) -> str:
        folder = self.key.rpartition("/")[0]
        return f"{folder}/{MANIFEST_NAME}" if folder else MANIFEST_NAME

    @classmethod
    def from_env(cls, environ) -> "Config":
        dist = environ.get(PRERENDER_DIST) or None
        manifest = environ.get(PRERENDER_MANIFEST) or None
        return cls(
            redis_url=environ.get(REDIS_URL) or DEFAULT_REDIS_URL,
            redis_prefix=environ.get(REDIS_PREFIX) or DEFAULT_PREFIX,
            dist=Path(dist) if dist else None,
            bucket=environ.get(PRERENDER_BUCKET) or None,
            key=environ.get(PRERENDER_KEY) or DEFAULT_KEY,
            manifest=Path(manifest) if manifest else None,
            min_interval_seconds=_seconds(environ, PRERENDER_MIN_INTERVAL_SECONDS, 1.0),
            recheck_seconds=_seconds(environ, PRERENDER_RECHECK_SECONDS, 30.0),
        )


def _seconds(environ, name, default):
    raw = environ.get(name)
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ConfigError(
            f"invalid {name}={raw!r}: expected a number of seconds above 0"
        )
    return seconds
