"""site/overlay.py, site/tabs.py and site/announce.py: the parts without a browser."""

import asyncio
import sys

import pytest
from page_support import ROOT, load_module, run_coroutine

SITE = ROOT / "site"


@pytest.fixture
def overlay(monkeypatch):
    selection = load_module(SITE / "selection.py", "qh_site_selection_overlay")
    monkeypatch.setitem(sys.modules, "selection", selection)
    return load_module(SITE / "overlay.py", "qh_site_overlay")


@pytest.fixture(scope="module")
def tabs():
    return load_module(SITE / "tabs.py", "qh_site_tabs")


@pytest.fixture(scope="module")
def announce():
    return load_module(SITE / "announce.py", "qh_site_announce")


def test_query_sets_every_option(overlay):
    warnings = []
    query = "?rotate=15&regions=europe,cis&hide=header,footer&compact&transparent=1"

    settings = overlay.settings_from_query(query, warnings.append)

    assert settings == {
        "rotate": 15,
        "regions": ["europe", "cis"],
        "hide_header": True,
        "hide_footer": True,
        "compact": True,
        "transparent": True,
    }
    assert warnings == []


@pytest.mark.parametrize(
    ("query", "warning"),
    [
        ("?rotate=soon", "invalid overlay option rotate='soon': seconds from 0"),
        ("?rotate=-5", "invalid overlay option rotate='-5'"),
        ("?rotate=99999", "to 3600"),
        ("?compact=maybe", "invalid overlay option compact='maybe': 1 or 0"),
        ("?hide=sidebar", "invalid overlay option hide='sidebar'"),
    ],
)
def test_bad_query_value_is_named_and_ignored(overlay, query, warning):
    warnings = []

    settings = overlay.settings_from_query(query + "&compact=0", warnings.append)

    assert len(warnings) == 1
    assert warning in warnings[0]
    assert "rotate" not in settings or settings["rotate"] in range(3601)


def test_query_beats_saved_beats_default(overlay):
    saved = overlay.clean_saved({"rotate": 30, "compact": True, "bogus": 1})

    settings = overlay.merge_settings(saved, {"rotate": 5})

    assert settings["rotate"] == 5
    assert settings["compact"] is True
    assert settings["transparent"] is False
    assert "bogus" not in settings


def test_clean_saved_drops_wrong_types(overlay):
    assert overlay.clean_saved({"rotate": "5", "regions": [1], "compact": "yes"}) == {}
    assert overlay.clean_saved("not a dict") == {}


def test_rotation_order_and_next(overlay):
    settings = overlay.merge_settings({}, {"regions": ["cn", "eu", "gone"]})
    order = overlay.rotation_order(settings, ["eu", "na", "cn"], ["na"])

    assert order == ["eu", "cn"]
    assert overlay.next_region(order, "eu") == "cn"
    assert overlay.next_region(order, "cn") == "eu"
    assert overlay.next_region(order, "na") == "eu"
    assert overlay.next_region([], "eu") is None
    default = overlay.merge_settings({}, {})
    assert overlay.rotation_order(default, ["eu", "na"], ["na"]) == ["na"]


def test_key_sequence_needs_keys_in_time(overlay):
    now = [0.0]
    keys = overlay.KeySequence("obs", timeout=2, clock=lambda: now[0])

    assert [keys.push(key) for key in "xoBs"] == [False, False, False, True]
    assert not keys.push("s")
    keys.push("o")
    keys.push("b")
    now[0] = 10.0
    assert not keys.push("s")


@pytest.mark.parametrize(
    ("key", "index", "expected"),
    [
        ("ArrowRight", 0, 1),
        ("ArrowRight", 2, 0),
        ("ArrowLeft", 0, 2),
        ("Home", 2, 0),
        ("End", 0, 2),
        ("ArrowDown", 1, None),
    ],
)
def test_tab_key_moves(tabs, key, index, expected):
    assert tabs.next_index(key, index, 3) == expected


def test_merge_keeps_latest_items(announce):
    assert announce.merge(["a", "b"]) == "a. b"
    assert announce.merge(["a", "b", "c", "d", "e"]) == "c. d. e. 2 more changes"


class Element:
    textContent = ""


def test_announcer_rate_limits_and_merges(announce):
    async def scenario():
        now = [100.0]
        element = Element()
        announcer = announce.Announcer(element, min_interval=0.2, clock=lambda: now[0])
        announcer.announce_all(["EU: A 1 – 0"])
        first = element.textContent
        now[0] += 0.05
        announcer.announce_all(["EU: A 2 – 0"])
        announcer.announce_all(["EU: B 0 – 1"])
        held = element.textContent
        now[0] += 0.2
        await asyncio.sleep(0.3)
        return first, held, element.textContent

    first, held, later = run_coroutine(scenario())

    assert first == "EU: A 1 – 0"
    assert held == "EU: A 1 – 0"
    assert later == "EU: A 2 – 0. EU: B 0 – 1"


