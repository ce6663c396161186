import copy
import json

import pytest

from bridge.chain import Chain
from bridge.feed import Change, parse_entry
from model import delta as deltas

STATE = {
    "version": 5,
    "site": {"title": "Qualifier Hub", "event": "", "announcement": ""},
    "regions": [
        {
            "id": "europe",
            "title": "Europe",
            "order": 1,
            "no_streams_text": "",
            "streams": [
                {
                    "id": "alpha",
                    "name": "Alpha",
                    "url": "https://twitch.tv/alpha",
                    "info": "",
                    "score": [0, 0],
                    "language": "English",
                    "tags": [],
                },
            ],
        },
    ],
}


JAVASCRIPT = {"id": "forged", "name": "x", "url": "javascript:alert(1)"}


def score_change(version, score):
    stream = dict(STATE["regions"][0]["streams"][0], score=score)
    delta = {"from": version, "to": version + 1, "ops": [["stream", "europe", stream]]}
    return Change(f"{version + 1}-0", version, version + 1, delta)


def started_chain():
    chain = Chain()
    chain.restore(copy.deepcopy(STATE))
    return chain


def test_changes_coalesce_into_one_small_delta():
    chain = started_chain()

    rest = chain.add(
        [score_change(5, [1, 0]), score_change(6, [2, 0]), score_change(7, [3, 0])]
    )
    failed = chain.apply()

    assert rest == []
    assert failed == []
    delta = chain.delta()
    assert (delta["from"], delta["to"]) == (5, 8)
    assert len(delta["ops"]) == 1
    assert delta["ops"][0][2]["score"] == [3, 0]
    assert deltas.apply(STATE, delta) == chain.current


def test_known_changes_are_only_kept_for_acknowledgement():
    chain = started_chain()
    chain.add([score_change(5, [1, 0])])

    rest = chain.add([score_change(4, [9, 9]), score_change(5, [1, 0])])
    chain.apply()

    assert rest == []
    assert chain.version == 6
    assert chain.entry_ids == ["5-0", "6-0", "6-0"]


def test_gap_returns_changes_from_gap_on():
    chain = started_chain()
    later = [score_change(7, [2, 0]), score_change(8, [3, 0])]

    rest = chain.add([score_change(5, [1, 0]), *later])

    assert rest == later
    assert chain.version == 6


def test_reset_keeps_waiting_entries_for_acknowledgement():
    chain = started_chain()
    chain.add([score_change(5, [1, 0])])
    newer = dict(copy.deepcopy(STATE), version=9)

    chain.reset(newer)

    assert chain.version == 9
    assert chain.run == []
    assert chain.entry_ids == ["6-0"]


def test_unreadable_entry_is_skipped():
    chain = started_chain()
    trimmed = parse_entry("6-0", None)
    real = score_change(5, [1, 0])

    rest = chain.add([trimmed, real])

    assert rest == []
    assert chain.version == 6
    assert chain.entry_ids == ["6-0"]
    assert chain.run == [real]


def test_change_after_lost_entry_is_gap():
    chain = started_chain()
    after = score_change(6, [2, 0])

    rest = chain.add([parse_entry("6-0", None), after])

    assert rest == [after]
    assert chain.version == 5


def test_change_for_missing_region_is_not_applied():
    chain = started_chain()
    bad = Change(
        "6-0", 5, 6, {"from": 5, "to": 6, "ops": [["stream-", "mars", "alpha"]]}
    )

    rest = chain.add([bad])
    failed = chain.apply()

    assert rest == []
    assert failed == [bad]
    assert chain.current == STATE


def test_mark_published_moves_entries_to_acknowledge():
    chain = started_chain()
    chain.add([score_change(5, [1, 0])])
    chain.apply()

    chain.mark_published()

    assert chain.published_version == 6
    assert not chain.pending
    assert chain.acks_due == ["6-0"]
    assert chain.entry_ids == []


def test_parse_entry_reads_store_fields():
    fields = {"from": "5", "to": "6", "delta": '{"from": 5, "to": 6, "ops": []}'}

    change = parse_entry(b"6-0", fields)

    assert change == Change("6-0", 5, 6, {"from": 5, "to": 6, "ops": []})


def test_parse_entry_with_mismatched_versions_is_unreadable():
    fields = {"from": "5", "to": "6", "delta": '{"from": 4, "to": 6, "ops": []}'}

    change = parse_entry("6-0", fields)

    assert change.delta is None
    assert (change.start, change.end) == (5, 6)


def test_parse_entry_normalises_valid_operations():
    stream = {"id": "alpha", "name": "Alpha", "url": "twitch.tv/alpha"}
    delta = {"from": 5, "to": 6, "ops": [["stream", "europe", stream]]}
    fields = {b"from": b"5", b"to": b"6", b"delta": json.dumps(delta).encode()}

    change = parse_entry(b"6-0", fields)

    assert change.delta["ops"][0][2]["url"] == "https://twitch.tv/alpha"
    assert change.delta["ops"][0][2]["score"] == [0, 0]


@pytest.mark.parametrize(
    "raw_delta",
    [
        json.dumps({"from": 5, "to": 6, "ops": [["stream", "europe", JAVASCRIPT]]}),
        json.dumps({"from": 5, "to": 6, "ops": [["stream", "europe", {"id": "x"}]]}),
        json.dumps({"from": 5, "to": 6, "ops": [["site", "not a site"]]}),
        json.dumps({"from": 5, "to": 6, "ops": [[["unhashable"], 1]]}),
        json.dumps({"from": 5, "to": 6, "ops": {}}),
        "null",
        "[" * 100_000 + "]" * 100_000,
        b"\xff\xfe{}",
    ],
    ids=[
        "javascript-url",
        "missing-fields",
        "wrong-type",
        "unhashable-kind",
        "ops-not-list",
        "null",
        "deeply-nested",
        "not-utf8",
    ],
)
def test_parse_entry_rejects_malformed_delta(raw_delta, caplog):
    fields = {b"from": b"5", b"to": b"6", b"delta": raw_delta}

    change = parse_entry(b"6-0", fields)

    assert change.delta is None
    assert "change feed entry 6-0 is malformed and will be skipped" in caplog.text
