"""The bridge's error family. Redis and MQTT exceptions are translated at the boundary."""


class BridgeError(Exception):
    """Base class for bridge errors."""


class ConfigError(BridgeError):
    """An environment variable or argument with a value the bridge cannot use."""


class FeedUnavailable(BridgeError):
    """Redis could not be reached or failed a command on the change feed."""


class FeedReset(BridgeError):
    """The consumer group is gone (NOGROUP), so the feed no longer covers the gap."""


class BrokerUnavailable(BridgeError):
    """The MQTT broker refused the connection or failed a publish."""


class PayloadTooLarge(BridgeError):
    """A message is larger than the broker's payload limit and was not published."""

    def __init__(self, kind, version, size, limit):
        self.kind = kind
        self.version = version
        self.size = size
        self.limit = limit
        super().__init__(
            f"{kind} message for version {version} is {size} bytes, "
            f"over the {limit}-byte payload limit"
        )
