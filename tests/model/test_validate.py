import copy
import json
from pathlib import Path

import pytest

from model import limits
from model.errors import ValidationError
from model.validate import validate_state, validate_stream

DEMO = Path(__file__).parents[2] / "stack" / "demo" / "qualifier-day.snapshot.json"

STATE = {
    "site": {"title": "Qualifier Hub", "event": "Day 2", "announcement": ""},
    "regions": [
        {
            "id": "sea",
            "title": "SEA",
            "order": 5,
            "no_streams_text": "None",
            "streams": [],
        },
        {
            "id": "europe",
            "title": "Europe",
            "order": 2,
            "streams": [
                {
                    "name": "Alpha",
                    "url": "twitch.tv/alpha",
                    "info": "*hi*",
                    "score": [1, 2],
                    "language": "English",
                    "tags": ["Bo3", "bo3", "LAN"],
                },
            ],
        },
    ],
}


def test_validate_sorts_regions_and_fills_defaults():
    state = validate_state(STATE)
    assert [region["id"] for region in state["regions"]] == ["europe", "sea"]
    stream = state["regions"][0]["streams"][0]
    assert stream["id"] == "alpha"
    assert stream["url"] == "https://twitch.tv/alpha"
    assert stream["tags"] == ["bo3", "lan"]
    assert state["version"] == 0


def test_validate_accepts_the_demo_snapshot():
    state = validate_state(json.loads(DEMO.read_text()))
    assert len(state["regions"]) == 6


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("regions", 1, "streams", 0, "score"), [1], "score"),
        (("regions", 1, "streams", 0, "score"), [1, -1], "score[1]"),
        (("regions", 1, "streams", 0, "score"), [True, 0], "score[0]"),
        (("regions", 1, "streams", 0, "score"), [100, 0], "score[0]"),
        (("regions", 1, "streams", 0, "name"), " ", "name"),
        (("regions", 1, "streams", 0, "name"), "x" * 65, "name"),
        (("regions", 1, "streams", 0, "url"), "javascript:alert(1)", "url"),
        (("regions", 1, "streams", 0, "info"), "x" * 301, "info"),
        (("regions", 1, "streams", 0, "language"), 5, "language"),
        (("regions", 1, "streams", 0, "tags"), ["a"] * 7, "tags"),
        (("regions", 1, "id"), "Europe", "id"),
        (("regions", 1, "id"), "eu--rope", "id"),
        (("regions", 1, "order"), "2", "order"),
        (("regions", 1, "title"), "", "title"),
        (("site", "title"), None, "title"),
    ],
)
def test_validate_names_the_bad_field(path, value, field):
    state = copy.deepcopy(STATE)
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as caught:
        validate_state(state)
    assert caught.value.name == field.split("[")[0]
    assert field in caught.value.field


def test_validate_rejects_unknown_fields():
    with pytest.raises(ValidationError, match="onclick.*unknown field"):
        validate_stream({"name": "a", "url": "twitch.tv/a", "onclick": "x"})


def test_validate_rejects_duplicate_names_and_ids():
    state = copy.deepcopy(STATE)
    streams = state["regions"][1]["streams"]
    streams.append(dict(streams[0], name="ALPHA"))
    with pytest.raises(ValidationError, match="name"):
        validate_state(state)
    state["regions"].append(dict(state["regions"][0]))
    state["regions"][1]["streams"].pop()
    with pytest.raises(ValidationError, match="regions.*unique id"):
        validate_state(state)


def test_validate_gives_colliding_names_distinct_ids():
    streams = [
        {"name": "A b", "url": "twitch.tv/a"},
        {"name": "a-b", "url": "twitch.tv/b"},
    ]
    state = validate_state(
        {
            "site": {"title": "t"},
            "regions": [{"id": "x", "title": "X", "streams": streams}],
        }
    )
    assert [s["id"] for s in state["regions"][0]["streams"]] == ["a-b", "a-b-2"]


def test_validate_enforces_the_byte_budget():
    streams = [
        {
            "name": f"caster{index}",
            "url": f"twitch.tv/{'x' * 200}{index}",
            "info": "é" * limits.STREAM_INFO_MAX,
            "language": "English",
        }
        for index in range(limits.STREAMS_PER_REGION_MAX)
    ]
    regions = [
        {"id": f"r{index}", "title": "R", "streams": streams} for index in range(3)
    ]
    with pytest.raises(ValidationError, match="state.*bytes"):
        validate_state({"site": {"title": "t"}, "regions": regions})


def test_validate_rejects_wrong_top_level_types():
    with pytest.raises(ValidationError, match="state"):
        validate_state([])
    with pytest.raises(ValidationError, match="regions"):
        validate_state({"site": {"title": "t"}, "regions": "x"})
