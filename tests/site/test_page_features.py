"""The viewer page in Chromium: prerendered first paint, preload, saved state,
filters, keyboard tabs, highlights and announcements."""

import json
import time
import uuid

import pytest
from page_support import wait_until

from model import edits

pytestmark = pytest.mark.browser

# Counts changes to the children of the tabs and the regions after the HTML parsed.
COUNT_MUTATIONS = """
window.__qhMutations = 0;
document.addEventListener("DOMContentLoaded", () => {
  const count = (records) => { window.__qhMutations += records.length; };
  for (const id of ["tabs", "regions"]) {
    new MutationObserver(count).observe(
      document.getElementById(id), {childList: true, subtree: true, characterData: true});
  }
});
"""


def tagged_state(regions_state):
    """The three demo regions with languages and tags, and a unique event name.

    The unique name makes every publish a new version, so the prerender service
    writes the page again.
    """
    state = edits.set_site(regions_state, {"event": "run " + uuid.uuid4().hex[:8]})
    state = edits.update_stream(
        state, "bravo", "bravocaster", {"language": "English", "tags": ["bo3"]}
    )
    state = edits.add_stream(
        state,
        "bravo",
        {
            "name": "RuCaster",
            "url": "twitch.tv/ru",
            "language": "Русский",
            "tags": ["bo5", "final"],
        },
    )
    return edits.update_stream(
        state, "charlie", "charliecaster", {"language": "English", "tags": ["final"]}
    )


def wait_for_prerender(site_stack, version, timeout=15):
    marker = f'data-version="{version}"'
    deadline = time.monotonic() + timeout
    while marker not in (site_stack.dist / "index.html").read_text():
        assert time.monotonic() < deadline, f"no prerendered page at version {version}"
        time.sleep(0.05)


def visible_streams(probe, region_id):
    return probe.page.eval_on_selector_all(
        f"#region-{region_id} li.stream",
        "cards => cards.map(card => card.dataset.stream)",
    )


def selected(probe):
    return probe.page.get_attribute('[role="tab"][aria-selected="true"]', "data-region")


def test_prerendered_page_is_adopted_unchanged(
    open_page, publish, site_stack, regions_state
):
    stored = publish(tagged_state(regions_state))
    wait_for_prerender(site_stack, stored["version"])
    probe = open_page(goto=False)
    probe.page.add_init_script(COUNT_MUTATIONS)
    probe.open()

    probe.wait_status("live")
    probe.page.wait_for_function("window.__qhPythonDone")

    assert probe.page.evaluate("window.__qhMutations") == 0
    assert probe.page.get_attribute("#regions", "data-version") == str(
        stored["version"]
    )
    assert visible_streams(probe, "bravo") == ["bravocaster", "rucaster"]


def test_bootstrap_call_comes_from_preload(open_page, publish, regions_state):
    publish(tagged_state(regions_state))
    probe = open_page(goto=False)
    cdp = probe.context.new_cdp_session(probe.page)
    cdp.send("Network.enable")
    initiators = []

    def on_request(event):
        if "/api/bootstrap" in event["request"]["url"]:
            frames = event["initiator"].get("stack", {}).get("callFrames", [])
            initiators.append([frame["url"] for frame in frames])

    cdp.on("Network.requestWillBeSent", on_request)
    probe.open()

    probe.wait_status("live")

    # The inline script in the page's head, not Python (whose calls come from
    # PyScript and MicroPython under /assets/).
    assert len(initiators) == 1
    assert initiators[0]
    assert all("/assets/" not in url for url in initiators[0])
    assert len(probe.bootstrap_calls()) == 1
    assert probe.page.evaluate("window.qhBootstrap") is None


def test_newer_saved_state_shows_until_server(open_page, publish, regions_state):
    stored = publish(tagged_state(regions_state))
    saved = edits.add_stream(
        stored, "bravo", {"name": "SavedCaster", "url": "twitch.tv/saved"}
    )
    saved["version"] = stored["version"] + 1000
    held = []
    probe = open_page(goto=False)
    probe.page.add_init_script(
        f"localStorage.setItem('qh-state', {json.dumps(json.dumps(saved))})"
    )
    probe.page.route("**/api/bootstrap", lambda route: held.append(route))
    probe.open("#bravo")

    probe.wait_version(saved["version"])
    assert probe.page.is_visible("#saved-note")
    assert probe.page.is_visible('li[data-stream="savedcaster"]')
    assert probe.page.get_attribute("#status", "data-state") != "live"

    assert wait_until(probe.page, lambda: held)
    for route in held:
        route.continue_()
    probe.wait_status("live")
    probe.wait_version(stored["version"])
    assert not probe.page.is_visible("#saved-note")
    assert probe.page.query_selector('li[data-stream="savedcaster"]') is None
    kept = json.loads(probe.page.evaluate("localStorage.getItem('qh-state')"))
    assert kept["version"] == stored["version"]


def test_filters_follow_fragment_and_menus(open_page, publish, regions_state):
    publish(tagged_state(regions_state))
    probe = open_page("#bravo&language=English")
    probe.wait_status("live")

    assert visible_streams(probe, "bravo") == ["bravocaster"]
    assert probe.page.input_value("#filter-language") == "English"
    assert (
        probe.page.get_attribute("#tab-charlie", "href") == "#charlie&language=English"
    )

    probe.page.select_option("#filter-tag", "final")

    assert wait_until(probe.page, lambda: visible_streams(probe, "bravo") == [])
    assert probe.page.evaluate("location.hash") == "#bravo&language=English&tag=final"
    assert probe.page.text_content("#region-bravo .empty") == (
        "No streams in this region match the filters."
    )
    probe.page.click("#tab-charlie")
    assert wait_until(probe.page, lambda: selected(probe) == "charlie")
    assert visible_streams(probe, "charlie") == ["charliecaster"]

    probe.page.reload()
    probe.wait_status("live")
    assert selected(probe) == "charlie"
    assert probe.page.input_value("#filter-tag") == "final"
    assert probe.page.text_content("#tab-bravo .count") == "0"


