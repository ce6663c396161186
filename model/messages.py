"""The two message shapes shared by MQTT, SSE and the change feed."""

import json

from model.errors import ValidationError


def encode(obj):
    """Return compact JSON text for `obj`."""
    try:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    except TypeError:  # MicroPython's json.dumps takes no ensure_ascii
        return json.dumps(obj, separators=(",", ":"))


def snapshot_message(state):
    return {"type": "snapshot", "version": state["version"], "state": state}


def delta_message(delta):
    return {
        "type": "delta",
        "from": delta["from"],
        "to": delta["to"],
        "ops": delta["ops"],
    }


def _version(message, key):
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(key, value, "a version number (whole number, 0 or more)")
    return value


def check_message(message):
    """Check a decoded message's shape and content; return a clean copy."""
    from model.delta import validate_ops
    from model.validate import validate_state

    if not isinstance(message, dict):
        raise ValidationError("message", message, "a JSON object")
    kind = message.get("type")
    if kind == "snapshot":
        state = validate_state(message.get("state"))
        state["version"] = _version(message, "version")
        return snapshot_message(state)
    if kind == "delta":
        start, end = _version(message, "from"), _version(message, "to")
        if end <= start:
            raise ValidationError(
                "to", end, "a version greater than from (" + str(start) + ")"
            )
        return {
            "type": "delta",
            "from": start,
            "to": end,
            "ops": validate_ops(message.get("ops")),
        }
    raise ValidationError("type", kind, "'snapshot' or 'delta'")


def decode(text):
    """Parse and check one message; raise ValidationError for anything malformed."""
    try:
        message = json.loads(text)
    except ValueError:
        raise ValidationError("message", text, "valid JSON") from None
    return check_message(message)
