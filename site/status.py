"""The connection status bar: connecting, live, reconnecting (with the reason), offline."""

CONNECTING = "connecting"
LIVE = "live"
RECONNECTING = "reconnecting"
OFFLINE = "offline"

HEADLINES = {
    CONNECTING: "Connecting to the live feed…",
    LIVE: "Live",
    RECONNECTING: "Reconnecting",
    OFFLINE: "Offline",
}


def status_text(state, reason="", retry_seconds=None):
    """Return the sentence the status bar shows for `state`."""
    text = HEADLINES[state]
    if state == RECONNECTING and retry_seconds is not None:
        text += " in " + str(max(1, round(retry_seconds))) + " s"
    elif state == RECONNECTING:
        text += "…"
    if reason:
        text += ": " + reason
    return text


class StatusBar:
    """Writes the status into one element: `data-state` for styles and tests, and text."""

    def __init__(self, element):
        self.element = element
        self.state = element.getAttribute("data-state")

    def show(self, state, reason="", retry_seconds=None):
        self.state = state
        self.element.setAttribute("data-state", state)
        self.element.textContent = status_text(state, reason, retry_seconds)
