"""Screen reader announcements through one polite aria-live region.

Score changes and connection changes are read out, at most one announcement per
`min_interval` seconds. What arrives in between is merged into the next one, which
names the latest changes only, so a busy minute does not become a long queue.
A score change waits under its stream's key, so a newer change of the same stream
replaces it, and it is dropped when its stream leaves the state on screen.
"""

import asyncio
import time

MIN_INTERVAL_SECONDS = 5
MAX_ITEMS = 3
SEPARATOR = ". "
# Connection states (status.py) worth announcing, with the text read out.
STATUS_SPEECH = {
    "live": "Live updates on.",
    "reconnecting": "Live updates interrupted, reconnecting.",
    "offline": "Live updates paused.",
}


def merge(items, max_items=MAX_ITEMS):
    """Return one sentence for `items`, keeping the latest `max_items` of them."""
    kept = items[-max_items:]
    text = SEPARATOR.join(kept)
    dropped = len(items) - len(kept)
    if dropped:
        text += SEPARATOR + str(dropped) + " more changes"
    return text


class PendingItems:
    """Texts waiting for the next announcement, in arrival order, each with a key.

    The key of a score change is its stream's (region id, stream id). Texts added
    with the key None, such as connection changes, are never replaced or dropped.
    """

    def __init__(self):
        self.items = []  # (key, text) pairs

    def __len__(self):
        return len(self.items)

    def add(self, key, text):
        """Append `text`, removing the pending text with the same key (not None)."""
        if key is not None:
            self.items = [item for item in self.items if item[0] != key]
        self.items.append((key, text))

    def retain(self, keys):
        """Drop the texts whose key is neither None nor in `keys`."""
        self.items = [item for item in self.items if item[0] is None or item[0] in keys]

    def take(self):
        """Return the texts in arrival order and empty the list."""
        texts = [text for key, text in self.items]
        self.items = []
        return texts


class Announcer:
    """Writes announcements into `element` (aria-live="polite"), rate-limited."""

    def __init__(self, element, min_interval=MIN_INTERVAL_SECONDS, clock=time.time):
        self.element = element
        self.min_interval = min_interval
        self.clock = clock
        self.pending = PendingItems()
        self.last_at = None
        self._task = None

    def announce_all(self, texts):
        """Announce `texts`, none of which replaces a pending text."""
        for text in texts:
            self.pending.add(None, text)
        self._schedule()

    def announce_changes(self, changes):
        """Announce `changes`, a list of ((region id, stream id), text) pairs.

        Each text replaces the pending text of the same stream, which is stale.
        """
        for key, text in changes:
            self.pending.add(key, text)
        self._schedule()

    def retain_streams(self, keys):
        """Drop the pending score changes of streams whose key is not in `keys`.

        The view calls it with each new state while texts are pending, so a
        stream removed before the next announcement is not read out.
        """
        self.pending.retain(keys)

    def flush(self):
        if not self.pending:
            return
        self.element.textContent = merge(self.pending.take())
        self.last_at = self.clock()

    def _schedule(self):
        wait = self._wait_seconds()
        if wait <= 0:
            self.flush()
        elif self._task is None:
            self._task = asyncio.create_task(self._flush_later(wait))

    def _wait_seconds(self):
        if self.last_at is None:
            return 0
        return self.last_at + self.min_interval - self.clock()

    async def _flush_later(self, wait):
        await asyncio.sleep(wait)
        self._task = None
        self.flush()

    def watch_status(self, element, observer_class, to_js):
        """Announce the status bar's connection changes (its data-state attribute).

        `observer_class` is the browser's MutationObserver.
        """
        # The first "live" after loading is what everyone expects: not announced.
        said = [element.getAttribute("data-state"), False]

        def changed(records, observer):
            state = element.getAttribute("data-state")
            if state != said[0] and state in STATUS_SPEECH and said[1]:
                self.announce_all([STATUS_SPEECH[state]])
            said[0] = state
            said[1] = said[1] or state == "live"

        observer = observer_class.new(changed)
        options = {"attributes": True, "attributeFilter": ["data-state"]}
        observer.observe(element, to_js(options))
        return observer
