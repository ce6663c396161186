"""site/filters.py and the fragment in site/selection.py: filters in the URL."""

import pytest
from page_support import ROOT, load_module

SITE = ROOT / "site"


@pytest.fixture(scope="module")
def filters():
    return load_module(SITE / "filters.py", "qh_site_filters")


@pytest.fixture(scope="module")
def selection():
    return load_module(SITE / "selection.py", "qh_site_selection_fragment")


def stream(stream_id, language="", tags=()):
    return {"id": stream_id, "language": language, "tags": list(tags)}


REGIONS = [
    {
        "id": "eu",
        "no_streams_text": "",
        "streams": [
            stream("a", "English", ["bo3"]),
            stream("b", "Русский", ["bo5", "final"]),
        ],
    },
    {"id": "cn", "no_streams_text": "Nothing", "streams": [stream("c", "english")]},
    {"id": "sa", "no_streams_text": "Empty", "streams": []},
]


@pytest.mark.parametrize(
    ("language", "tag", "expected"),
    [
        (None, None, ["a", "b", "c"]),
        ("English", None, ["a", "c"]),
        ("ENGLISH", None, ["a", "c"]),
        (None, "final", ["b"]),
        ("English", "bo3", ["a"]),
        ("English", "final", []),
    ],
)
def test_filter_regions(filters, language, tag, expected):
    shown = filters.filter_regions(REGIONS, {"language": language, "tag": tag})

    assert [item["id"] for region in shown for item in region["streams"]] == expected


def test_filtered_out_region_says_so(filters):
    shown = filters.filter_regions(REGIONS, {"language": "Deutsch", "tag": None})

    assert shown[0]["no_streams_text"] == filters.NO_MATCH_TEXT
    assert shown[2]["no_streams_text"] == "Empty"
    assert REGIONS[0]["streams"]  # the input is left alone


def test_choices_are_unique_and_sorted(filters):
    assert filters.languages(REGIONS) == ["English", "Русский"]
    assert filters.tags(REGIONS) == ["bo3", "bo5", "final"]


def test_from_params_ignores_other_keys(filters):
    assert filters.from_params({"tag": "bo3", "rotate": "5"}) == {
        "language": None,
        "tag": "bo3",
    }


@pytest.mark.parametrize(
    ("fragment", "region", "params"),
    [
        ("#europe", "europe", {}),
        ("#europe&language=English", "europe", {"language": "English"}),
        ("#language=English&tag=bo3", None, {"language": "English", "tag": "bo3"}),
        ("#cis&language=%D0%A0%D1%83%D1%81", "cis", {"language": "Рус"}),
        ("#cis&language=", "cis", {}),
        ("#cis&language=%ZZ", "cis", {"language": "%ZZ"}),
        ("", None, {}),
        (None, None, {}),
    ],
    ids=[
        "region",
        "region-language",
        "filters-only",
        "encoded",
        "empty-value",
        "bad-escape",
        "empty",
        "none",
    ],
)
def test_parse_fragment(selection, fragment, region, params):
    assert selection.parse_fragment(fragment) == (region, params)


@pytest.mark.parametrize(
    ("region", "params"),
    [
        ("europe", {}),
        ("europe", {"language": "Português (BR)", "tag": "bo3"}),
        (None, {"language": "a&b=c#d"}),
    ],
)
def test_format_fragment_round_trips(selection, region, params):
    fragment = selection.format_fragment(region, params)

    assert selection.parse_fragment(fragment) == (region, params)
    assert fragment.count("#") == 1


def test_format_fragment_drops_unset_filters(selection):
    assert (
        selection.format_fragment("eu", {"language": None, "tag": "bo3"})
        == "#eu&tag=bo3"
    )
