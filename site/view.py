"""The page view: site header, region tabs and region panels, kept in step with the state.

Cards are keyed by stream id and rebuilt only when their stream changed, so an
update touches the few nodes it concerns and keeps focus and text selection elsewhere.
Regions, the site header and the tabs' selection are likewise left alone while they
are unchanged: every DOM call from MicroPython crosses the JS proxy.
A rebuilt card is highlighted for a moment, and a changed score is announced.

The view starts from the server-rendered DOM: when the HTML carries its state
(#qh-state), the view adopts the tabs, panels and cards as they are and changes
nothing until a different state arrives.
"""

import json

from filters import filter_regions, from_params, no_filters
from render import NO_REGIONS_TEXT, Builder, score_text
from selection import choose_region, format_fragment, parse_fragment

STATE_ELEMENT_ID = "qh-state"
CHANGED_CLASS = "changed"
# Sources of the state on screen. Only a server state is live.
FROM_PAGE = "page"
FROM_SAVED = "saved"
FROM_SERVER = "server"


def sync_children(parent, nodes):
    """Make `nodes` the children of `parent`, in order, moving only when needed."""
    children = parent.children
    if children.length == len(nodes):
        for index, node in enumerate(nodes):
            if not children.item(index).isSameNode(node):
                break
        else:
            return
    parent.replaceChildren()
    for node in nodes:
        parent.appendChild(node)


def set_text(element, text):
    element.textContent = text
    element.hidden = not text


class RegionView:
    """The tab, the panel and the cards of one region."""

    def __init__(self, builder, region_id, tab=None, panel=None):
        self.builder = builder
        self.tab = tab or builder.tab(region_id)
        self.panel = panel or builder.panel(region_id)
        self.list = None
        self.cards = {}
        # The region as last shown, and the (selected, href) of its tab.
        self.region = None
        self.selection = None

    def adopt(self, region):
        """Take over the server-rendered cards of `region` instead of building them."""
        self.list = self.panel.querySelector("ul.streams")
        for stream in region["streams"]:
            card = self.panel.querySelector('li[data-stream="' + stream["id"] + '"]')
            if card is not None:
                self.cards[stream["id"]] = (stream, card)
        if len(self.cards) == len(region["streams"]):
            self.region = region  # the server rendered all of it

    def update(self, region, highlight=False, changes=None):
        """Show `region`, marking rebuilt cards when `highlight`.

        Score changes go into the list `changes` as ((region id, stream id), text).
        """
        if region == self.region:
            return
        self.region = region
        self.tab.querySelector(".title").textContent = region["title"]
        self.tab.querySelector(".count").textContent = str(len(region["streams"]))
        if region["streams"]:
            self._show_streams(region, highlight, changes)
        else:
            self.list = None
            self.cards = {}
            sync_children(self.panel, [self.builder.empty_text(region)])

    def _show_streams(self, region, highlight, changes):
        if self.list is None:
            self.list = self.builder.element("ul", (("class", "streams"),))
        cards = {}
        nodes = []
        for stream in region["streams"]:
            known = self.cards.get(stream["id"])
            if known is not None and known[0] == stream:
                cards[stream["id"]] = known
            else:
                cards[stream["id"]] = (stream, self._new_card(stream, highlight))
                if changes is not None and known is not None:
                    _note_score(changes, region, known[0], stream)
            nodes.append(cards[stream["id"]][1])
        self.cards = cards
        sync_children(self.list, nodes)
        sync_children(self.panel, [self.list])

    def _new_card(self, stream, highlight):
        card = self.builder.card(stream)
        if highlight:
            card.classList.add(CHANGED_CLASS)
        return card

    def show_selected(self, selected, href):
        if (selected, href) == self.selection:
            return
        self.selection = (selected, href)
        # Roving tabindex (WAI-ARIA tabs pattern): only the selected tab is in the
        # Tab order; the arrow keys move between tabs (see tabs.py).
        self.tab.setAttribute("aria-selected", "true" if selected else "false")
        self.tab.setAttribute("tabindex", "0" if selected else "-1")
        self.tab.setAttribute("href", href)
        self.panel.hidden = not selected


def _note_score(changes, region, old, new):
    if old["score"] != new["score"]:
        text = region["title"] + ": " + new["name"] + " " + score_text(new["score"])
        changes.append(((region["id"], new["id"]), text))


def stream_keys(state):
    """Return the set of (region id, stream id) of every stream in `state`."""
    keys = set()
    for region in state["regions"]:
        for stream in region["streams"]:
            keys.add((region["id"], stream["id"]))
    return keys


def read_page_state(document):
    """Return the state the server rendered into the page (#qh-state), or None."""
    element = document.getElementById(STATE_ELEMENT_ID)
    if element is None:
        return None
    try:
        state = json.loads(element.textContent)
    except ValueError:
        return None
    return state if isinstance(state, dict) and "regions" in state else None


