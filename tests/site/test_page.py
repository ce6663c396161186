"""The viewer page in Chromium against the whole local stack.

Redis stores the state, the bridge publishes it to Mosquitto, and the gateway serves
the built page and runs the bootstrap function (with STS from moto).
"""

import json

import pytest
from page_support import ROOT, expected_regions, wait_until

from model import edits

pytestmark = pytest.mark.browser


def test_first_render_matches_redis(open_page, publish):
    demo = json.loads((ROOT / "stack/demo/qualifier-day.snapshot.json").read_text())
    demo["site"]["announcement"] = "Day 2 starts at 18:00"
    stored = publish(demo)

    probe = open_page()
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    assert probe.regions() == expected_regions(stored, _first_with_streams(stored))
    assert probe.page.text_content("#site-title") == stored["site"]["title"]
    assert probe.page.text_content("#announcement") == "Day 2 starts at 18:00"
    assert probe.page.title() == stored["site"]["title"]


def test_edit_reaches_two_pages(open_page, publish, store, regions_state):
    base = publish(regions_state)
    pages = [open_page(), open_page("#bravo")]
    for probe in pages:
        probe.wait_status("live")
        probe.wait_version(base["version"])

    changed = store.apply(
        lambda state: edits.update_stream(
            state, "bravo", "bravocaster", {"score": [2, 1], "info": "*Game 3*"}
        ),
        user="site-tests",
        action="update",
    )

    for probe in pages:
        probe.wait_version(changed["version"])
        card = probe.page.locator('#region-bravo li[data-stream="bravocaster"]')
        assert card.locator(".score").text_content() == "2 – 1"
        assert card.locator(".info em").text_content() == "Game 3"
    assert len(pages[0].bootstrap_calls()) == 1


def test_tabs_follow_clicks_and_reload(open_page, publish, regions_state):
    stored = publish(regions_state)
    probe = open_page()
    probe.wait_version(stored["version"])
    assert _selected(probe) == "bravo"

    probe.page.click("#tab-charlie")

    assert wait_until(probe.page, lambda: _selected(probe) == "charlie")
    assert probe.page.evaluate("location.hash") == "#charlie"
    assert probe.page.is_visible("#region-charlie")
    assert not probe.page.is_visible("#region-bravo")

    probe.page.reload()
    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert _selected(probe) == "charlie"


def test_deep_link_shows_empty_region_text(open_page, publish, regions_state):
    stored = publish(regions_state)
    probe = open_page("#alpha")
    # The prerendered page may already show this version, with the first region
    # with streams selected: only Python applies the fragment.
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    assert _selected(probe) == "alpha"
    assert probe.page.text_content("#region-alpha .empty") == "Nothing in Alpha yet."
    assert probe.page.is_visible("#region-alpha .empty")


def test_unknown_link_falls_back_to_streams(open_page, publish, regions_state):
    stored = publish(regions_state)
    probe = open_page("#no-such-region")
    probe.wait_version(stored["version"])

    assert _selected(probe) == "bravo"


def test_all_empty_selects_first_region(open_page, publish, regions_state):
    state = edits.remove_stream(regions_state, "bravo", "bravocaster")
    stored = publish(edits.remove_stream(state, "charlie", "charliecaster"))
    probe = open_page()
    probe.wait_version(stored["version"])

    assert _selected(probe) == "alpha"
    assert probe.page.text_content("#region-bravo .empty") == "No streams right now."


def test_removed_region_falls_back(open_page, publish, store, regions_state):
    stored = publish(regions_state)
    probe = open_page("#charlie")
    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert _selected(probe) == "charlie"

    changed = store.apply(
        lambda state: edits.remove_region(state, "charlie"),
        user="site-tests",
        action="remove",
    )

    probe.wait_version(changed["version"])
    assert _selected(probe) == "bravo"
    assert probe.page.query_selector("#region-charlie") is None
    assert probe.page.query_selector("#tab-charlie") is None


def test_hostile_text_stays_text(open_page, publish, regions_state):
    hostile = {
        "name": "<img src=x onerror=alert(1)>",
        "url": "https://twitch.tv/x",
        "info": (
            "[a](javascript:alert(2)) [b](&#106;avascript:alert(3)) "
            '**<script>alert(4)</script>** [c](https://example.com/"onmouseover="alert(5))'
        ),
        "language": "<svg onload=alert(6)>",
    }
    state = edits.add_stream(regions_state, "bravo", hostile)
    state = edits.set_site(state, {"title": "<iframe src=javascript:alert(7)>"})
    stored = publish(state)

    probe = open_page("#bravo")
    probe.wait_version(stored["version"])

    for element in probe.elements():
        assert element["tag"] not in {"script", "img", "svg", "iframe"}, element
        for name, value in element["attributes"]:
            assert not name.startswith("on"), element
            if name == "href":
                assert value.startswith(("https://", "http://", "#")), element
    card = probe.page.locator('li[data-stream="img-src-x-onerror-alert-1"]')
    assert card.locator(".name").text_content() == hostile["name"]
    assert card.locator(".language").text_content() == hostile["language"]
    assert "<script>alert(4)</script>" in card.locator(".info").text_content()
    assert probe.page.text_content("#site-title") == "<iframe src=javascript:alert(7)>"
    assert probe.page.evaluate("window.__qhAlerts") == []


def test_page_requests_stay_on_loopback(open_page, publish, regions_state):
    stored = publish(regions_state)
    probe = open_page()
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    assert probe.requests
    assert probe.foreign_requests() == []
    assert probe.failed_responses == []
    assert probe.console_errors == []
    pyscript_files = [url for url in probe.requests if "/assets/pyscript/" in url]
    assert len(pyscript_files) == 3, pyscript_files
    # A preload hint that does not match the later request makes the browser fetch twice.
    assets = [url for url in probe.requests if "/assets/" in url]
    assert len(assets) == len(set(assets))


def _selected(probe):
    tabs = probe.page.eval_on_selector_all(
        "#tabs [aria-selected='true']",
        "(tabs) => tabs.map((tab) => tab.dataset.region)",
    )
    visible = probe.page.eval_on_selector_all(
        "#regions > section:not([hidden])",
        "(panels) => panels.map((p) => p.dataset.region)",
    )
    if len(tabs) != 1 or tabs != visible:
        return None
    return tabs[0]


def _first_with_streams(state):
    for region in state["regions"]:
        if region["streams"]:
            return region["id"]
    return state["regions"][0]["id"]
