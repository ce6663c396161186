"""site/selection.py: which region the page shows."""

import pytest


@pytest.fixture
def selection(site_modules):
    return site_modules["selection"]


def region(region_id, streams=0):
    return {"id": region_id, "streams": [{"id": str(n)} for n in range(streams)]}


REGIONS = [region("quiet"), region("busy", 2), region("later", 1)]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ((), "busy"),
        (("later",), "later"),
        (("quiet",), "quiet"),
        (("gone", "later"), "later"),
        (("gone", None), "busy"),
        ((None, "quiet"), "quiet"),
    ],
    ids=[
        "no-link",
        "linked",
        "linked-empty",
        "linked-gone-keeps-shown",
        "all-gone",
        "shown",
    ],
)
def test_choose_region(selection, wanted, expected):
    assert selection.choose_region(REGIONS, wanted) == expected


def test_choose_region_all_empty_takes_first(selection):
    assert selection.choose_region([region("a"), region("b")]) == "a"


def test_choose_region_without_regions(selection):
    assert selection.choose_region([], ("a",)) is None


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("#europe", "europe"),
        ("europe", "europe"),
        ("#", None),
        ("", None),
        (None, None),
    ],
)
def test_region_from_hash(selection, fragment, expected):
    assert selection.region_from_hash(fragment) == expected
