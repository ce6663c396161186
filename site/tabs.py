"""Keyboard use of the region tabs, as the WAI-ARIA tabs pattern describes.

Left and Right move to the previous and next tab (wrapping), Home and End to the
first and last, and Space selects the focused tab (Enter follows its link). The
focused tab is selected at once; only the selected tab is in the Tab order.
"""

MOVES = ("ArrowLeft", "ArrowRight", "Home", "End")
SELECT_KEYS = (" ", "Spacebar")


def next_index(key, index, count):
    """Return the index of the tab that `key` moves to from `index`, or None."""
    if count == 0 or key not in MOVES:
        return None
    if key == "Home":
        return 0
    if key == "End":
        return count - 1
    step = 1 if key == "ArrowRight" else -1
    return (index + step) % count


class TabKeys:
    """Listens for keys on the tab list; `activate(region_id)` selects a region."""

    def __init__(self, tablist, activate):
        self.tablist = tablist
        self.activate = activate
        tablist.addEventListener("keydown", self._on_key)

    def _on_key(self, event):
        if event.altKey or event.ctrlKey or event.metaKey:
            return
        tabs = self.tablist.querySelectorAll('[role="tab"]')
        current = event.target.closest('[role="tab"]')
        index = _index_of(tabs, current)
        if index is None:
            return
        if event.key in SELECT_KEYS:
            event.preventDefault()
            self.activate(current.getAttribute("data-region"))
            return
        target = next_index(event.key, index, tabs.length)
        if target is None:
            return
        event.preventDefault()
        tab = tabs.item(target)
        tab.focus()
        self.activate(tab.getAttribute("data-region"))


def _index_of(tabs, tab):
    if tab is None:
        return None
    for index in range(tabs.length):
        if tabs.item(index).isSameNode(tab):
            return index
    return None
