"""Configuration from environment variables, and the errors for bad values."""

import pytest
from bootstrap.config import Config
from bootstrap.errors import ConfigError
from lambda_support import ROLE_ARN

BASE = {
    "VIEWER_ROLE_ARN": ROLE_ARN,
    "REDIS_URL": "rediss://:pw@cache.example:6379/0",
    "AWS_REGION": "eu-west-1",
}


def config_with(**overrides):
    return Config.from_env({**BASE, **overrides})


def test_defaults():
    config = Config.from_env(BASE)

    assert config.credentials_seconds == 900
    assert config.response_ttl_seconds == 300
    assert config.topic_prefix == "qualifiers"
    assert config.redis_prefix == "qh:"
    assert config.allowed_origins == ()
    assert config.relay_urls == ()
    assert config.iot_endpoint is None
    assert config.account_id == "123456789012"
    assert config.partition == "aws"


def test_lists_are_split_and_stripped():
    config = config_with(
        ALLOWED_ORIGINS=" https://a.example , http://127.0.0.1:8000,",
        RELAY_URLS="https://r1.example/events,https://r2.example/events",
    )

    assert config.allowed_origins == ("https://a.example", "http://127.0.0.1:8000")
    assert config.relay_urls == (
        "https://r1.example/events",
        "https://r2.example/events",
    )


def test_default_region_fallback():
    environ = {**BASE, "AWS_DEFAULT_REGION": "us-east-2"}
    del environ["AWS_REGION"]

    assert Config.from_env(environ).region == "us-east-2"


def test_topics_follow_prefix():
    config = config_with(TOPIC_PREFIX="dota/qualifiers")

    assert config.topics == {
        "snapshot": "dota/qualifiers/snapshot",
        "updates": "dota/qualifiers/updates",
    }


def test_china_partition():
    config = config_with(VIEWER_ROLE_ARN="arn:aws-cn:iam::123456789012:role/viewer")

    assert config.partition == "aws-cn"


@pytest.mark.parametrize("seconds", ["900", "1800", "3600"])
def test_duration_in_range(seconds):
    assert config_with(CREDENTIALS_DURATION_SECONDS=seconds).credentials_seconds == int(
        seconds
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CREDENTIALS_DURATION_SECONDS", "899"),
        ("CREDENTIALS_DURATION_SECONDS", "3601"),
        ("CREDENTIALS_DURATION_SECONDS", "15m"),
        ("RESPONSE_TTL_SECONDS", "10"),
        ("RESPONSE_TTL_SECONDS", "1000"),
        ("VIEWER_ROLE_ARN", "arn:aws:iam::123:role/short-account"),
        ("AWS_REGION", "Europe"),
        ("TOPIC_PREFIX", "qualifiers/#"),
        ("TOPIC_PREFIX", "$aws/things"),
        ("TOPIC_PREFIX", "qualifiers/"),
        ("IOT_ENDPOINT", "https://abc-ats.iot.eu-west-1.amazonaws.com"),
        ("IOT_WEBSOCKET_URL_OVERRIDE", "http://127.0.0.1:9001/mqtt"),
        ("AWS_ENDPOINT_URL", "127.0.0.1:5000"),
        ("ALLOWED_ORIGINS", "https://viewer.example/"),
        ("RELAY_URLS", "ftp://relay.example/events"),
        ("CLIENT_ID_PREFIX", "viewer/"),
    ],
)
def test_invalid_value_named(name, value):
    with pytest.raises(ConfigError) as raised:
        config_with(**{name: value})

    message = str(raised.value)
    assert name in message
    assert value.strip() in message
    assert "expected" in message


@pytest.mark.parametrize("name", ["VIEWER_ROLE_ARN", "REDIS_URL"])
def test_missing_required(name):
    environ = dict(BASE)
    del environ[name]

    with pytest.raises(ConfigError, match=f"missing environment variable {name}"):
        Config.from_env(environ)


def test_redis_url_error_hides_password():
    with pytest.raises(ConfigError) as raised:
        config_with(REDIS_URL="http://user:hunter2@cache.example")

    assert "REDIS_URL" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_ttl_cannot_outlive_credentials():
    config = config_with(
        CREDENTIALS_DURATION_SECONDS="3600", RESPONSE_TTL_SECONDS="1000"
    )

    assert config.response_ttl_seconds == 1000
