"""Relay settings from arguments and the environment."""

import pytest

from relay.config import RelayConfig
from relay.errors import ConfigError


def test_defaults_without_environment():
    config = RelayConfig.load(environ={})
    assert config.port == 8090
    assert config.max_clients == 10_000
    assert config.heartbeat_seconds == 15.0
    assert config.allowed_origins == ()


def test_environment_read_once():
    config = RelayConfig.load(
        environ={
            "RELAY_PORT": "8101",
            "RELAY_MAX_CLIENTS": "50",
            "RELAY_HEARTBEAT_SECONDS": "2.5",
            "RELAY_ALLOWED_ORIGINS": "https://a.example, https://b.example/",
            "REDIS_URL": "redis://127.0.0.1:7000/1",
        }
    )
    assert config.port == 8101
    assert config.max_clients == 50
    assert config.heartbeat_seconds == 2.5
    assert config.allowed_origins == ("https://a.example", "https://b.example")
    assert config.redis_url == "redis://127.0.0.1:7000/1"


def test_argument_beats_environment():
    config = RelayConfig.load(environ={"RELAY_PORT": "8101"}, port="8102", host=None)
    assert config.port == 8102
    assert config.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RELAY_PORT", "eighty", "a whole number from 0 to 65535"),
        ("RELAY_PORT", "70000", "a whole number from 0 to 65535"),
        ("RELAY_MAX_CLIENTS", "0", "a whole number >= 1"),
        ("RELAY_HEARTBEAT_SECONDS", "-1", "a number of seconds > 0"),
        ("RELAY_QUEUE_LIMIT", "12", "a whole number >= 1024"),
        ("RELAY_ALLOWED_ORIGINS", "qualifiers.example", "comma-separated origins"),
        ("REDIS_URL", "localhost:6379", "a URL starting with redis://"),
        ("RELAY_LOG_LEVEL", "LOUD", "one of DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_invalid_value_names_variable(variable, value, expected):
    with pytest.raises(ConfigError) as error:
        RelayConfig.load(environ={variable: value})
    message = str(error.value)
    assert message.startswith(f"invalid {variable} ")
    assert (
        repr(value if variable != "RELAY_ALLOWED_ORIGINS" else value.strip()) in message
    )
    assert expected in message


def test_invalid_argument_names_option():
    with pytest.raises(ConfigError) as error:
        RelayConfig.load(environ={}, max_clients="many")
    assert str(error.value).startswith("invalid --max-clients 'many'")
