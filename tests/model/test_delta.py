import json
import random

import pytest

from model import edits
from model.delta import apply, diff, make_delta
from model.errors import ValidationError, VersionError
from model.messages import check_message, decode, delta_message, encode
from model.replica import APPLIED, DUPLICATE, GAP, SNAPSHOT, STALE, Replica
from model.validate import validate_state

BASE = validate_state(
    {
        "site": {"title": "Hub"},
        "regions": [
            {
                "id": "eu",
                "title": "EU",
                "order": 1,
                "streams": [
                    {"name": f"s{index}", "url": f"twitch.tv/s{index}"}
                    for index in range(4)
                ],
            },
            {"id": "na", "title": "NA", "order": 2, "streams": []},
        ],
    }
)


def bumped(state, new):
    new["version"] = state["version"] + 1
    return new


def random_edit(state, rng):
    region = rng.choice(state["regions"])
    streams = region["streams"]
    choice = rng.randrange(6)
    if choice == 0 or not streams:
        name = f"n{rng.randrange(10**6)}"
        return edits.add_stream(
            state, region["id"], {"name": name, "url": f"twitch.tv/{name}"}
        )
    stream = rng.choice(streams)
    if choice == 1:
        return edits.remove_stream(state, region["id"], stream["id"])
    if choice == 2:
        return edits.move_stream(
            state, region["id"], stream["id"], rng.choice([-2, -1, 1, 3])
        )
    if choice == 3:
        return edits.upsert_region(
            state, {"id": region["id"], "title": "T", "order": rng.randrange(5)}
        )
    if choice == 4:
        return edits.set_site(state, {"event": f"day {rng.randrange(9)}"})
    return edits.bump_score(state, region["id"], stream["id"], rng.randrange(2))


def test_apply_diff_round_trip_on_random_edits():
    rng = random.Random(7)
    state = BASE
    for _ in range(300):
        new = bumped(state, random_edit(state, rng))
        before = json.loads(json.dumps(state))
        assert apply(state, make_delta(state, new)) == new
        assert state == before
        state = new


def test_apply_shares_untouched_regions():
    new = bumped(BASE, edits.bump_score(BASE, "eu", "s1", 0))
    applied = apply(BASE, make_delta(BASE, new))
    old_eu, old_na = BASE["regions"]
    eu, na = applied["regions"]
    assert na is old_na
    assert eu is not old_eu
    assert eu["streams"][0] is old_eu["streams"][0]
    assert eu["streams"][1] != old_eu["streams"][1]


def test_failed_apply_leaves_state_unchanged():
    before = json.loads(json.dumps(BASE))
    delta = {
        "from": BASE["version"],
        "to": BASE["version"] + 1,
        "ops": [["stream-", "eu", "s0"], ["stream-", "missing", "s1"]],
    }
    with pytest.raises(VersionError):
        apply(BASE, delta)
    assert BASE == before


def test_region_add_and_remove_round_trip():
    added = bumped(
        BASE, edits.upsert_region(BASE, {"id": "cis", "title": "CIS", "order": 0})
    )
    removed = bumped(added, edits.remove_region(added, "eu"))
    assert apply(BASE, make_delta(BASE, added)) == added
    assert apply(added, make_delta(added, removed)) == removed
    assert make_delta(added, removed)["ops"] == [["region-", "eu"]]


def test_one_stream_edit_delta_is_small():
    new = bumped(BASE, edits.update_stream(BASE, "eu", "s1", {"info": "x" * 300}))
    delta = make_delta(BASE, new)
    assert len(delta["ops"]) == 1
    assert len(encode(delta_message(delta)).encode()) < 1024


def test_apply_rejects_wrong_base_version():
    new = bumped(BASE, edits.remove_stream(BASE, "eu", "s0"))
    delta = make_delta(BASE, new)
    with pytest.raises(VersionError):
        apply(new, delta)


def test_diff_of_equal_states_is_empty():
    assert diff(BASE, json.loads(json.dumps(BASE))) == []


def test_replica_applies_in_order_and_detects_gaps():
    v1 = bumped(BASE, edits.remove_stream(BASE, "eu", "s0"))
    v2 = bumped(v1, edits.remove_stream(v1, "eu", "s1"))
    d1, d2 = make_delta(BASE, v1), make_delta(v1, v2)
    replica = Replica()

    assert replica.on_message(delta_message(d1)) == GAP
    assert (
        replica.on_message({"type": "snapshot", "version": 0, "state": BASE})
        == SNAPSHOT
    )
    assert replica.on_message(delta_message(d2)) == GAP
    assert replica.state == BASE
    assert replica.on_message(delta_message(d1)) == APPLIED
    assert replica.on_message(delta_message(d1)) == DUPLICATE
    assert replica.on_message(delta_message(d2)) == APPLIED
    assert replica.state == v2
    assert replica.on_message({"type": "snapshot", "version": 1, "state": v1}) == STALE
    assert replica.state == v2


def test_replica_rejects_delta_spanning_its_version():
    v1 = bumped(BASE, edits.remove_stream(BASE, "eu", "s0"))
    v2 = bumped(v1, edits.remove_stream(v1, "eu", "s1"))
    replica = Replica()
    replica.on_message({"type": "snapshot", "version": 1, "state": v1})
    coalesced = make_delta(BASE, v2)
    assert replica.on_message(delta_message(coalesced)) == GAP


def test_decode_checks_messages():
    new = bumped(BASE, edits.remove_stream(BASE, "eu", "s0"))
    message = delta_message(make_delta(BASE, new))
    assert decode(encode(message)) == message
    for bad in [
        "{",
        "[]",
        '{"type": "x"}',
        '{"type": "delta", "from": 2, "to": 1, "ops": []}',
        (
            '{"type": "delta", "from": 0, "to": 1, "ops": [["stream", "eu", {"name": "x",'
            ' "url": "javascript:1"}]]}'
        ),
        '{"type": "delta", "from": 0, "to": 1, "ops": [["explode"]]}',
        '{"type": "snapshot", "version": 1, "state": {"site": {}}}',
    ]:
        with pytest.raises(ValidationError):
            decode(bad)


def test_check_message_cleans_snapshot_state():
    message = check_message({"type": "snapshot", "version": 3, "state": BASE})
    assert message["state"]["version"] == 3
