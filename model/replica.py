"""A copy of the state kept in step with messages, as every viewer keeps one.

Messages may arrive late, twice or out of order. The replica applies a delta only when
it continues its own version. Anything else leaves the state untouched and returns the
reason, so the caller can fetch a snapshot on a gap.
"""

from model.delta import apply

SNAPSHOT = "snapshot"  # a snapshot replaced the state
APPLIED = "applied"  # a delta moved the state forward
DUPLICATE = "duplicate"  # a delta the state already contains
STALE = "stale"  # a snapshot older than the state
GAP = "gap"  # a delta that skips versions: fetch a snapshot


class Replica:
    def __init__(self):
        self.state = None
        self.version = -1

    def on_snapshot(self, message):
        if message["version"] < self.version:
            return STALE
        state = dict(message["state"])
        state["version"] = message["version"]
        self.state = state
        self.version = message["version"]
        return SNAPSHOT

    def on_delta(self, message):
        if message["to"] <= self.version:
            return DUPLICATE
        if self.state is None or message["from"] != self.version:
            return GAP
        self.state = apply(self.state, message)
        self.version = message["to"]
        return APPLIED

    def on_message(self, message):
        """Apply a checked message (see model.messages.check_message)."""
        if message["type"] == "snapshot":
            return self.on_snapshot(message)
        return self.on_delta(message)
