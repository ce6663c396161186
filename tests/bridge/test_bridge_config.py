import pytest

from bridge.config import load_config
from bridge.errors import ConfigError


def test_defaults_use_tcp_and_ten_per_second():
    config = load_config({})

    assert config.transport == "tcp"
    assert config.port == 1883
    assert config.max_publish_rate == 10.0
    assert config.max_payload_bytes == 128 * 1024
    assert config.snapshot_topic == "qualifiers/snapshot"
    assert config.updates_topic == "qualifiers/updates"


def test_environment_sets_values():
    config = load_config(
        {
            "REDIS_URL": "redis://127.0.0.1:7000/1",
            "TOPIC_PREFIX": "site",
            "BRIDGE_ENDPOINT": "broker.local",
            "BRIDGE_PORT": "1999",
            "BRIDGE_MAX_PUBLISH_RATE": "4",
            "BRIDGE_USERNAME": "bridge",
            "BRIDGE_PASSWORD": "secret",
            "BRIDGE_HEALTH_PORT": "8003",
        }
    )

    assert config.redis_url == "redis://127.0.0.1:7000/1"
    assert config.updates_topic == "site/updates"
    assert config.endpoint == "broker.local"
    assert config.port == 1999
    assert config.publish_interval == 0.25
    assert config.health_port == 8003


def test_argument_beats_environment():
    config = load_config({"BRIDGE_MAX_PUBLISH_RATE": "4"}, max_publish_rate=8.0)

    assert config.max_publish_rate == 8.0


def test_transport_sets_default_port():
    mtls = load_config(
        {"BRIDGE_TRANSPORT": "mtls", "BRIDGE_CERT": "c.pem", "BRIDGE_KEY": "k.pem"}
    )
    websockets = load_config(
        {"BRIDGE_TRANSPORT": "websockets", "AWS_REGION": "eu-west-1"}
    )

    assert mtls.port == 8883
    assert websockets.port == 443
    assert websockets.signing_region == "eu-west-1"


def test_password_stays_out_of_repr():
    config = load_config({"BRIDGE_USERNAME": "bridge", "BRIDGE_PASSWORD": "hunter2"})

    assert "hunter2" not in repr(config)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BRIDGE_TRANSPORT": "udp"}, "invalid BRIDGE_TRANSPORT 'udp'"),
        (
            {"BRIDGE_PORT": "eighty"},
            "invalid BRIDGE_PORT 'eighty': expected a whole number",
        ),
        ({"BRIDGE_MAX_PUBLISH_RATE": "150"}, "invalid BRIDGE_MAX_PUBLISH_RATE 150.0"),
        (
            {"BRIDGE_MAX_PAYLOAD_BYTES": "200000"},
            "invalid BRIDGE_MAX_PAYLOAD_BYTES 200000",
        ),
        ({"BRIDGE_TRANSPORT": "mtls"}, "missing BRIDGE_CERT or BRIDGE_KEY"),
        ({"BRIDGE_TRANSPORT": "websockets"}, "missing BRIDGE_SIGNING_REGION"),
        ({"BRIDGE_USERNAME": "bridge"}, "set both BRIDGE_USERNAME and BRIDGE_PASSWORD"),
        ({"BRIDGE_LOG_LEVEL": "LOUD"}, "invalid BRIDGE_LOG_LEVEL 'LOUD'"),
    ],
)
def test_invalid_setting_names_variable_and_value(environ, message):
    with pytest.raises(ConfigError) as caught:
        load_config(environ)

    assert message in str(caught.value)
