"""Errors raised by the model. Plain classes so that MicroPython can load them."""

MAX_VALUE_CHARS = 60


def _show(value):
    text = repr(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text


class ValidationError(ValueError):
    """A value that breaks a rule of the model.

    `field` is the path of the value (`regions[europe].streams[MangoEcho_gg].url`),
    `value` the offending input, and `allowed` describes what would have been accepted.
    """

    def __init__(self, field, value, allowed):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__("invalid " + field + " " + _show(value) + ": " + allowed)

    @property
    def name(self):
        """The last part of `field`, as a form field would call it."""
        return self.field.split(".")[-1].split("[")[0]


class NotFoundError(LookupError):
    """A region or stream that an edit names does not exist."""


class VersionError(ValueError):
    """A delta that does not continue the version it is applied to."""
