import json

import pytest

from bridge.errors import PayloadTooLarge
from bridge.payload import delta_payload, snapshot_payload

STATE = {"version": 7, "site": {"title": "Qualifier Hub"}, "regions": []}


def test_snapshot_payload_is_snapshot_message():
    payload = snapshot_payload(STATE, 1024)

    assert json.loads(payload) == {"type": "snapshot", "version": 7, "state": STATE}


def test_oversized_payload_names_version_and_size():
    delta = {"from": 6, "to": 7, "ops": [["site", {"title": "x" * 2000}]]}

    with pytest.raises(PayloadTooLarge) as caught:
        delta_payload(delta, 1024)

    assert caught.value.version == 7
    assert caught.value.size > 2000
    assert "delta message for version 7 is" in str(caught.value)
    assert "over the 1024-byte payload limit" in str(caught.value)


def test_limit_counts_utf8_bytes_not_characters():
    state = dict(STATE, site={"title": "é" * 600})

    with pytest.raises(PayloadTooLarge):
        snapshot_payload(state, 1024)
