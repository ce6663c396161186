"""Encoding of outgoing messages, with the broker's payload limit checked first.

Mosquitto drops an oversized publish silently but still acknowledges it (seen with
2.0.11), and AWS IoT rejects it and closes the connection. Neither reports which change
was lost, so the bridge checks the size itself.
"""

from bridge.errors import PayloadTooLarge
from model.messages import delta_message, encode, snapshot_message


def _checked(message, kind, version, limit) -> bytes:
    payload = encode(message).encode("utf-8")
    if len(payload) > limit:
        raise PayloadTooLarge(kind, version, len(payload), limit)
    return payload


def snapshot_payload(state, limit: int) -> bytes:
    """Encode the snapshot message for `state`; raise PayloadTooLarge over `limit` bytes."""
    return _checked(snapshot_message(state), "snapshot", state["version"], limit)


def delta_payload(delta, limit: int) -> bytes:
    """Encode the delta message for `delta`; raise PayloadTooLarge over `limit` bytes."""
    return _checked(delta_message(delta), "delta", delta["to"], limit)
