"""Assemble what the viewer sees: the view and its features around the app.

The view adopts the server-rendered DOM, shows a newer saved state at once, and
gets the filter menus, the keyboard tabs, the announcer and the overlay mode.
"""

import jsffi
from announce import Announcer
from filterbar import FilterBar
from overlaymode import OverlayMode
from saved import SavedState
from tabs import TabKeys
from view import PageView


def setup_view(document, to_js):
    """Return the PageView for `document`, its features wired and the URL applied."""
    # pyscript.window is MicroPython's `js` module, whose functions run with the
    # wrong `this` when called through it from here; the document's window works.
    window = document.defaultView
    console = window.console
    storage = _local_storage(window)
    announcer = Announcer(document.getElementById("announcer"))
    announcer.watch_status(
        document.getElementById("status"), window.MutationObserver, to_js
    )
    saved = SavedState(storage, console, jsffi.JsException)
    view = PageView(document, window.location, saved, announcer)
    view.filter_bar = FilterBar(document, view.set_filter)
    TabKeys(view.tabs, lambda region_id: _link(window, view, region_id))
    window.addEventListener("hashchange", lambda event: view.follow_link())

    state = saved.load(view.state["version"] if view.state is not None else None)
    if state is None or not view.show_saved(state):
        view.select()
    if view.state is not None:
        view.filter_bar.update(view.state["regions"], view.filters)
    overlay = OverlayMode(document, view, storage, console, jsffi.JsException)
    overlay.start(window.location.search)
    return view


def _link(window, view, region_id):
    window.location.hash = view.link_to(region_id)


class _NoStorage:
    """Stands in for localStorage where the browser blocks it: keeps nothing."""

    def getItem(self, key):
        return None

    def setItem(self, key, value):
        pass


def _local_storage(window):
    try:
        return window.localStorage
    except jsffi.JsException:  # a SecurityError when the browser blocks storage
        return _NoStorage()