class PageView:
    """Owns #site, #tabs and #regions, and adopts the server-rendered copy of them.

    The URL fragment decides the region and the filters (see selection.py).
    `saved` keeps each server state for the next visit; `announcer` reads score
    changes out. Both may be None.
    """

    def __init__(self, document, location, saved=None, announcer=None):
        self.document = document
        self.location = location
        self.saved = saved
        self.announcer = announcer
        self.builder = Builder(document)
        self.tabs = document.getElementById("tabs")
        self.panels = document.getElementById("regions")
        self.saved_note = document.getElementById("saved-note")
        self.filter_bar = None
        self.regions = {}
        # The region views and the site header as last shown.
        self.views = None
        self.site = None
        self.state = None
        self.source = None
        self.selected = None
        self.pinned = None
        self.filters = no_filters()
        self._adopt_page_state()

    def _adopt_page_state(self):
        state = read_page_state(self.document)
        if state is None:
            return
        regions = {}
        for region in state["regions"]:
            tab = self.document.getElementById("tab-" + region["id"])
            panel = self.document.getElementById("region-" + region["id"])
            if tab is None or panel is None:
                return  # not the markup this view builds: render from scratch
            regions[region["id"]] = RegionView(self.builder, region["id"], tab, panel)
            regions[region["id"]].adopt(region)
        self.regions = regions
        self.state = state
        self.source = FROM_PAGE

    def show(self, state):
        """Show a state from the server: the bootstrap response or the live feed."""
        announce = self.source == FROM_SERVER
        self.source = FROM_SERVER
        self.saved_note.hidden = True
        if state != self.state:
            self._render(state, self.state is not None, announce)
        if self.saved is not None:
            self.saved.save(state)

    def show_saved(self, state):
        """Show a state kept from an earlier visit if it is newer than the one shown.

        It stays marked as not live until the server's state arrives.
        """
        if self.state is not None and state["version"] <= self.state["version"]:
            return False
        self._render(state, False, False)
        self.source = FROM_SAVED
        self.saved_note.hidden = False
        return True

    def _render(self, state, highlight, announce):
        self.state = state
        self._show_site(state["site"])
        changes = [] if announce else None
        self._show_regions(highlight, changes)
        self.panels.setAttribute("data-version", str(state["version"]))
        self.select()
        if self.announcer is not None:
            if self.announcer.pending:
                self.announcer.retain_streams(stream_keys(state))
            if changes:
                self.announcer.announce_changes(changes)

    def _show_regions(self, highlight=False, changes=None):
        shown = filter_regions(self.state["regions"], self.filters)
        regions = {}
        for region in shown:
            view = self.regions.get(region["id"])
            if view is None:
                view = RegionView(self.builder, region["id"])
            view.update(region, highlight, changes)
            regions[region["id"]] = view
        self.regions = regions
        views = [regions[region["id"]] for region in shown]
        if views != self.views or not views:
            self.views = views
            sync_children(self.tabs, [view.tab for view in views])
            panels = [view.panel for view in views]
            if not panels:
                panels = [
                    self.builder.element("p", (("class", "empty"),), NO_REGIONS_TEXT)
                ]
            sync_children(self.panels, panels)
        if self.filter_bar is not None:
            self.filter_bar.update(self.state["regions"], self.filters)

    def select(self):
        """Apply the URL fragment: its filters, then its region.

        A region pinned by the overlay rotation wins, then the linked one, then the
        one on screen. Without any of them, choose_region falls back.
        """
        if self.state is None:
            return
        linked, params = parse_fragment(self.location.hash)
        filters = from_params(params)
        if filters != self.filters:
            self.filters = filters
            self._show_regions()
        shown = filter_regions(self.state["regions"], self.filters)
        wanted = (self.pinned, linked, self.selected)
        self.selected = choose_region(shown, wanted)
        for region_id in self.regions:
            view = self.regions[region_id]
            view.show_selected(region_id == self.selected, self.link_to(region_id))

    def follow_link(self):
        """Show what the URL fragment names; called when the fragment changes."""
        self.pinned = None
        self.select()

    def pin(self, region_id):
        """Show `region_id` without changing the URL (overlay rotation)."""
        self.pinned = region_id
        self.select()

    def link_to(self, region_id, filters=None):
        return format_fragment(region_id, filters or self.filters)

    def set_filter(self, key, value):
        """Change one filter through the URL fragment, so the link keeps it."""
        filters = dict(self.filters)
        filters[key] = value or None
        self.location.hash = self.link_to(self.selected, filters)

    def regions_with_streams(self):
        """Return the ids of the regions that show streams with the current filters."""
        shown = (
            filter_regions(self.state["regions"], self.filters) if self.state else ()
        )
        return [region["id"] for region in shown if region["streams"]]

    def _show_site(self, site):
        if site == self.site:
            return
        self.site = site
        self.document.title = site["title"]
        self.document.getElementById("site-title").textContent = site["title"]
        set_text(self.document.getElementById("site-event"), site["event"])
        set_text(self.document.getElementById("announcement"), site["announcement"])
