"""Contrast in both colour schemes, and the layout at 360 px with hostile text."""

import pytest
from page_support import PageProbe

from model import edits

pytestmark = pytest.mark.browser

MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text

# For every visible element with its own text: its colour, and its background
# composited over every ancestor's background down to the first opaque one.
READ_CONTRASTS = """() => {
  const parse = (value) => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (key) => (top[key] * top.a + bottom[key] * bottom.a * (1 - top.a)) / a;
    return {r: mix("r"), g: mix("g"), b: mix("b"), a};
  };
  const background = (node) => {
    const layers = [];
    for (let at = node; at; at = at.parentElement) {
      const colour = parse(getComputedStyle(at).backgroundColor);
      if (colour.a > 0) layers.push(colour);
      if (colour.a >= 1) break;
    }
    let result = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = ({r, g, b}) => {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const results = [];
  for (const node of document.body.querySelectorAll("*")) {
    const ownText = [...node.childNodes].some(
      (child) => child.nodeType === Node.TEXT_NODE && child.textContent.trim());
    const box = node.getBoundingClientRect();
    if (!ownText || box.width <= 1 || box.height <= 1 || !node.checkVisibility()) continue;
    const text = over(parse(getComputedStyle(node).color), background(node));
    const [light, dark] = [luminance(text), luminance(background(node))].sort((x, y) => y - x);
    results.push({
      element: node.tagName.toLowerCase() + (node.id ? "#" + node.id : "") +
        (node.className && typeof node.className === "string" ? "." + node.className : ""),
      text: node.textContent.trim().slice(0, 30),
      ratio: (light + 0.05) / (dark + 0.05),
    });
  }
  return results;
}"""

READ_LAYOUT = """() => {
  const rect = (node) => node.getBoundingClientRect();
  const overlaps = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
    a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const pairs = (nodes) => {
    const found = [];
    nodes.forEach((a, i) => nodes.slice(i + 1).forEach((b) => {
      if (overlaps(rect(a), rect(b))) found.push([a.textContent.slice(0, 20), b.textContent.slice(0, 20)]);
    }));
    return found;
  };
  const cards = [...document.querySelectorAll(".region:not([hidden]) li.stream")];
  const outside = [];
  for (const card of cards) {
    const box = rect(card);
    for (const child of card.querySelectorAll("*")) {
      const inner = rect(child);
      if (inner.width && (inner.left < box.left - 0.5 || inner.right > box.right + 0.5)) {
        outside.push(child.tagName + " " + child.textContent.slice(0, 20));
      }
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    cards: cards.length,
    cardOverlaps: pairs(cards),
    tabOverlaps: pairs([...document.querySelectorAll('[role="tab"]')]),
    outside,
  };
}"""


@pytest.fixture
def open_styled(browser, site_stack):
    """Open the page in a context with a colour scheme and viewport; check it after."""
    probes = []

    def open_styled(fragment="", color_scheme="light", width=1024):
        context = browser.new_context(
            color_scheme=color_scheme, viewport={"width": width, "height": 800}
        )
        probe = PageProbe(context, site_stack.site_url)
        probes.append(probe)
        return probe.open(fragment)

    yield open_styled
    for probe in probes:
        errors = list(probe.console_errors)
        probe.context.close()
        assert errors == []
        assert probe.foreign_requests() == []


def tagged(state):
    state = edits.set_site(state, {"event": "Day 2", "announcement": "Finals at 18:00"})
    return edits.update_stream(
        state,
        "bravo",
        "bravocaster",
        {
            "language": "English",
            "tags": ["bo3"],
            "info": "**Bo3** [bracket](https://a.example/b)",
        },
    )


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_text_contrast_meets_aa(open_styled, publish, regions_state, color_scheme):
    publish(tagged(regions_state))
    probe = open_styled("#bravo", color_scheme)
    probe.wait_status("live")

    contrasts = probe.page.evaluate(READ_CONTRASTS)

    checked = {item["element"].split(".")[0].split("#")[0] for item in contrasts}
    assert {"h1", "bdi", "a", "span", "p"} <= checked
    low = [item for item in contrasts if item["ratio"] < MIN_CONTRAST]
    assert low == []


def test_themes_follow_color_scheme(open_styled, publish, regions_state):
    publish(regions_state)
    colours = {}
    for scheme in ("light", "dark"):
        probe = open_styled("", scheme)
        probe.wait_status("live")
        colours[scheme] = probe.page.evaluate(
            "[getComputedStyle(document.documentElement).backgroundColor,"
            " getComputedStyle(document.body).color]"
        )

    assert colours["light"][0] == "rgb(255, 255, 255)"
    assert colours["dark"][0] == "rgb(18, 20, 23)"
    assert colours["light"][1] != colours["dark"][1]


def hostile_layout_state(regions_state):
    combining = "Z̷̢̛̪̫a̴̡̰l̶̨̛g̸̢̡o̵̧̨" * 3
    state = regions_state
    for name, url in (
        ("W" * 64, "https://www.youtube.com/@" + "verylongchannelname" * 14),
        (combining[:64], "https://twitch.tv/" + "x" * 200),
        ("Name with spaces " * 3, "kick.com/caster"),
    ):
        state = edits.add_stream(
            state,
            "bravo",
            {
                "name": name,
                "url": url,
                "language": "L" * 32,
                "tags": ["t" * 24, "u" * 24],
                "info": "**" + "Z" * 120 + "** " + combining,
            },
        )
    return edits.upsert_region(
        state, {"id": "long", "title": "Region" + "X" * 58, "order": 9}
    )


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_layout_holds_at_360_pixels(open_styled, publish, regions_state, color_scheme):
    publish(hostile_layout_state(regions_state))
    probe = open_styled("#bravo", color_scheme, width=360)
    probe.wait_status("live")

    layout = probe.page.evaluate(READ_LAYOUT)

    assert layout["cards"] == 4
    assert layout["scrollWidth"] <= layout["clientWidth"]
    assert layout["cardOverlaps"] == []
    assert layout["tabOverlaps"] == []
    assert layout["outside"] == []
