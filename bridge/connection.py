"""Building the awscrt MQTT connection for each transport.

- `tcp`: plain MQTT with a user name and password, for Mosquitto on loopback. awsiotsdk's
  builders always add TLS, so this one uses awscrt directly.
- `mtls`: AWS IoT Core with an X.509 client certificate (port 8883 or 443 with ALPN).
- `websockets`: AWS IoT Core over WSS, signed with SigV4 from the default credential
  chain (environment, profile, instance or task role).
"""

from awscrt import auth, mqtt
from awscrt.exceptions import AwsCrtError
from awsiot import mqtt_connection_builder

from bridge.config import BRIDGE_CA, BRIDGE_CERT, BRIDGE_KEY, BridgeConfig
from bridge.errors import ConfigError

# clean_session=False makes awscrt keep unacknowledged QoS 1 publishes across a
# reconnect and resend them; with a clean session it cancels them instead
# (AWS_ERROR_MQTT_CANCELLED_FOR_CLEAN_SESSION, awscrt 0.36).
CLEAN_SESSION = False
KEEP_ALIVE_SECS = 30
PING_TIMEOUT_MS = 5000
RECONNECT_MIN_SECS = 1
RECONNECT_MAX_SECS = 30


def _common(config: BridgeConfig, callbacks: dict) -> dict:
    return {
        "client_id": config.client_id,
        "clean_session": CLEAN_SESSION,
        "keep_alive_secs": KEEP_ALIVE_SECS,
        "ping_timeout_ms": PING_TIMEOUT_MS,
        "reconnect_min_timeout_secs": RECONNECT_MIN_SECS,
        "reconnect_max_timeout_secs": RECONNECT_MAX_SECS,
        **callbacks,
    }


def _tcp(config: BridgeConfig, callbacks: dict) -> mqtt.Connection:
    # Unless disable_metrics is set, awscrt appends SDK metrics to the user name and
    # Mosquitto then rejects the login.
    return mqtt.Connection(
        mqtt.Client(None, None),
        host_name=config.endpoint,
        port=config.port,
        username=config.username,
        password=config.password,
        disable_metrics=True,
        **_common(config, callbacks),
    )


def _mtls(config: BridgeConfig, callbacks: dict) -> mqtt.Connection:
    return mqtt_connection_builder.mtls_from_path(
        cert_filepath=config.cert_path,
        pri_key_filepath=config.key_path,
        ca_filepath=config.ca_path,
        endpoint=config.endpoint,
        port=config.port,
        **_common(config, callbacks),
    )


def _websockets(config: BridgeConfig, callbacks: dict) -> mqtt.Connection:
    return mqtt_connection_builder.websockets_with_default_aws_signing(
        region=config.signing_region,
        credentials_provider=auth.AwsCredentialsProvider.new_default_chain(),
        ca_filepath=config.ca_path,
        endpoint=config.endpoint,
        port=config.port,
        **_common(config, callbacks),
    )


BUILDERS = {"tcp": _tcp, "mtls": _mtls, "websockets": _websockets}


def build_connection(config: BridgeConfig, **callbacks) -> mqtt.Connection:
    """Return an unconnected MQTT connection for `config.transport`.

    `callbacks` are awscrt's connection callbacks (on_connection_interrupted, ...).
    Raise ConfigError when a certificate, key or CA file cannot be loaded.
    """
    try:
        return BUILDERS[config.transport](config, callbacks)
    except (OSError, AwsCrtError) as exc:
        raise ConfigError(
            f"loading the TLS files failed ({BRIDGE_CERT}={config.cert_path}, "
            f"{BRIDGE_KEY}={config.key_path}, {BRIDGE_CA}={config.ca_path}): {exc}"
        ) from exc