def test_filter_picks_region_with_matches(open_page, publish, regions_state):
    publish(tagged_state(regions_state))
    probe = open_page("#tag=bo5")
    probe.wait_status("live")

    assert selected(probe) == "bravo"
    assert visible_streams(probe, "bravo") == ["rucaster"]


def test_tabs_follow_arrow_keys(open_page, publish, regions_state):
    publish(tagged_state(regions_state))
    probe = open_page("#bravo")
    probe.wait_status("live")
    probe.page.focus("#tab-bravo")

    steps = [
        ("ArrowRight", "charlie"),
        ("ArrowRight", "alpha"),
        ("ArrowLeft", "charlie"),
        ("Home", "alpha"),
        ("End", "charlie"),
    ]
    for key, expected in steps:
        probe.page.keyboard.press(key)
        assert wait_until(
            probe.page, lambda expected=expected: selected(probe) == expected
        )
        focused = probe.page.evaluate("document.activeElement.id")
        assert focused == "tab-" + expected
        assert probe.page.evaluate("location.hash") == "#" + expected
        assert probe.page.is_visible("#region-" + expected)
    roving = probe.page.eval_on_selector_all(
        '[role="tab"]', "tabs => tabs.map(tab => tab.getAttribute('tabindex'))"
    )
    assert roving == ["-1", "-1", "0"]


def test_tab_key_enters_and_leaves_tablist(open_page, publish, regions_state):
    publish(tagged_state(regions_state))
    probe = open_page("#charlie")
    probe.wait_status("live")
    probe.page.focus("#tab-charlie")

    probe.page.keyboard.press("Tab")

    assert probe.page.evaluate("document.activeElement.id") not in (
        "tab-alpha",
        "tab-bravo",
        "tab-charlie",
    )


def test_score_change_highlighted_and_announced(
    open_page, publish, store, regions_state, site_stack
):
    stored = publish(tagged_state(regions_state))
    # A page that opened on an older prerendered state would highlight every card
    # the first live state changes, before the edit below.
    wait_for_prerender(site_stack, stored["version"])
    probe = open_page("#bravo")
    probe.wait_status("live")

    changed = store.apply(
        lambda state: edits.update_stream(
            state, "bravo", "bravocaster", {"score": [2, 1]}
        ),
        user="site-tests",
        action="score",
    )

    probe.wait_version(changed["version"])
    card = probe.page.locator('li[data-stream="bravocaster"]')
    assert "changed" in card.get_attribute("class")
    other = probe.page.locator('li[data-stream="rucaster"]')
    assert "changed" not in other.get_attribute("class")
    # The highlight shows at once: the fade waits out its delay on the first keyframe.
    shadow = "element => getComputedStyle(element).boxShadow"
    assert "inset" in card.evaluate(shadow)
    assert other.evaluate(shadow) == "none"
    assert wait_until(
        probe.page,
        lambda: "Bravo: BravoCaster 2 – 1" in probe.page.text_content("#announcer"),
    )
    assert probe.page.get_attribute("#announcer", "aria-live") == "polite"
    assert probe.page.eval_on_selector_all("[aria-live]", "nodes => nodes.length") == 1


def commit_and_wait(store, probe, action, edit):
    """Commit `edit(state)` and wait until the page shows the new version."""
    changed = store.apply(edit, user="site-tests", action=action)
    probe.wait_version(changed["version"])


def set_bravo_score(store, probe, stream_id, score):
    commit_and_wait(
        store,
        probe,
        "score",
        lambda state: edits.update_stream(state, "bravo", stream_id, {"score": score}),
    )


def next_announcement(probe, previous):
    """Wait until the announcer shows a text other than `previous`, and return it."""

    def changed_text():
        text = probe.page.text_content("#announcer")
        return text if text != previous else None

    return wait_until(probe.page, changed_text)


def open_after_first_announcement(open_page, publish, store, regions_state):
    """Open #bravo live, set one score; return the probe and the announcement read."""
    publish(tagged_state(regions_state))
    probe = open_page("#bravo")
    probe.wait_status("live")
    set_bravo_score(store, probe, "bravocaster", [1, 0])
    return probe, next_announcement(probe, "")


def test_newer_score_replaces_pending_one(open_page, publish, store, regions_state):
    probe, first = open_after_first_announcement(
        open_page, publish, store, regions_state
    )

    set_bravo_score(store, probe, "bravocaster", [2, 0])
    set_bravo_score(store, probe, "bravocaster", [3, 0])
    during_interval = probe.page.text_content("#announcer")

    assert first == "Bravo: BravoCaster 1 – 0"
    # Both edits came within the 5 s interval, so they wait for one announcement.
    assert during_interval == first
    assert next_announcement(probe, first) == "Bravo: BravoCaster 3 – 0"


def test_removed_stream_change_not_announced(open_page, publish, store, regions_state):
    probe, first = open_after_first_announcement(
        open_page, publish, store, regions_state
    )

    set_bravo_score(store, probe, "rucaster", [0, 1])
    commit_and_wait(
        store,
        probe,
        "remove",
        lambda state: edits.remove_stream(state, "bravo", "rucaster"),
    )
    set_bravo_score(store, probe, "bravocaster", [2, 0])
    during_interval = probe.page.text_content("#announcer")

    assert first == "Bravo: BravoCaster 1 – 0"
    assert during_interval == first
    assert next_announcement(probe, first) == "Bravo: BravoCaster 2 – 0"
