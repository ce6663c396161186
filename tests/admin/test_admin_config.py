import pytest

from admin.config import load_cli_config, load_config
from admin.errors import ConfigError

KEY = "k" * 32


def test_defaults():
    config = load_config({"ADMIN_SECRET_KEY": KEY})

    assert config.redis_url == "redis://127.0.0.1:6385/0"
    assert config.port == 8001
    assert config.secure_cookies is False
    assert config.login_max_failures == 5


def test_environment_values():
    env = {
        "ADMIN_SECRET_KEY": KEY,
        "REDIS_URL": "redis://127.0.0.1:7000/1",
        "ADMIN_PORT": "9001",
        "ADMIN_SECURE_COOKIES": "yes",
        "ADMIN_LOGIN_WINDOW": "60",
    }

    config = load_config(env)

    assert config.redis_url == "redis://127.0.0.1:7000/1"
    assert config.port == 9001
    assert config.secure_cookies is True
    assert config.login_window == 60


def test_argument_beats_environment():
    config = load_config({"ADMIN_SECRET_KEY": KEY, "ADMIN_PORT": "9001"}, port=9100)

    assert config.port == 9100


def test_missing_secret_key_gets_random_one():
    first = load_config({})
    second = load_config({})

    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "ADMIN_PORT",
            "eighty",
            "invalid ADMIN_PORT 'eighty': expected a positive integer",
        ),
        (
            "ADMIN_LOGIN_WINDOW",
            "0",
            "invalid ADMIN_LOGIN_WINDOW '0': expected a positive",
        ),
        (
            "ADMIN_SECURE_COOKIES",
            "maybe",
            "invalid ADMIN_SECURE_COOKIES 'maybe': expected",
        ),
        ("ADMIN_SECRET_KEY", "short", "invalid ADMIN_SECRET_KEY: expected at least 32"),
    ],
)
def test_invalid_values_name_variable(name, value, expected):
    env = {"ADMIN_SECRET_KEY": KEY, name: value}

    with pytest.raises(ConfigError) as raised:
        load_config(env)

    assert str(raised.value).startswith(expected)


def test_cli_config_reads_redis_settings():
    config = load_cli_config(
        {"REDIS_URL": "redis://127.0.0.1:7000/0", "REDIS_PREFIX": "x:"}
    )

    assert config.redis_url == "redis://127.0.0.1:7000/0"
    assert config.prefix == "x:"
