"""The last state this browser saw, kept in localStorage for the next visit.

A later visit shows it at once when the page's own HTML is older, marked as not
live, until the server's state arrives. Storage can be full, turned off or shared
with a newer page, so every failure here is logged and ignored.
"""

import json

from model.errors import ValidationError
from model.messages import check_message

STORAGE_KEY = "qh-state"


class SavedState:
    """Reads and writes one state under STORAGE_KEY in `storage` (window.localStorage)."""

    def __init__(self, storage, console):
        self.storage = storage
        self.console = console
        self.version = None

    def load(self):
        """Return the saved state, checked like a snapshot message, or None."""
        try:
            text = self.storage.getItem(STORAGE_KEY)
        except Exception as exc:  # a JS SecurityError when storage is blocked
            self.console.warn("cannot read the saved state: " + str(exc))
            return None
        if not text:
            return None
        try:
            saved = json.loads(text)
            message = check_message(
                {"type": "snapshot", "version": saved.get("version"), "state": saved}
            )
        except (ValueError, AttributeError, ValidationError) as exc:
            self.console.warn("ignored an invalid saved state: " + str(exc))
            return None
        return message["state"]

    def save(self, state):
        if state["version"] == self.version:
            return
        try:
            self.storage.setItem(STORAGE_KEY, json.dumps(state))
        except Exception as exc:  # QuotaExceededError, or storage blocked
            self.console.warn("cannot save the state: " + str(exc))
            return
        self.version = state["version"]
