"""Configuration of the bootstrap function, read once per container from the environment."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bootstrap.errors import ConfigError

VIEWER_ROLE_ARN = "VIEWER_ROLE_ARN"
REDIS_URL = "REDIS_URL"
REDIS_PREFIX = "REDIS_PREFIX"
TOPIC_PREFIX = "TOPIC_PREFIX"
AWS_REGION = "AWS_REGION"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"
AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
IOT_ENDPOINT = "IOT_ENDPOINT"
IOT_WEBSOCKET_URL_OVERRIDE = "IOT_WEBSOCKET_URL_OVERRIDE"
CREDENTIALS_DURATION_SECONDS = "CREDENTIALS_DURATION_SECONDS"
RESPONSE_TTL_SECONDS = "RESPONSE_TTL_SECONDS"
ALLOWED_ORIGINS = "ALLOWED_ORIGINS"
RELAY_URLS = "RELAY_URLS"
CLIENT_ID_PREFIX = "CLIENT_ID_PREFIX"

# AssumeRole called with a Lambda's own role credentials is role chaining, which AWS
# caps at one hour; 15 minutes is the minimum for any AssumeRole call.
MIN_CREDENTIALS_SECONDS = 900
MAX_CREDENTIALS_SECONDS = 3600
MIN_RESPONSE_TTL_SECONDS = 30

ROLE_ARN_PATTERN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role/[\w+=,.@/-]{1,512}")
REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
HOSTNAME_PATTERN = re.compile(r"[A-Za-z0-9.-]{1,253}")
ORIGIN_PATTERN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")
# A client id doubles as the STS role session name, which allows [\w+=,.@-] and 64
# characters; the random part takes 32 of them.
CLIENT_ID_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_=,.@-]{0,32}")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class Config:
    """Settings of one deployment of the bootstrap function."""

    viewer_role_arn: str
    redis_url: str
    region: str
    redis_prefix: str = "qh:"
    topic_prefix: str = "qualifiers"
    credentials_seconds: int = MIN_CREDENTIALS_SECONDS
    response_ttl_seconds: int = 300
    iot_endpoint: str | None = None
    websocket_url_override: str | None = None
    aws_endpoint_url: str | None = None
    allowed_origins: tuple[str, ...] = ()
    relay_urls: tuple[str, ...] = ()
    client_id_prefix: str = "viewer-"

    @property
    def partition(self) -> str:
        return _role_arn_match(self.viewer_role_arn).group(1)

    @property
    def account_id(self) -> str:
        return _role_arn_match(self.viewer_role_arn).group(2)

    @property
    def topics(self) -> dict[str, str]:
        """MQTT topics a viewer subscribes to, keyed by message kind."""
        return {
            "snapshot": f"{self.topic_prefix}/snapshot",
            "updates": f"{self.topic_prefix}/updates",
        }

    def __post_init__(self):
        _check_role_arn(self.viewer_role_arn)
        _check_redis_url(self.redis_url)
        _check_region(self.region)
        _check_topic_prefix(self.topic_prefix)
        _check_credentials_seconds(self.credentials_seconds)
        _check_response_ttl(self.response_ttl_seconds, self.credentials_seconds)
        _check_optional_hostname(IOT_ENDPOINT, self.iot_endpoint)
        _check_url(
            IOT_WEBSOCKET_URL_OVERRIDE, self.websocket_url_override, ("ws", "wss")
        )
        _check_url(AWS_ENDPOINT_URL, self.aws_endpoint_url, ("http", "https"))
        for origin in self.allowed_origins:
            _check_origin(origin)
        for url in self.relay_urls:
            _check_url(RELAY_URLS, url, ("http", "https"))
        _check_client_id_prefix(self.client_id_prefix)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Config":
        """Build the configuration from environment variables; raise ConfigError if invalid."""
        return cls(
            viewer_role_arn=_required(environ, VIEWER_ROLE_ARN),
            redis_url=_required(environ, REDIS_URL),
            region=environ.get(AWS_REGION) or _required(environ, AWS_DEFAULT_REGION),
            redis_prefix=environ.get(REDIS_PREFIX, "qh:"),
            topic_prefix=environ.get(TOPIC_PREFIX, "qualifiers"),
            credentials_seconds=_integer(environ, CREDENTIALS_DURATION_SECONDS, 900),
            response_ttl_seconds=_integer(environ, RESPONSE_TTL_SECONDS, 300),
            iot_endpoint=environ.get(IOT_ENDPOINT) or None,
            websocket_url_override=environ.get(IOT_WEBSOCKET_URL_OVERRIDE) or None,
            aws_endpoint_url=environ.get(AWS_ENDPOINT_URL) or None,
            allowed_origins=split_list(environ.get(ALLOWED_ORIGINS, "")),
            relay_urls=split_list(environ.get(RELAY_URLS, "")),
            client_id_prefix=environ.get(CLIENT_ID_PREFIX, "viewer-"),
        )


def split_list(raw: str) -> tuple[str, ...]:
    """Split a comma-separated variable into its non-empty, stripped items."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"missing environment variable {name}")
    return value


