"""GET /events?last_event_id=N: resuming from a version without the header."""

from conftest import add_stream
from relay_support import assert_converged, open_stream


def test_query_resumes_from_version(store, start_relay):
    relay = start_relay()
    client = open_stream(relay)
    assert_converged(client, store)
    seen = client.replica.version
    client.close()
    add_stream(store, "sea", "NovaWard")

    resumed = open_stream(relay, path=f"/events?last_event_id={seen}")
    event = resumed.next_event()

    assert event.kind == "delta"
    assert event.message()["from"] == seen
    assert event.id == str(store.read()["version"])
    resumed.close()


def test_header_wins_over_query(store, start_relay):
    relay = start_relay()
    version = store.read()["version"]
    client = open_stream(
        relay,
        path="/events?last_event_id=1",
        headers={"Last-Event-ID": str(version)},
    )
    add_stream(store, "europe", "Delta")

    event = client.next_event()

    assert event.kind == "delta"
    assert event.message()["from"] == version
    client.close()


def test_invalid_query_gets_snapshot(store, start_relay):
    relay = start_relay()
    version = store.read()["version"]

    for value in ("not-a-version", "-1", "", str(version + 100)):
        client = open_stream(relay, path=f"/events?last_event_id={value}")
        event = client.next_event()
        assert event.kind == "snapshot", value
        assert event.id == str(version), value
        client.close()
