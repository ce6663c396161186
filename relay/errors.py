"""The relay's error family."""


class RelayError(Exception):
    """Base class for relay errors."""


class ConfigError(RelayError):
    """A setting has a value the relay cannot use."""

    def __init__(self, name, value, expected):
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"invalid {name} {value!r}: expected {expected}")


class FeedStalled(RelayError):
    """The Redis subscription went silent: no reply to pings for too long."""