def test_pending_change_replaces_same_stream(announce):
    pending = announce.PendingItems()
    pending.add(("eu", "a"), "EU: A 1 – 0")
    pending.add(("eu", "b"), "EU: B 0 – 1")
    pending.add(("eu", "a"), "EU: A 2 – 0")

    assert pending.take() == ["EU: B 0 – 1", "EU: A 2 – 0"]
    assert len(pending) == 0


def test_pending_same_stream_id_other_region(announce):
    pending = announce.PendingItems()
    pending.add(("eu", "a"), "EU: A 1 – 0")
    pending.add(("na", "a"), "NA: A 0 – 1")

    assert pending.take() == ["EU: A 1 – 0", "NA: A 0 – 1"]


def test_pending_texts_without_key_all_kept(announce):
    pending = announce.PendingItems()
    pending.add(None, "Live updates interrupted, reconnecting.")
    pending.add(None, "Live updates on.")
    pending.retain(set())

    assert pending.take() == [
        "Live updates interrupted, reconnecting.",
        "Live updates on.",
    ]


def test_pending_retain_drops_gone_streams(announce):
    pending = announce.PendingItems()
    pending.add(("eu", "a"), "EU: A 1 – 0")
    pending.add(None, "Live updates paused.")
    pending.add(("eu", "b"), "EU: B 0 – 1")
    pending.retain({("eu", "b"), ("eu", "c")})

    assert pending.take() == ["Live updates paused.", "EU: B 0 – 1"]


def test_replaced_change_counts_as_latest(announce):
    pending = announce.PendingItems()
    for stream_id in "abcd":
        pending.add(("eu", stream_id), "EU: " + stream_id.upper() + " 1 – 0")
    pending.add(("eu", "a"), "EU: A 2 – 0")

    text = announce.merge(pending.take())

    assert text == "EU: C 1 – 0. EU: D 1 – 0. EU: A 2 – 0. 1 more changes"


def run_announcer(announce, steps):
    """Announce one change, run `steps(announcer)`, then let the 0.2 s interval pass.

    Returns the element's text after the first announcement, right after `steps`
    and once the interval is over.
    """

    async def scenario():
        now = [100.0]
        element = Element()
        announcer = announce.Announcer(element, min_interval=0.2, clock=lambda: now[0])
        announcer.announce_changes([(("eu", "a"), "EU: A 1 – 0")])
        first = element.textContent
        now[0] += 0.05
        steps(announcer)
        during_interval = element.textContent
        now[0] += 0.2
        await asyncio.sleep(0.3)
        return first, during_interval, element.textContent

    return run_coroutine(scenario())


def test_announcer_reads_latest_score_only(announce):
    def steps(announcer):
        announcer.announce_changes([(("eu", "a"), "EU: A 2 – 0")])
        announcer.announce_changes(
            [(("eu", "b"), "EU: B 0 – 1"), (("eu", "a"), "EU: A 3 – 0")]
        )

    first, during_interval, after_interval = run_announcer(announce, steps)

    assert first == "EU: A 1 – 0"
    assert during_interval == "EU: A 1 – 0"
    assert after_interval == "EU: B 0 – 1. EU: A 3 – 0"


def test_announcer_skips_removed_stream(announce):
    def steps(announcer):
        announcer.announce_changes(
            [(("eu", "a"), "EU: A 2 – 0"), (("eu", "b"), "EU: B 0 – 1")]
        )
        announcer.retain_streams({("eu", "b")})

    first, during_interval, after_interval = run_announcer(announce, steps)

    assert first == "EU: A 1 – 0"
    assert during_interval == "EU: A 1 – 0"
    assert after_interval == "EU: B 0 – 1"


def test_announcer_keeps_status_when_streams_gone(announce):
    def steps(announcer):
        announcer.announce_changes([(("eu", "b"), "EU: B 0 – 1")])
        announcer.announce_all(["Live updates paused."])
        announcer.retain_streams(set())

    first, during_interval, after_interval = run_announcer(announce, steps)

    assert first == "EU: A 1 – 0"
    assert during_interval == "EU: A 1 – 0"
    assert after_interval == "Live updates paused."


def test_announcer_silent_when_all_removed(announce):
    def steps(announcer):
        announcer.announce_changes([(("eu", "b"), "EU: B 0 – 1")])
        announcer.retain_streams({("eu", "a")})

    first, during_interval, after_interval = run_announcer(announce, steps)

    assert first == "EU: A 1 – 0"
    assert during_interval == "EU: A 1 – 0"
    assert after_interval == "EU: A 1 – 0"
