"""site/bootstrap.py: the SSE relays of a bootstrap response, with or without MQTT."""

import pytest

from model import edits


@pytest.fixture
def bootstrap(site_modules):
    return site_modules["bootstrap"]


def relay_document(transports, **changes):
    body = {
        "state": dict(edits.empty_state("Hub"), version=4),
        "version": 4,
        "transports": transports,
    }
    body.update(changes)
    return body


MQTT = {
    "client_id": "viewer-1",
    "iot": {
        "url": "wss://broker.example/mqtt",
        "topics": {"snapshot": "q/snapshot", "updates": "q/updates"},
    },
}


def test_document_without_iot_uses_relays(bootstrap):
    parsed = bootstrap.parse_document(
        relay_document([{"type": "sse", "url": "https://relay.example/events"}])
    )

    assert parsed["relays"] == ["https://relay.example/events"]
    assert parsed["url"] is None
    assert parsed["client_id"] is None
    assert parsed["topics"] is None
    assert parsed["message"]["version"] == 4


def test_relays_come_with_mqtt(bootstrap):
    parsed = bootstrap.parse_document(
        relay_document([{"type": "sse", "url": "/events"}], **MQTT)
    )

    assert parsed["relays"] == ["/events"]
    assert parsed["url"] == "wss://broker.example/mqtt"


def test_invalid_relay_entries_are_skipped(bootstrap):
    transports = [
        {"type": "sse", "url": "javascript:alert(1)"},
        {"type": "sse", "url": "//relay.example/events"},
        {"type": "sse"},
        {"type": "websocket", "url": "wss://other.example/"},
        "sse",
        {"type": "sse", "url": "http://127.0.0.1:8002/events"},
        {"type": "sse", "url": "http://127.0.0.1:8002/events"},
    ]

    parsed = bootstrap.parse_document(relay_document(transports, **MQTT))

    assert parsed["relays"] == ["http://127.0.0.1:8002/events"]


@pytest.mark.parametrize("transports", [[], None, "sse", [{"type": "sse", "url": "x"}]])
def test_no_usable_transport_names_missing_field(bootstrap, transports):
    with pytest.raises(bootstrap.BootstrapError, match="missing client_id"):
        bootstrap.parse_document(relay_document(transports))


def test_broken_iot_is_an_error_despite_relays(bootstrap):
    document = relay_document(
        [{"type": "sse", "url": "/events"}],
        client_id="viewer-1",
        iot={"topics": {"snapshot": "s", "updates": "u"}},
    )

    with pytest.raises(bootstrap.BootstrapError, match="missing url"):
        bootstrap.parse_document(document)


@pytest.mark.parametrize(
    ("url", "usable"),
    [
        ("https://relay.example/events", True),
        ("http://127.0.0.1:8002/events", True),
        ("/events", True),
        ("//relay.example/events", False),
        ("httpx://relay.example", False),
        ("events", False),
        ("", False),
        (None, False),
    ],
)
def test_is_relay_url(bootstrap, url, usable):
    assert bootstrap.is_relay_url(url) is usable
