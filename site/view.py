"""The page view: site header, region tabs and region panels, kept in step with the state.

Cards are keyed by stream id and rebuilt only when their stream changed, so an
update touches the few nodes it concerns and keeps focus and text selection elsewhere.
"""

from render import NO_REGIONS_TEXT, Builder
from selection import choose_region, region_from_hash


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

    def __init__(self, builder, region_id):
        self.builder = builder
        self.tab = builder.tab(region_id)
        self.panel = builder.panel(region_id)
        self.list = None
        self.cards = {}

    def update(self, region):
        self.tab.querySelector(".title").textContent = region["title"]
        self.tab.querySelector(".count").textContent = str(len(region["streams"]))
        if region["streams"]:
            self._show_streams(region["streams"])
        else:
            self.list = None
            self.cards = {}
            sync_children(self.panel, [self.builder.empty_text(region)])

    def _show_streams(self, streams):
        if self.list is None:
            self.list = self.builder.element("ul", (("class", "streams"),))
        cards = {}
        nodes = []
        for stream in streams:
            known = self.cards.get(stream["id"])
            if known is not None and known[0] == stream:
                cards[stream["id"]] = known
            else:
                cards[stream["id"]] = (stream, self.builder.card(stream))
            nodes.append(cards[stream["id"]][1])
        self.cards = cards
        sync_children(self.list, nodes)
        sync_children(self.panel, [self.list])

    def show_selected(self, selected):
        self.tab.setAttribute("aria-selected", "true" if selected else "false")
        self.panel.hidden = not selected


class PageView:
    """Owns #site, #tabs and #regions; replaces the server-rendered copy on first show."""

    def __init__(self, document, location):
        self.document = document
        self.location = location
        self.builder = Builder(document)
        self.tabs = document.getElementById("tabs")
        self.panels = document.getElementById("regions")
        self.regions = {}
        self.state = None
        self.selected = None

    def show(self, state):
        self.state = state
        self._show_site(state["site"])
        regions = {}
        for region in state["regions"]:
            view = self.regions.get(region["id"])
            if view is None:
                view = RegionView(self.builder, region["id"])
            view.update(region)
            regions[region["id"]] = view
        self.regions = regions
        views = [regions[region["id"]] for region in state["regions"]]
        sync_children(self.tabs, [view.tab for view in views])
        panels = [view.panel for view in views]
        if not panels:
            panels = [self.builder.element("p", (("class", "empty"),), NO_REGIONS_TEXT)]
        sync_children(self.panels, panels)
        self.panels.setAttribute("data-version", str(state["version"]))
        self.select()

    def select(self):
        """Show the linked region, else keep the one on screen, else fall back."""
        if self.state is None:
            return
        wanted = (region_from_hash(self.location.hash), self.selected)
        self.selected = choose_region(self.state["regions"], wanted)
        for region_id in self.regions:
            self.regions[region_id].show_selected(region_id == self.selected)

    def _show_site(self, site):
        self.document.title = site["title"]
        self.document.getElementById("site-title").textContent = site["title"]
        set_text(self.document.getElementById("site-event"), site["event"])
        set_text(self.document.getElementById("announcement"), site["announcement"])
