"""SSE frames and notification parsing, without a server."""

import pytest

from model.errors import ValidationError
from relay.feed import parse_notification
from relay.frames import HEARTBEAT, comment_frame, event_frame, message_frame


def test_delta_frame_carries_to_version():
    message = {"type": "delta", "from": 4, "to": 5, "ops": []}
    frame = message_frame(message)
    assert frame.kind == "delta"
    assert (
        frame.raw
        == b'event: delta\nid: 5\ndata: {"type":"delta","from":4,"to":5,"ops":[]}\n\n'
    )


def test_snapshot_frame_carries_version():
    state = {"version": 9, "site": {"title": "Q"}, "regions": []}
    frame = message_frame({"type": "snapshot", "version": 9, "state": state})
    assert frame.raw.startswith(b"event: snapshot\nid: 9\ndata: {")
    assert frame.raw.endswith(b"}\n\n")
    assert frame.raw.count(b"\n") == 4


def test_chunk_frames_the_same_bytes():
    frame = comment_frame("ping")
    assert frame.raw == b": ping\n\n"
    assert frame.chunk == b"8\r\n: ping\n\n\r\n"
    assert HEARTBEAT.raw == frame.raw


def test_event_data_must_be_one_line():
    with pytest.raises(ValueError, match="one line"):
        event_frame("delta", "a\nb")
    assert (
        event_frame("x", "y", retry_ms=250).raw == b"event: x\nretry: 250\ndata: y\n\n"
    )


def test_notification_becomes_delta_message():
    message = parse_notification(b'{"from": 1, "to": 2, "ops": []}')
    assert message == {"type": "delta", "from": 1, "to": 2, "ops": []}


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1, 2]", b'{"from": 3, "to": 2, "ops": []}', b'{"to": 2}'],
)
def test_invalid_notification_rejected(payload):
    with pytest.raises(ValidationError):
        parse_notification(payload)
