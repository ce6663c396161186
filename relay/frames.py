"""Server-sent event frames, encoded once and shared by every client.

A frame keeps two byte strings: the event as SSE text, and the same text framed as
one HTTP/1.1 chunk, so a broadcast writes the same bytes object to every transport.
"""

from model.messages import encode

HEARTBEAT_TEXT = "ping"


class Frame:
    """One SSE event or comment: `raw` for HTTP/1.0 clients, `chunk` for HTTP/1.1."""

    __slots__ = ("chunk", "kind", "raw")

    def __init__(self, kind, raw):
        self.kind = kind
        self.raw = raw
        self.chunk = b"%x\r\n" % len(raw) + raw + b"\r\n"


def event_frame(event, data, event_id=None, retry_ms=None):
    """Frame an event whose `data` is one line of text (compact JSON has no newlines)."""
    if "\n" in data or "\r" in data:
        raise ValueError(f"SSE data for event {event!r} must be one line")
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if retry_ms is not None:
        lines.append(f"retry: {retry_ms}")
    lines.append(f"data: {data}")
    return Frame(event, ("\n".join(lines) + "\n\n").encode())


def message_frame(message):
    """Frame a snapshot or delta message; its id is the version it produces."""
    if message["type"] == "snapshot":
        version = message["version"]
    else:
        version = message["to"]
    return event_frame(message["type"], encode(message), event_id=version)


def comment_frame(text):
    """Frame an SSE comment: EventSource ignores it, proxies see traffic."""
    return Frame("comment", f": {text}\n\n".encode())


def retry_frame(retry_ms):
    """Frame the `retry:` field alone: how long EventSource waits to reconnect."""
    return Frame("retry", f"retry: {retry_ms}\n\n".encode())


def shutdown_frame(retry_ms):
    return event_frame("shutdown", encode({"type": "shutdown"}), retry_ms=retry_ms)


HEARTBEAT = comment_frame(HEARTBEAT_TEXT)
