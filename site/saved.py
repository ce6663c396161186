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
    """Reads and writes one state under STORAGE_KEY in `storage` (window.localStorage).

    `storage_error` is what a failing storage call raises (jsffi.JsException).
    """

    def __init__(self, storage, console, storage_error):
        self.storage = storage
        self.console = console
        self.storage_error = storage_error
        self.version = None

    def load(self, newer_than=None):
        """Return the saved state, checked like a snapshot message, or None.

        With `newer_than`, a state whose version is not above it is None too, and
        is not checked: checking the demo day's state takes tens of milliseconds
        in MicroPython, on the page's way to going live.
        """
        try:
            text = self.storage.getItem(STORAGE_KEY)
        except self.storage_error as exc:  # a SecurityError when storage is blocked
            self.console.warn("cannot read the saved state: " + str(exc))
            return None
        if not text:
            return None
        try:
            saved = json.loads(text)
            version = saved.get("version")
            if _not_newer(version, newer_than):
                return None
            message = check_message(
                {"type": "snapshot", "version": version, "state": saved}
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
        except self.storage_error as exc:  # QuotaExceededError, or storage blocked
            self.console.warn("cannot save the state: " + str(exc))
            return
        self.version = state["version"]


def _not_newer(version, newer_than):
    # A version that is no whole number goes on to check_message, which names it.
    if newer_than is None or not isinstance(version, int) or isinstance(version, bool):
        return False
    return version <= newer_than
