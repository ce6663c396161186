"""Overlay mode in Chromium: URL options, rotation, the O B S panel, saved settings."""

import pytest
from page_support import wait_until

from model import edits

pytestmark = pytest.mark.browser


def selected(probe):
    return probe.page.get_attribute('[role="tab"][aria-selected="true"]', "data-region")


def root_classes(probe):
    return probe.page.evaluate("[...document.documentElement.classList]")


def test_query_sets_overlay_options(open_page, publish, regions_state):
    publish(regions_state)
    probe = open_page("?hide=header,footer&compact&transparent")
    probe.wait_status("live")

    assert not probe.page.is_visible("header.site")
    assert not probe.page.is_visible("footer.site")
    assert probe.page.is_visible('li[data-stream="bravocaster"]')
    assert set(root_classes(probe)) >= {"overlay-compact", "overlay-transparent"}
    backgrounds = probe.page.evaluate(
        "[document.documentElement, document.body].map("
        "(node) => getComputedStyle(node).backgroundColor)"
    )
    assert backgrounds == ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]
    assert not probe.page.is_visible('li[data-stream="bravocaster"] .link')


def test_rotation_cycles_regions_with_streams(open_page, publish, regions_state):
    publish(regions_state)
    probe = open_page("?rotate=1")
    probe.wait_status("live")
    assert selected(probe) == "bravo"

    seen = []
    for _ in range(3):
        previous = selected(probe)
        assert wait_until(
            probe.page, lambda previous=previous: selected(probe) != previous
        )
        seen.append(selected(probe))

    # alpha has no streams, so only bravo and charlie take turns.
    assert seen == ["charlie", "bravo", "charlie"]
    assert probe.page.evaluate("location.hash") == ""


def test_rotation_through_listed_regions(open_page, publish, regions_state):
    publish(regions_state)
    probe = open_page("?rotate=1&regions=alpha,charlie")
    probe.wait_status("live")

    assert wait_until(probe.page, lambda: selected(probe) == "alpha")
    assert wait_until(probe.page, lambda: selected(probe) == "charlie")
    assert probe.page.is_visible("#region-charlie")


def test_bad_option_is_named_in_console(open_page, publish, regions_state):
    publish(regions_state)
    probe = open_page(goto=False)
    warnings = []
    probe.page.on(
        "console",
        lambda message: message.type == "warning" and warnings.append(message.text),
    )
    probe.open("?rotate=soon")
    probe.wait_status("live")

    assert any("invalid overlay option rotate='soon'" in text for text in warnings)


def test_hotkey_panel_changes_and_persists(open_page, publish, regions_state):
    publish(regions_state)
    probe = open_page()
    probe.wait_status("live")
    probe.page.wait_for_function("window.__qhPythonDone")
    assert not probe.page.is_visible("#overlay-settings")

    for key in "obs":
        probe.page.keyboard.press(key)

    probe.page.wait_for_selector("#overlay-settings", state="visible")
    assert probe.page.locator("#overlay-region-list input").count() == 3
    probe.page.check("#overlay-compact")
    probe.page.check("#overlay-hide-header")
    assert wait_until(probe.page, lambda: "overlay-compact" in root_classes(probe))
    assert not probe.page.is_visible("header.site")
    probe.page.click("#overlay-close")
    assert not probe.page.is_visible("#overlay-settings")

    probe.page.reload()
    probe.wait_status("live")
    probe.page.wait_for_function("window.__qhPythonDone")
    assert "overlay-compact" in root_classes(probe)
    assert not probe.page.is_visible("header.site")


def test_hotkey_ignored_while_typing(open_page, publish, regions_state):
    publish(
        edits.update_stream(
            regions_state, "bravo", "bravocaster", {"language": "English"}
        )
    )
    probe = open_page()
    probe.wait_status("live")
    probe.page.wait_for_function("window.__qhPythonDone")

    probe.page.focus("#filter-language")
    assert probe.page.evaluate("document.activeElement.id") == "filter-language"
    for key in "obs":
        probe.page.keyboard.press(key)

    assert not probe.page.is_visible("#overlay-settings")