def _integer(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"invalid {name}={raw!r}: expected a whole number") from None


def _role_arn_match(arn: str) -> re.Match:
    match = ROLE_ARN_PATTERN.fullmatch(arn)
    if match is None:
        raise ConfigError(
            f"invalid {VIEWER_ROLE_ARN}={arn!r}: expected arn:aws:iam::<account>:role/<name>"
        )
    return match


def _check_role_arn(arn: str) -> None:
    _role_arn_match(arn)


def _check_redis_url(url: str) -> None:
    # The URL may contain a password, so the message names only the scheme rule.
    if not url.startswith(REDIS_SCHEMES):
        raise ConfigError(
            f"invalid {REDIS_URL}: expected a URL starting with {REDIS_SCHEMES}"
        )


def _check_region(region: str) -> None:
    if not REGION_PATTERN.fullmatch(region):
        raise ConfigError(
            f"invalid {AWS_REGION}={region!r}: expected a region such as eu-west-1"
        )


def _check_topic_prefix(prefix: str) -> None:
    wildcard = "+" in prefix or "#" in prefix
    if not prefix or wildcard or prefix.startswith("$") or prefix.endswith("/"):
        raise ConfigError(
            f"invalid {TOPIC_PREFIX}={prefix!r}: expected a topic without wildcards, "
            "a leading '$' or a trailing '/'"
        )


def _check_credentials_seconds(seconds: int) -> None:
    if not MIN_CREDENTIALS_SECONDS <= seconds <= MAX_CREDENTIALS_SECONDS:
        raise ConfigError(
            f"invalid {CREDENTIALS_DURATION_SECONDS}={seconds}: expected "
            f"{MIN_CREDENTIALS_SECONDS} to {MAX_CREDENTIALS_SECONDS} seconds, the range "
            "AssumeRole allows when a Lambda's role assumes another role"
        )


def _check_response_ttl(seconds: int, credentials_seconds: int) -> None:
    if not MIN_RESPONSE_TTL_SECONDS <= seconds <= credentials_seconds:
        raise ConfigError(
            f"invalid {RESPONSE_TTL_SECONDS}={seconds}: expected {MIN_RESPONSE_TTL_SECONDS} "
            f"seconds up to {CREDENTIALS_DURATION_SECONDS} ({credentials_seconds})"
        )


def _check_optional_hostname(name: str, value: str | None) -> None:
    if value is not None and not HOSTNAME_PATTERN.fullmatch(value):
        raise ConfigError(
            f"invalid {name}={value!r}: expected a host name without scheme"
        )


def _check_url(name: str, url: str | None, schemes: tuple[str, ...]) -> None:
    if url is None:
        return
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in schemes or not rest or rest.startswith("/"):
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ConfigError(
            f"invalid {name} value {url!r}: expected an absolute {allowed} URL"
        )


def _check_origin(origin: str) -> None:
    if origin != "*" and not ORIGIN_PATTERN.fullmatch(origin):
        raise ConfigError(
            f"invalid {ALLOWED_ORIGINS} entry {origin!r}: expected '*' or "
            "scheme://host[:port] with no path or trailing slash"
        )


def _check_client_id_prefix(prefix: str) -> None:
    if not CLIENT_ID_PREFIX_PATTERN.fullmatch(prefix):
        raise ConfigError(
            f"invalid {CLIENT_ID_PREFIX}={prefix!r}: expected at most 32 letters, digits "
            "or _=,.@-"
        )
