"""The page built with a state paints the streams before Python starts, and the
Python app then shows the same DOM."""

import json

import pytest
from page_support import ROOT

from model import edits

pytestmark = pytest.mark.browser


@pytest.fixture
def build_with_state(site_stack, build_module, tmp_path):
    """Rebuild the served page with a state in it; restore the stateless page after."""
    broker = (f"ws://127.0.0.1:{site_stack.ports.mqtt_ws}",)

    def build_with_state(state):
        path = tmp_path / "state.json"
        path.write_text(json.dumps(state))
        config = build_module.BuildConfig(
            out=site_stack.dist, state_path=path, connect_src=broker
        )
        build_module.build(config)

    yield build_with_state
    site_stack.build_site()


def demo_state_with_extras():
    state = json.loads((ROOT / "stack/demo/qualifier-day.snapshot.json").read_text())
    state["site"]["announcement"] = "Lower bracket starts at 18:00 UTC"
    state = edits.upsert_region(
        state,
        {
            "id": "mena",
            "title": "MENA",
            "order": 9,
            "no_streams_text": "لا يوجد بث الآن",
        },
    )
    return edits.add_stream(
        state,
        "europe",
        {
            "name": "مرحبا_Caster",
            "url": "https://kick.com/rtl",
            "info": "*italic* ~~gone~~ [site](https://example.com/a?b=1&c=2) <b>x</b>",
            "score": [1, 2],
            "language": "العربية",
        },
    )


@pytest.mark.parametrize("fragment", ["", "#mena"], ids=["default", "deep-link"])
def test_first_paint_matches_live_dom(open_page, publish, build_with_state, fragment):
    stored = publish(demo_state_with_extras())
    build_with_state(stored)

    probe = open_page(fragment)
    probe.wait_status("live")
    probe.wait_version(stored["version"])

    first_paint = probe.page.evaluate("window.__qhFirstPaint")
    live = probe.page.evaluate("window.__qhSerialize(document.body)")
    assert f'"data-version", "{stored["version"]}"' in json.dumps(first_paint)
    assert "مرحبا_Caster" in json.dumps(first_paint, ensure_ascii=False)
    assert without_selection(first_paint) == without_selection(live)
    if fragment:
        # The build cannot know the fragment: Python moves the selection on start.
        assert first_paint != live
        assert probe.page.is_visible("#region-mena .empty")
    else:
        assert first_paint == live


def without_selection(tree):
    """Drop the attributes that mark the selected tab and the hidden panels."""
    if not isinstance(tree, list):
        return tree
    if len(tree) == 3 and isinstance(tree[0], str) and isinstance(tree[1], list):
        attributes = [
            pair
            for pair in tree[1]
            if pair[0] not in ("aria-selected", "hidden", "tabindex")
        ]
        return [tree[0], attributes, [without_selection(child) for child in tree[2]]]
    return [without_selection(item) for item in tree]
